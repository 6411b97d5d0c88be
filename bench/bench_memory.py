"""Benchmark 4: peak memory (RSS of the command and all its workers) at the accepted limits.

Each case runs the real command line in a subprocess and samples the resident memory of its
whole process tree every 50 ms; the peak must stay under 2 GB (issue 9). Cases:

- ``run sep-2025-paris -n 1000000 --summary-only`` (the documented maximum of replicates);
- ``run`` at the row limit of the tables it holds (sim/util/limits.py ``check_run``): 666,666
  replicates × 3 months = 1,999,998 monthly rows beside a states table of 22.7 million rows
  (streamed: the case of issue 24), 55,555 × 36 months, and 29,411 × 34 months with the
  states table (999,974 rows) held beside the monthly one; one replicate more is refused;
- ``sensitivity`` at SALib's bootstrap limit (samples × num_resamples = 10^7: 131,072 Sobol
  samples × 76 resamples, 6 months);
- ``discover`` at its limit (runs × parameters = 2,000,000: 1,000,000 runs × 2 parameters and
  333,333 × 6) on a results file of 1.2 million runs; one row more is refused;
- sweeps of 10^5, 10^6 (and, with --full, 10^7) runs: a 100 × 100 grid × replicates, to show
  that memory is flat in the number of runs (chunks are streamed to Parquet and merged a row
  group at a time);
- the largest grid the spec format allows (sim/util/limits.py: 10^7 runs, grid points × outputs
  ≤ 2 × 10^6): 1000 × 1000 points × 10 replicates with the default two outputs (points are
  generated a slice at a time), with --full; one more axis value is refused; and a grid far
  past the limit (10^8 points), refused up front with exit 2 naming the run count.

The 10^7-run sweeps simulate 6 months instead of 36 to take minutes, not an hour: a sweep
keeps no per-month outcomes, so its memory does not depend on the horizon.

    .venv/bin/python bench/bench_memory.py           # ~10 minutes on 2 cores
    .venv/bin/python bench/bench_memory.py --quick   # smaller sizes, ~1 minute
    .venv/bin/python bench/bench_memory.py --full    # adds the 10^7-run sweeps (~20 minutes)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401
import psutil  # noqa: E402

LIMIT_MB = 2048
SENSITIVITY = """\
kind: sensitivity
name: memsens
scenario: sep-2025-paris
method: sobol
samples: 131072
replicates: 1
horizon: 6
num_resamples: 76
parameters:
  us.backstop_scale: [0.0, 2.0]
  sanctions.scale: [0.0, 2.0]
outputs: [pledged_troops, holds]
chunk_size: 50000
"""


SIX = ("us.backstop_scale", "sanctions.scale", "coalition.ground_threshold_scale",
       "coalition.peer_weight", "us.follow_through", "russia.resolve")


def results_file(path: Path, rows: int) -> str:
    """A sweep-like results.parquet of ``rows`` runs (six swept parameters, two outcomes)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"point": np.arange(rows) // 10, "replicate": np.arange(rows) % 10,
                       **{p: rng.uniform(0, 2, rows) for p in SIX}})
    df["holds"] = ((df["us.backstop_scale"] > 1.2) & (rng.random(rows) < 0.9)).astype(float)
    df["pledged_troops"] = rng.uniform(0, 60_000, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path)
    return str(path)
SPEC = """\
name: mem
scenario: sep-2025-paris
horizon: {horizon}
replicates: {replicates}
chunk_size: 50000
axes:
  - param: us.backstop_scale
    linspace: [0, 2, {n}]
  - param: sanctions.scale
    linspace: [0.5, 1.5, {m}]
"""


