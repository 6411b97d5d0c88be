"""Simulations per second through the calibration loop against the batch engine's own rate,
measured in the same process, and the time of the shipped calibration.

    .venv/bin/python bench/bench_calibration.py            # quick: 2 generations of 2000
    .venv/bin/python bench/bench_calibration.py --shipped  # also the full shipped spec

Prints the engine's rate on the record's statistics (runs/s, batches of 8,000 runs), the
rate through pyabc with the batch sampler (runs/s, store and algorithm included), their
ratio (target >= 50%), and pyabc's own single-core sampler (one particle per call) for
comparison. Figures go to docs/calibration.md, not to timed tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.calibration import abc
from sim.calibration.simulator import RecordSimulator
from sim.calibration.spec import SPEC_DIR, load_spec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shipped", action="store_true", help="also time the shipped calibration")
    args = ap.parse_args()
    spec = load_spec(SPEC_DIR / "record-2025.yaml")
    sc = spec.load_scenario()
    obs = spec.select_observations(sc)
    priors = spec.priors()
    names = list(priors)
    lo = np.array([p[0] for p in priors.values()])
    hi = np.array([p[1] for p in priors.values()])
    rng = np.random.default_rng(0)

    sim = RecordSimulator(sc, obs, names, reps=spec.reps, seed=1)
    sim.per_run(lo + (hi - lo) * rng.random((500, len(names))), np.arange(500))  # warm up
    sim.runs = 0
    t0 = time.perf_counter()
    for _ in range(5):
        sim.per_run(lo + (hi - lo) * rng.random((8000, len(names))), np.arange(8000))
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
        prior = pyabc.Distribution(**{abc.key(n): pyabc.RV("uniform", a, b - a)
                                      for n, (a, b) in priors.items()})

        def model(par):
            theta = np.array([[par[abc.key(n)] for n in names]])
            return dict(zip(sim.ids, sim.stats(theta)[0], strict=True))

        single = pyabc.ABCSMC(model, prior, pyabc.PNormDistance(
            p=2, fixed_weights={i: 1 / s for i, s in zip(sim.ids, sim.sd, strict=True)}),
            population_size=200, sampler=pyabc.sampler.SingleCoreSampler())
        single.new("sqlite:///" + str(Path(tmp) / "single.db"),
                   dict(zip(sim.ids, sim.observed.tolist(), strict=True)))
        t0 = time.perf_counter()
        single.run(max_nr_populations=2)
        rate = sim.runs / (time.perf_counter() - t0)
        print(f"pyabc SingleCoreSampler:   {rate:10,.0f} runs/s  (one particle per model call; "
              f"{rate / engine_rate:.0%} of the engine's rate)")

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


if __name__ == "__main__":
    main()
