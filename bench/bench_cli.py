"""Everyday commands, timed as a user meets them: wall, CPU and peak memory, with the CPU split
into engine / statistics / figures / writing / imports, and the engine's own rate measured in
the same run.

    .venv/bin/python bench/bench_cli.py                 # all commands (calibration included)
    .venv/bin/python bench/bench_cli.py --skip calibrate --skip demo

Each command runs in a fresh interpreter (``--child``) that wraps the import machinery with a
timer and calls ``sim.cli.main``; when the command imports a part's module, the part's
functions get CPU timers (outermost call only, so nothing is counted twice). The parent
reports wall time and the CPU and peak memory of the child and any workers it started
(getrusage of the children). "other" is the
CPU none of the parts took (argument parsing, scenario loading, data frames, the command's own
code). The README's and docs/performance.md's timings come from this script's output.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine

PARTS = {
    "engine": ["sim.engine.batch:simulate"],
    "statistics": ["sim.analysis.stats:outcome_stats", "sim.analysis.stats:bands",
                   "sim.analysis.stats:paired_difference", "sim.analysis.stats:rate_per_exposure",
                   "sim.analysis.stats:paired_rate_difference", "sim.analysis.stats:describe",
                   "sim.analysis.effects:effects", "sim.analysis.sensitivity:compute_indices",
                   "sim.analysis.verdict:rankings", "sim.analysis.verdict:backstop"],
    "figures": ["sim.output.io:save_figure", "sim.output.figures:trajectories",
                "sim.output.figures:commitment_matrix", "sim.output.figures:design_panels",
                "sim.output.figures:design_trajectories",
                "sim.output.figures:modes_over_time", "sim.output.figures:observations"],
    "writing": ["sim.output.io:write_table", "sim.output.io:write_json",
                "sim.output.io:atomic_write_text", "sim.output.manifest:list_files"],
}
"""Part → functions (module:name) whose CPU time it counts."""

SWEEP_SPEC = """name: bench-20k
description: 20,000 runs (100 points x 200 replicates) for bench/bench_cli.py
scenario: sep-2025-paris
replicates: 200
seed: 2025
axes:
  - param: us.backstop_scale
    linspace: [0.0, 2.0, 10]
  - param: sanctions.scale
    linspace: [0.0, 2.0, 10]
outputs: [pledged_troops, holds, ceasefire_agreed, pledging_states, deterrence]
"""


def child(argv: list[str]) -> None:
    """Run ``coalition-sim argv`` in this process with the parts timed; print the split.

    The timers are put on a part's functions when the command itself imports their module
    (checked after every import): nothing is imported ahead of the command, which would
    load modules it never uses and import them outside its own start-up
    (``sim.util.startup``)."""
    import builtins

    spent = dict.fromkeys([*PARTS, "imports"], 0.0)
    active: list[str] = []
    runs = [0]
    real_import = builtins.__import__
    pending: dict[str, list[tuple[str, str]]] = {}
    for part, names in PARTS.items():
        for name in names:
            mod_name, fn_name = name.split(":")
            pending.setdefault(mod_name, []).append((fn_name, part))

    def wrap(module: object, fn_name: str, part: str) -> None:
        fn = getattr(module, fn_name)

        def wrapped(*a, _fn=fn, _part=part, **k):
            if active:
                return _fn(*a, **k)
            active.append(_part)
            t = time.process_time()
            try:
                out = _fn(*a, **k)
                if _part == "engine":
                    runs[0] += len(out.seeds)
                return out
            finally:
                spent[_part] += time.process_time() - t
                active.pop()

        setattr(module, fn_name, wrapped)

    def ready(mod_name: str) -> bool:  # imported, and done executing
        module = sys.modules.get(mod_name)
        return module is not None and not getattr(module.__spec__, "_initializing", False)

    def wrap_new() -> None:
        for mod_name in [m for m in pending if ready(m)]:
            for fn_name, part in pending.pop(mod_name):
                wrap(sys.modules[mod_name], fn_name, part)

    def timed_import(*a, **k):
        if active:
            try:
                return real_import(*a, **k)
            finally:
                if pending:
                    wrap_new()
        active.append("imports")
        t = time.process_time()
        try:
            return real_import(*a, **k)
        finally:
            if pending:
                wrap_new()
            spent["imports"] += time.process_time() - t
            active.pop()

    builtins.__import__ = timed_import
    from sim.cli import main

    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    builtins.__import__ = real_import
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024.0
    print(json.dumps({"spent": spent, "runs": runs[0], "cpu": time.process_time(),
                      "peak_mb": peak, "code": code}), file=sys.__stderr__)


def child_env() -> dict[str, str]:
    """The environment of a measured command: this checkout first on the path, and compiled
    bytecode used as in any installed or once-run checkout (with PYTHONDONTWRITEBYTECODE set,
    every command would compile the project's modules anew: about 0.05 s of `run`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(argv: list[str], cwd: Path) -> dict:
    """Wall, CPU (the child and its workers) and peak memory of one command, with its split."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", "--", *argv], cwd=cwd,
                          capture_output=True, text=True, env=child_env())
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('{"spent"')]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    split = json.loads(lines[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, **split}


def measure_plain(argv: list[str], cwd: Path) -> dict:
    """Wall and CPU of ``python -m sim.cli argv`` with nothing wrapped (for --help: the
    wrappers would import what --help must not)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim.cli", *argv], cwd=cwd, capture_output=True,
                   check=True, env=child_env())
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def report(name: str, m: dict) -> None:
    s = m["spent"]
    named = sum(s.values())
    engine = s["engine"]
    rate = m["runs"] / engine if engine > 0 else float("nan")
    parts = "  ".join(f"{k} {v:5.2f}" for k, v in s.items())
    print(f"{name:34s} wall {m['wall']:6.2f} s  CPU {m['cpu']:6.2f} s  peak {m['peak_mb']:6.0f} MB"
          f"\n{'':34s} {parts}  other {max(0.0, m['cpu'] - named):5.2f}"
          f"\n{'':34s} engine {m['runs']:,} runs at {rate:,.0f} runs/s of engine CPU "
          f"({engine / m['cpu']:.0%} of the command's CPU)")


