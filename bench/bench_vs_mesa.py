"""Benchmark 1: mesa.batch_run against the batch engine on one core, same grid, same answers.

The grid: us.backstop_scale × sanctions.scale, 11 × 11 values on [0, 2], 20 replicates (seeds
2025 ..), 36 months of the September 2025 Paris scenario. Both paths run in this one process,
pinned to one CPU. Every run's troops and ceasefire state at the horizon must agree exactly.

    .venv/bin/python bench/bench_vs_mesa.py            # the full grid (mesa takes minutes)
    .venv/bin/python bench/bench_vs_mesa.py --replicates 2   # a quick look
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import common  # noqa: F401  (sets one thread per library before numpy loads)
import numpy as np  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="sep-2025-paris")
    ap.add_argument("--n", type=int, default=11, help="values per axis (11)")
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--json", help="also write the figures to this JSON file")
    ap.add_argument("--pin", action="store_true",
                    help="pin the process to one CPU (on a busy shared machine this can halve "
                         "both speeds; numpy is single-threaded here either way)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="time the engine this many times and keep the best (default 3)")
    args = ap.parse_args()

    import mesa

    from sim.analysis.sweep.runner import SweepPlan, run_chunk, run_design
    from sim.engine.mesa_model import CoalitionModel
    from sim.scenario import load_scenario

    cpu = common.pin_one_core() if args.pin else None
    sc = load_scenario(args.scenario)
    horizon = sc.horizon
    axis = np.linspace(0.0, 2.0, args.n)
    seeds = [args.seed + r for r in range(args.replicates)]
    runs = args.n * args.n * args.replicates
    print(f"grid us.backstop_scale x sanctions.scale {args.n}x{args.n}, {args.replicates} "
          f"replicates = {runs:,} runs of {sc.name}, {horizon} months, one process, "
          + (f"pinned to CPU {cpu}" if cpu is not None else "not pinned"))
    common.print_machine()

    # --- the batch engine: the same runs, chunked as a sweep does, in this process
    points = np.array([(b, s) for b in axis for s in axis])
    design = SweepPlan(sc, ("us.backstop_scale", "sanctions.scale"), points, args.replicates,
                    args.seed, chunk_size=runs)
    engine_times, sweep_times = [], []
    for _ in range(max(1, args.repeat)):
        t = time.perf_counter()
        cols = run_chunk(design.task(0))
        engine_times.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_design(SweepPlan(sc, design.params, points, args.replicates, args.seed,
                              chunk_size=10_000), tmp)
            sweep_times.append(time.perf_counter() - t)
    t_engine, t_sweep = min(engine_times), min(sweep_times)
    print(f"engine: {', '.join(f'{x:.2f}' for x in engine_times)} s; sweep to Parquet: "
          f"{', '.join(f'{x:.2f}' for x in sweep_times)} s (best kept)", flush=True)

    # --- mesa.batch_run on the same grid and seeds
    t = time.perf_counter()
    rows = mesa.batch_run(CoalitionModel, parameters={
        "scenario": [sc], "us.backstop_scale": list(axis), "sanctions.scale": list(axis)},
        rng=seeds, max_steps=horizon, number_processes=1, data_collection_period=-1,
        display_progress=False)
    t_mesa = time.perf_counter() - t
    agents = len(CoalitionModel(scenario=sc, rng=seeds[0]).agents)

    # --- the answers agree run by run
    index = {v: i for i, v in enumerate(axis)}
    seen, mismatch = set(), []
    for row in rows:
        if row["RunId"] in seen:
            continue  # one row per agent: the model reporters repeat
        seen.add(row["RunId"])
        point = index[row["us.backstop_scale"]] * args.n + index[row["sanctions.scale"]]
        i = point * args.replicates + (int(row["rng"]) - args.seed)
        assert cols["seed"][i] == row["rng"] and row["Step"] == horizon
        if (row["pledged_troops"] != cols["pledged_troops"][i]
                or bool(row["ceasefire_in_force"]) != bool(cols["holds"][i])
                or row["deterrence"] != cols["deterrence"][i]):
            mismatch.append((row["RunId"], row["pledged_troops"], cols["pledged_troops"][i]))
    assert len(seen) == runs, f"mesa returned {len(seen)} runs, expected {runs}"

    agent_steps = runs * agents * horizon
    fig = {
        "runs": runs, "agents": agents, "months": horizon, "mismatches": len(mismatch),
        "mesa_s": round(t_mesa, 2), "engine_s": round(t_engine, 3),
        "sweep_to_parquet_s": round(t_sweep, 3),
        "engine_first_s": round(engine_times[0], 3),
        "mesa_runs_per_s": round(runs / t_mesa, 1),
        "engine_runs_per_s": round(runs / t_engine, 1),
        "sweep_runs_per_s": round(runs / t_sweep, 1),
        "mesa_agent_steps_per_s": round(agent_steps / t_mesa),
        "engine_agent_steps_per_s": round(agent_steps / t_engine),
        "speedup_engine": round(t_mesa / t_engine, 1),
        "speedup_sweep_to_parquet": round(t_mesa / t_sweep, 1),
        "machine": common.machine(),
    }
    print(f"\n{'':24s}{'seconds':>10s}{'runs/s':>12s}{'agent-steps/s':>16s}")
    print(f"{'mesa.batch_run':24s}{t_mesa:10.2f}{runs / t_mesa:12,.0f}{agent_steps / t_mesa:16,.0f}")
    print(f"{'batch engine':24s}{t_engine:10.2f}{runs / t_engine:12,.0f}"
          f"{agent_steps / t_engine:16,.0f}")
    print(f"{'sweep -> Parquet':24s}{t_sweep:10.2f}{runs / t_sweep:12,.0f}"
          f"{agent_steps / t_sweep:16,.0f}")
    print(f"\nspeed ratio: {t_mesa / t_engine:,.0f}x (engine), {t_mesa / t_sweep:,.0f}x "
          f"(sweep with Parquet)   target >= 100x")
    print(f"outcomes agree run by run: {runs - len(mismatch):,} of {runs:,} "
          "(troops, ceasefire at the horizon, deterrence)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(fig, fh, indent=2)
    return 1 if mismatch else 0


if __name__ == "__main__":
    raise SystemExit(main())