def peak_rss(cmd: list[str], cwd: Path) -> tuple[int, float, float, str]:
    """Exit code, peak RSS of the process tree (MB) and seconds of ``cmd``; stderr tail."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        with contextlib.suppress(psutil.Error):
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.05)
    err = proc.stderr.read() if proc.stderr else ""
    return proc.returncode, peak / 2**20, time.perf_counter() - t0, err.strip()[-300:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    ap.add_argument("--full", action="store_true", help="also the 10^7-run sweeps")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", metavar="TEXT", help="only the cases whose name contains TEXT")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()
    exe = [sys.executable, "-m", "sim.cli"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        tmp_path = Path(tmp)

        def spec(name: str, replicates: int, n: int, m: int, horizon: int = 36) -> str:
            path = tmp_path / f"{name}.yaml"
            path.write_text(SPEC.format(replicates=replicates, n=n, m=m, horizon=horizon))
            return str(path)

        reps = 100_000 if args.quick else 1_000_000
        cases = [(f"run -n {reps:,} --summary-only",
                  [*exe, "run", "sep-2025-paris", "-n", str(reps), "--summary-only", "--out",
                   str(tmp_path / "run")], 0)]
        short = tmp_path / "short.yaml"
        short.write_text("name: short\ndescription: three months\nextends: sep-2025-paris\n"
                         "horizon: 3\n")
        world = tmp_path / "h34.yaml"
        world.write_text("name: h34\ndescription: 34 months\nextends: sep-2025-paris\n"
                         "horizon: 34\n")
        scale = 10 if args.quick else 1
        for label, scenario, n, code in (
                ("3 months: 1,999,998 monthly rows, 22.7M state rows streamed", str(short),
                 666_666, 0),
                ("36 months: 1,999,980 monthly rows, states streamed", "sep-2025-paris",
                 55_555, 0),
                ("34 months: 999,974 monthly + 999,974 state rows held", str(world),
                 29_411, 0),
                ("36 months, one replicate past the limit (refused)", "sep-2025-paris",
                 55_556, 2)):
            n = n if code else n // scale
            cases.append((f"run -n {n:,}, {label}",
                          [*exe, "run", scenario, "-n", str(n), "--no-figures", "--out",
                           str(tmp_path / "r")], code))
        sens = tmp_path / "memsens.yaml"
        sens.write_text(SENSITIVITY if not args.quick else
                        SENSITIVITY.replace("131072", "8192"))
        cases.append(("sensitivity: Sobol 131,072 samples x 76 resamples (bootstrap limit)"
                      if not args.quick else "sensitivity: Sobol 8,192 samples x 76",
                      [*exe, "sensitivity", str(sens), "--out", str(tmp_path / "sens"),
                       "--jobs", str(args.jobs), "--quiet", "--no-figures"], 0))
        big = results_file(tmp_path / "big" / "results.parquet",
                           200_000 if args.quick else 1_200_000)
        six = ",".join(SIX)
        for n_rows, inputs in ((1_000_000, "us.backstop_scale,sanctions.scale"),
                               (333_333, six)):
            n_rows //= scale
            k = inputs.count(",") + 1
            cases.append((f"discover --max-rows {n_rows:,} x {k} parameters (the limit)",
                          [*exe, "discover", big, "--outcome", "holds == 1", "--inputs",
                           inputs, "--max-rows", str(n_rows), "--quiet", "--out",
                           str(tmp_path / f"d{k}")], 0))
        cases.append(("discover --max-rows 333,334 x 6 parameters (refused)",
                      [*exe, "discover", big, "--outcome", "holds == 1", "--inputs", six,
                       "--max-rows", "333334", "--quiet", "--out", str(tmp_path / "dx")], 2))
        sizes = [10**4, 10**5] if args.quick else [10**5, 10**6]
        if args.full:
            sizes.append(10**7)
        for runs in sizes:
            months = 36 if runs < 10**7 else 6
            cases.append((f"sweep 100 x 100 x {runs // 10**4:,} = {runs:,} runs, {months} months",
                          [*exe, "sweep", spec(f"s{runs}", runs // 10**4, 100, 100,
                                                         36 if runs < 10**7 else 6), "--out",
                           str(tmp_path / f"s{runs}"), "--jobs", str(args.jobs), "--quiet",
                           "--no-figures"], 0))
        if args.full:
            cases.append(("largest grid + 1 axis value: 1001 x 1000 points (refused)",
                          [*exe, "sweep", spec("g1", 10, 1001, 1000, 6), "--out",
                           str(tmp_path / "g1"), "--quiet", "--no-figures"], 2))
            cases.append(("largest grid: 1000 x 1000 points x 10 = 10,000,000 runs, 6 months",
                          [*exe, "sweep", spec("g", 10, 1000, 1000, 6), "--out",
                           str(tmp_path / "g"), "--jobs", str(args.jobs), "--quiet",
                           "--no-figures"], 0))
        cases.append(("grid past the limit: 10^4 x 10^4 x 10 (refused)",
                      [*exe, "sweep", spec("huge", 10, 10_000, 10_000), "--out",
                       str(tmp_path / "huge"), "--quiet"], 2))
        print(f"{'case':66s} {'exit':>4s} {'peak RSS':>10s} {'seconds':>8s}")
        ok = True
        for name, cmd, expected in cases:
            if args.only and args.only not in name:
                continue
            code, mb, seconds, err = peak_rss(cmd, common.ROOT)
            good = code == expected and mb < LIMIT_MB
            ok &= good
            print(f"{name:66s} {code:4d} {mb:8.0f} MB {seconds:8.1f}"
                  + ("" if good else f"   <-- expected exit {expected}, < {LIMIT_MB} MB"),
                  flush=True)
            if code != expected:
                print(f"    {err}")
            rows.append({"case": name, "exit": code, "peak_rss_mb": round(mb, 1),
                         "seconds": round(seconds, 1)})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    print("all under 2 GB with the expected exit codes" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
