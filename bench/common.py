"""Shared helpers for the benchmark scripts: one-core pinning, machine facts, peak memory."""

from __future__ import annotations

import os

# one thread per process for every numeric library (set before numpy is imported)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import contextlib  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pin_one_core() -> int | None:
    """Pin this process to one CPU (the first allowed); returns it, or None if unsupported."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    out = {"nproc": str(os.cpu_count()), "cpu": cpu_model(),
           "python": platform.python_version(), "platform": platform.platform()}
    for name in ("numpy", "pandas", "pyarrow", "mesa", "distributed"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    with contextlib.suppress(OSError):
        out["loadavg"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return out


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished children), MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports KB


def print_machine() -> None:
    for k, v in machine().items():
        print(f"  {k:12s} {v}")


class ShippedCalibration:
    """The shipped calibration (seeds/calibration/record-2025.yaml) as the calibration benches
    use it: the spec, its record scenario, the targets it fits, the uniform priors of its free
    parameters (names in order, bounds as arrays) and draws from them."""

    def __init__(self) -> None:
        import numpy as np

        from sim.analysis.calibration.spec import SPEC_DIR, load_spec

        self.spec = load_spec(SPEC_DIR / "record-2025.yaml")
        self.scenario = self.spec.load_scenario()
        self.observations = self.spec.select_observations(self.scenario)
        self.priors = self.spec.priors()
        self.names = list(self.priors)
        self.lo = np.array([p[0] for p in self.priors.values()])
        self.hi = np.array([p[1] for p in self.priors.values()])

    def draw(self, rng, n: int | None = None):
        """``n`` prior draws (n, P), or one (P,) when ``n`` is None."""
        u = rng.random(len(self.names)) if n is None else rng.random((n, len(self.names)))
        return self.lo + (self.hi - self.lo) * u
