"""Simulations per second through the calibration loop against the batch engine's own rate,
measured in the same process, and the time of the shipped calibration.

    .venv/bin/python bench/bench_calibration.py            # quick: 2 generations of 2000
    .venv/bin/python bench/bench_calibration.py --shipped  # also the full shipped spec

Prints the engine's rate on the record's statistics (runs/s, batches of 8,000 runs), the
rate through pyabc with the batch sampler (runs/s, store and algorithm included), their
ratio (target >= 50%), pyabc's own single-core sampler (one particle per call) and, if
ELFI is installed (``pip install elfi``; not a project dependency), ELFI's adaptive-threshold
SMC fed the same batches of 2,000 particles, for comparison. Figures go to
docs/calibration.md, not to timed tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import ShippedCalibration

from sim.analysis.calibration import abc
from sim.analysis.calibration.simulator import RecordSimulator

ELFI_BUDGET_S = 30.0
"""Wall time ELFI gets (its adaptive SMC may not finish on bounded uniform priors)."""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shipped", action="store_true", help="also time the shipped calibration")
    args = ap.parse_args()
    shipped = ShippedCalibration()
    spec, sc, obs = shipped.spec, shipped.scenario, shipped.observations
    priors, names = shipped.priors, shipped.names
    rng = np.random.default_rng(0)

    sim = RecordSimulator(sc, obs, names, reps=spec.reps, seed=1)
    sim.per_run(shipped.draw(rng, 500), np.arange(500))  # warm up
    sim.runs = 0
    t0 = time.perf_counter()
    for _ in range(5):
        sim.per_run(shipped.draw(rng, 8000), np.arange(8000))
    engine_rate = sim.runs / (time.perf_counter() - t0)
    print(f"batch engine alone:        {engine_rate:10,.0f} runs/s")

    with tempfile.TemporaryDirectory() as tmp:
        sim = RecordSimulator(sc, obs, names, reps=spec.reps, seed=1)
        fit = abc.calibrate(sim, priors, Path(tmp) / "abc.db", population_size=2000,
                            populations=4, seed=1)
        loop_rate = sim.runs / fit.seconds
        print(f"pyabc + BatchSampler:      {loop_rate:10,.0f} runs/s  ({sim.runs:,} runs, "
              f"{len(fit.thresholds)} generations of 2000, {fit.seconds:.1f} s; "
              f"{loop_rate / engine_rate:.0%} of the engine's rate)")

        import pyabc

        sim = RecordSimulator(sc, obs, names, reps=spec.reps, seed=1)
        t0 = time.perf_counter()
        abc.calibrate(sim, priors, Path(tmp) / "single.db", population_size=200, populations=2,
                      seed=1, sampler=pyabc.sampler.SingleCoreSampler())
        rate = sim.runs / (time.perf_counter() - t0)
        print(f"pyabc SingleCoreSampler:   {rate:10,.0f} runs/s  (one particle per model call; "
              f"{rate / engine_rate:.0%} of the engine's rate)")

    elfi_run(sc, obs, names, priors, spec.reps, engine_rate)

    if args.shipped:
        with tempfile.TemporaryDirectory() as tmp:
            b = spec.budget
            sim = RecordSimulator(sc, obs, names, reps=spec.reps,
                                  seed=spec.seed * 1_000_003 % (2**40))
            fit = abc.calibrate(sim, priors, Path(tmp) / "abc.db",
                                population_size=b.population_size, populations=b.populations,
                                min_epsilon=b.min_epsilon, max_walltime_s=b.max_walltime_s,
                                seed=spec.seed)
            print(f"shipped calibration:       {fit.seconds:10.1f} s  ({sim.runs:,} runs, "
                  f"{len(fit.thresholds)} generations, {sim.runs / fit.seconds:,.0f} runs/s)")


class _OutOfTime(Exception):
    """ELFI's budget is spent (raised from inside its simulator)."""


def elfi_run(sc, obs, names: list[str], priors: dict, reps: int, engine_rate: float,
             budget_s: float = ELFI_BUDGET_S) -> None:
    """ELFI's AdaptiveThresholdSMC (4 generations of 2,000, batches of 2,000 particles on the
    batch engine), stopped after ``budget_s``: its rate and how far it got."""
    try:
        import elfi
    except ImportError:
        print("ELFI:                      not installed (pip install elfi to measure it)")
        return
    sim = RecordSimulator(sc, obs, names, reps=reps, seed=1)
    model = elfi.ElfiModel()
    prior_nodes = [elfi.Prior("uniform", a, b - a, model=model, name=abc.key(n))
                   for n, (a, b) in priors.items()]
    start = time.perf_counter()

    def simulator(*theta, batch_size=1, random_state=None):
        if time.perf_counter() - start > budget_s:
            raise _OutOfTime
        rows = np.column_stack([np.broadcast_to(np.asarray(x, float), (batch_size,))
                                for x in theta])
        return sim.stats(rows) / sim.sd

    y = elfi.Simulator(simulator, *prior_nodes, observed=(sim.observed / sim.sd)[None, :],
                       model=model, name="record")
    smc = elfi.AdaptiveThresholdSMC(elfi.Distance("euclidean", y, model=model),
                                    batch_size=2000, seed=1, q_threshold=0.5)
    done = "4 generations done"
    try:
        smc.sample(2000, max_iter=4)
    except _OutOfTime:
        done = f"stopped after {budget_s:.0f} s with {smc.state['round']} of 4 generations done"
    seconds = time.perf_counter() - start
    rate = sim.runs / seconds
    print(f"ELFI AdaptiveThresholdSMC: {rate:10,.0f} runs/s  ({sim.runs:,} runs, {done}; "
          f"{rate / engine_rate:.0%} of the engine's rate)")


if __name__ == "__main__":
    main()
