"""Benchmark 3: --jobs 2 against --jobs 1 on the same sweep (and the same results).

A grid of us.backstop_scale × sanctions.scale (11 × 11) with enough replicates for --runs runs,
through the sweep runner with one process and then with a pool of N processes (spawned
workers). Prints both wall times, the speed-up and checks that the Parquet content is equal.

    .venv/bin/python bench/bench_jobs.py                # 121 points x 2000 replicates, jobs 1 vs 2
    .venv/bin/python bench/bench_jobs.py --jobs 4 --runs 200000
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import common  # noqa: F401
import numpy as np  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=242_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=10_000)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()

    import pyarrow.parquet as pq

    from sim.analysis.sweep.runner import SweepPlan, run_design
    from sim.scenario import load_scenario

    sc = load_scenario("sep-2025-paris")
    axis = np.linspace(0.0, 2.0, 11)
    points = np.array([(b, s) for b in axis for s in axis])
    reps = max(1, args.runs // len(points))
    design = SweepPlan(sc, ("us.backstop_scale", "sanctions.scale"), points, reps, 2025,
                    chunk_size=args.chunk_size)
    print(f"{design.n_runs:,} runs in {design.n_chunks} chunks of {args.chunk_size:,}; "
          f"jobs 1 vs {args.jobs}")
    common.print_machine()
    times, tables = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, args.jobs):
            t = time.perf_counter()
            rep = run_design(design, Path(tmp) / f"j{jobs}", jobs=jobs)
            times[jobs] = time.perf_counter() - t
            tables[jobs] = pq.read_table(rep.results)
            print(f"  jobs {jobs}: {times[jobs]:7.1f} s  {design.n_runs / times[jobs]:9,.0f} runs/s"
                  f"  [{rep.executor}]", flush=True)
    # NaN-aware (months of ceasefire and violation are NaN when they never happened)
    a, b = tables[1], tables[args.jobs]
    same = a.schema.equals(b.schema) and all(
        np.array_equal(a[c].to_numpy(), b[c].to_numpy(), equal_nan=a[c].type == "double")
        for c in a.column_names)
    speedup = times[1] / times[args.jobs]
    print(f"\nspeed-up with {args.jobs} processes: {speedup:.2f}x on {os.cpu_count()} CPUs "
          f"(ideal {min(args.jobs, os.cpu_count() or 1)}x); identical Parquet content: {same}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"runs": design.n_runs, "jobs": args.jobs, "t1_s": round(times[1], 2),
             "tn_s": round(times[args.jobs], 2), "speedup": round(speedup, 2),
             "identical": same, "machine": common.machine()}, indent=2), encoding="utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
