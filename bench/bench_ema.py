"""Experiments per second through the EMA Workbench adapter, against EMA's usual replicator.

    .venv/bin/python bench/bench_ema.py     # about 6 minutes, most of it the stock replicator

Runs the same experiments (``sep-2025-paris``, four uncertainties, the design lever, R
replicates each) two ways in one process pinned to one core: ``sim.analysis.ema.ema_model``
(an experiment's replicates as one batch of the batch engine) and a stock ``ReplicatorModel``
whose function runs one replicate per call (how an EMA model usually replicates), and checks
that both give the same outcomes. Figures go to docs/ema.md, not to timed tests.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from common import pin_one_core, print_machine

from sim.analysis.ema import BatchRun, ema_model
from sim.scenario.designs import design_names

UNCERTAINTIES = ["coalition.ground_threshold", "us.backstop_scale", "russia.adjust_months",
                 "deterrence.tripwire_weight"]
SCENARIOS = 20


class OneReplicate:
    """A stock ReplicatorModel function: one seed per call."""

    def __init__(self, run: BatchRun):
        self.run = run

    def __call__(self, seed: int, **kwargs: float) -> dict[str, float]:
        return {k: float(v[0]) for k, v in self.run(seeds=[seed], **kwargs).items()}


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import ReplicatorModel, Sample, perform_experiments
    print(f"pinned to CPU {pin_one_core()}")
    print_machine()
    for replicates in (30, 200):
        batch = ema_model("sep-2025-paris", uncertainties=UNCERTAINTIES, replicates=replicates,
                          seed=2025)
        stock = ReplicatorModel("stock", function=OneReplicate(batch.function))
        stock.uncertainties, stock.levers = list(batch.uncertainties), list(batch.levers)
        stock.outcomes, stock.replications = list(batch.outcomes), batch.replications
        rng = np.random.default_rng(1)
        scenarios = [Sample(f"s{i}", **{u.name: rng.uniform(u.lower_bound, u.upper_bound)
                                        for u in batch.uncertainties}) for i in range(SCENARIOS)]
        policies = [Sample(d, design=d) for d in design_names()]
        times, results = {}, {}
        for label, model in (("adapter (one batch)", batch), ("stock (one run a call)", stock)):
            t0 = time.perf_counter()
            _, results[label] = perform_experiments(model, scenarios, policies,
                                                    log_progress=False)
            times[label] = time.perf_counter() - t0
        n = SCENARIOS * len(policies)
        a, b = results.values()
        same = all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
        for label, seconds in times.items():
            print(f"R={replicates:4d}  {label:24s} {n} experiments in {seconds:6.2f} s "
                  f"({n / seconds:7.1f} experiments/s, {n * replicates / seconds:9.0f} runs/s)")
        print(f"R={replicates:4d}  same outcomes: {same}; speed-up "
              f"{times['stock (one run a call)'] / times['adapter (one batch)']:.1f}x")


if __name__ == "__main__":
    main()
