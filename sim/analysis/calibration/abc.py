"""ABC-SMC calibration: fit free parameters to the record, fed by the batch engine.

The algorithm is pyabc's, reached only through
:mod:`sim.analysis.calibration.pyabc_adapter` (its batch sampler evaluates thousands of
particles per call of the batch engine). A calibration depends only on its spec and seed:
each generation draws from its own generator, so a stopped calibration resumed from its store
gives the posterior of an uninterrupted one. docs/calibration.md has the measurements.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration import pyabc_adapter
from sim.analysis.calibration.pyabc_adapter import Generation, key
from sim.analysis.calibration.simulator import RecordSimulator
from sim.analysis.posterior import parameter_summary


@dataclass
class Fit:
    """A finished (or stopped) ABC-SMC run."""

    names: list[str]
    priors: dict[str, tuple[float, float]]
    posterior: pd.DataFrame  # one row per particle: parameter paths, weight, distance
    thresholds: pd.DataFrame  # one row per generation: t, epsilon, evaluations, ...
    history: Any  # pyabc.History
    simulator: RecordSimulator
    seconds: float
    generations: list[Generation] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Per free parameter: prior range, weighted median, 90% credible interval, mean,
        default and grade."""
        return parameter_summary(self.posterior, self.posterior["weight"].to_numpy(),
                                 {n: self.priors[n] for n in self.names})


def calibrate(simulator: RecordSimulator, priors: dict[str, tuple[float, float]], db: Path, *,
              population_size: int = 1000, populations: int = 8, min_epsilon: float = 0.0,
              max_walltime_s: float | None = None, max_simulations: int | None = None,
              min_acceptance_rate: float = 0.0, epsilon_quantile: float = 0.5, seed: int = 1,
              resume: bool = False, acceptance: str = "noise", ess_target: float = 0.5,
              on_generation: Callable[[Generation], None] | None = None,
              sampler: Any = None) -> Fit:
    """Fit ``priors`` (uniform) to the simulator's observations by ABC-SMC into ``db``.

    ``resume`` continues the run stored in ``db`` (same spec) with the remaining budget.
    ``acceptance``: ``"noise"`` (the observations' sds as a normal noise model, tempered to
    temperature 1) or ``"threshold"`` (a shrinking distance threshold); see
    :func:`~sim.analysis.calibration.pyabc_adapter.abc_smc`.
    ``sampler``: a pyabc sampler instead of the batch sampler (tests)."""
    t0 = time.perf_counter()
    out = pyabc_adapter.abc_smc(
        simulator, priors, db, population_size=population_size, populations=populations,
        min_epsilon=min_epsilon, max_walltime_s=max_walltime_s,
        max_simulations=max_simulations, min_acceptance_rate=min_acceptance_rate,
        epsilon_quantile=epsilon_quantile, seed=seed, resume=resume, acceptance=acceptance,
        ess_target=ess_target, on_generation=on_generation, sampler=sampler)
    seconds = time.perf_counter() - t0
    post = out.particles
    post.insert(0, "particle", np.arange(len(post)))
    thresholds = out.thresholds
    thresholds["acceptance_rate"] = thresholds["particles"] / thresholds["evaluations"]
    return Fit(list(priors), priors, post, thresholds, out.history, simulator, seconds,
               out.generations)


__all__ = ["Fit", "Generation", "calibrate", "key"]