def main() -> None:
    if "--child" in sys.argv:
        child(sys.argv[sys.argv.index("--") + 1:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skip", action="append", default=[],
                    choices=["help", "run", "posterior", "compare2", "demo", "sweep", "calibrate",
                             "large"],
                    help="leave out a command (repeatable)")
    args = ap.parse_args()
    print("machine:", json.dumps(machine()))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "sim")],
                   env=child_env(), check=True)  # the bytecode a user's first run writes
    work = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    (work / "sweep.yaml").write_text(SWEEP_SPEC)
    cal = ROOT / "seeds" / "calibration" / "record-2025.yaml"
    if "help" not in args.skip:
        m = measure_plain(["--help"], work)
        print(f"{'coalition-sim --help':34s} wall {m['wall']:6.2f} s  CPU {m['cpu']:6.2f} s "
              "(target <= 0.3 s CPU)")
    commands = {
        "run": ("run sep-2025-paris (200 runs)", ["run", "sep-2025-paris", "--out", "o-run"]),
        "posterior": ("run --posterior default",
                      ["run", "sep-2025-paris", "--posterior", "default", "--out", "o-post"]),
        "compare2": ("compare of two scenarios", ["compare", "feb-2025-summit",
                                                  "us-full-backstop", "--out", "o-cmp"]),
        "demo": ("demo: compare --designs all", ["compare", "--designs", "all", "--out",
                                                 "o-demo"]),
        "sweep": ("sweep of 20,000 runs", ["sweep", "sweep.yaml", "--out", "o-sweep"]),
        "calibrate": ("the shipped calibration", ["calibrate", str(cal), "--out", "o-cal"]),
    }
    for key, (label, argv) in commands.items():
        if key not in args.skip:
            report(label, measure(argv, work))
    if "large" not in args.skip:
        small = measure(["run", "sep-2025-paris", "-n", "10000", "--summary-only",
                         "--no-figures", "--out", "o-10k"], work)
        large = measure(["run", "sep-2025-paris", "-n", "100000", "--summary-only",
                         "--no-figures", "--out", "o-100k"], work)
        report("run -n 10000 --summary-only", small)
        report("run -n 100000 --summary-only", large)
        r_small = small["runs"] / small["cpu"]
        r_large = large["runs"] / large["cpu"]
        print(f"per-run rate of the whole command: R=10,000 {r_small:,.0f} runs/s, "
              f"R=100,000 {r_large:,.0f} runs/s: ratio {r_large / r_small:.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
