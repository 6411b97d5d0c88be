"""Benchmark 2: one million runs streamed to disk in bounded memory.

A 10 × 10 × 10 grid over us.backstop_scale, sanctions.scale and
coalition.ground_threshold_scale, 1,000 replicates per point = 1,000,000 runs of 36 months of
the September 2025 Paris scenario, through the sweep runner (chunks of --chunk-size runs, each
written to Parquet and merged at the end). Reports wall time, runs per second and peak memory
(resident set of this process and of any worker processes; with --tracemalloc also the peak of
Python/numpy allocations). Target: < 2 GB.

    .venv/bin/python bench/bench_scale.py --out /tmp/scale            # one process
    .venv/bin/python bench/bench_scale.py --out /tmp/scale --jobs 2
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
import tracemalloc
from pathlib import Path

import common  # noqa: F401
import numpy as np  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/coalition-bench-scale"))
    ap.add_argument("--points-per-axis", type=int, default=10)
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--chunk-size", type=int, default=20_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also trace Python/numpy allocations (slower)")
    ap.add_argument("--keep", action="store_true", help="keep the output folder")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()

    import pyarrow.parquet as pq

    from sim.analysis.sweep.runner import SweepPlan, run_design
    from sim.scenario import load_scenario

    sc = load_scenario("sep-2025-paris")
    n = args.points_per_axis
    grids = [np.linspace(0, 2, n), np.linspace(0, 2, n), np.linspace(0.5, 1.5, n)]
    points = np.array(np.meshgrid(*grids, indexing="ij")).reshape(3, -1).T
    design = SweepPlan(sc, ("us.backstop_scale", "sanctions.scale",
                         "coalition.ground_threshold_scale"), points, args.replicates, 2025,
                    chunk_size=args.chunk_size)
    print(f"{design.n_runs:,} runs ({design.n_points:,} points x {args.replicates} replicates, "
          f"{sc.horizon} months) in {design.n_chunks} chunks of {args.chunk_size:,}, "
          f"jobs={args.jobs} -> {args.out}")
    common.print_machine()
    shutil.rmtree(args.out, ignore_errors=True)
    if args.tracemalloc:
        tracemalloc.start()
    done = [0]
    t0 = time.perf_counter()
    last = [t0]

    def progress(k: int) -> None:
        done[0] += k
        now = time.perf_counter()
        if now - last[0] > 15:
            last[0] = now
            print(f"  {done[0]:>9,} runs  {now - t0:7.1f} s  rss {common.peak_rss_mb():,.0f} MB",
                  flush=True)

    report = run_design(design, args.out, jobs=args.jobs, progress=progress)
    wall = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    rss_self, rss_children = common.peak_rss_mb(), common.peak_rss_mb(children=True)

    meta = pq.read_metadata(report.results)
    size_mb = report.results.stat().st_size / 2**20
    # sorted by (point, replicate), one row per run: checked one row group at a time
    prev, f = -1, pq.ParquetFile(report.results)
    for g in range(f.num_row_groups):
        t = f.read_row_group(g, columns=["point", "replicate"])
        key = t.column(0).to_numpy() * args.replicates + t.column(1).to_numpy()
        assert key[0] == prev + 1 and (np.diff(key) == 1).all()
        prev = key[-1]
    assert prev == design.n_runs - 1 and meta.num_rows == design.n_runs

    fig = {"runs": design.n_runs, "jobs": args.jobs, "chunk_size": args.chunk_size,
           "wall_s": round(wall, 1), "runs_per_s": round(design.n_runs / wall),
           "peak_rss_mb": round(rss_self), "peak_rss_workers_mb": round(rss_children),
           "traced_peak_mb": None if traced is None else round(traced),
           "parquet_mb": round(size_mb, 1), "rows": meta.num_rows,
           "columns": meta.num_columns, "machine": common.machine()}
    print(f"\nwall {wall:,.1f} s = {design.n_runs / wall:,.0f} runs/s; peak RSS {rss_self:,.0f} MB"
          + (f" (each worker <= {rss_children:,.0f} MB)" if args.jobs > 1 else "")
          + (f"; traced peak {traced:,.0f} MB" if traced is not None else "")
          + f"; results.parquet {size_mb:,.1f} MB, {meta.num_rows:,} rows x "
            f"{meta.num_columns} columns, sorted, none lost or doubled   target < 2048 MB")
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(args.out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
