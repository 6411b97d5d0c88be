"""The record as summary statistics: many parameter sets through the batch engine at once.

A *particle* is one set of values of the free parameters. :class:`RecordSimulator` runs each
particle ``reps`` times (different seeds) in one call of the batch engine and returns, per
particle, the mean over its runs of each observation's simulated value: the count or level at
the observation's month, "happened by then" for a ``window: by`` observation, or the share of
runs in which a state pledges the mode. The distance between a particle and the record is the
Euclidean distance of the statistics standardised by each observation's own sd (times
``sd_scale``, 1 unless a study of the noise model scales them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.engine import batch as engine
from sim.model.parameters import MODES
from sim.model.record import Observation
from sim.model.world import World, months_between
from sim.scenario.schema import Scenario

CHUNK_RUNS = 8000
"""Runs simulated at once (memory stays bounded)."""


class RecordSimulator:
    """Summary statistics of ``observations`` for many particles of ``names`` per call."""

    def __init__(self, scenario: Scenario, observations: Sequence[Observation],
                 names: Sequence[str], reps: int = 4, seed: int = 0,
                 fixed: dict[str, float] | None = None, sd_scale: float = 1.0):
        self.scenario = scenario
        self.observations = tuple(observations)
        self.names = tuple(names)
        self.reps = int(reps)
        self.fixed = dict(fixed or {})
        self.world = World.from_attributes(scenario.states(), scenario.start)
        self.months = [months_between(scenario.start, o.date) for o in self.observations]
        for o, m in zip(self.observations, self.months, strict=True):
            if not 1 <= m <= scenario.horizon:
                raise ValueError(f"observation {o.id} ({o.date}) lies outside the scenario's "
                                 f"months ({scenario.start} + {scenario.horizon})")
        self.snapshot_months = sorted({m for o, m in zip(self.observations, self.months,
                                                         strict=True) if o.state})
        self.horizon = max(self.months)  # nothing after the last observation is needed
        self.observed = np.array([o.value for o in self.observations])
        self.sd = np.array([o.sd for o in self.observations]) * float(sd_scale)
        self.next_seed = int(seed)
        self.runs = 0  # runs simulated so far
        self.seconds = 0.0  # time spent in the engine

    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.observations]

    def per_run(self, theta: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """Each run's value of each observation (R, K); ``theta`` is (R, P), one row per run."""
        import time

        t0 = time.perf_counter()
        sc = self.scenario.model_copy(update={"horizon": self.horizon})
        values = {**self.fixed, **{n: theta[:, j] for j, n in enumerate(self.names)}}
        batch = engine.compile_batch(sc, seeds=seeds, values=values, world=self.world)
        res = engine.simulate(batch, record_steps=True, snapshot_months=self.snapshot_months)
        assert res.steps is not None
        out = np.empty((len(seeds), len(self.observations)))
        for k, (o, m) in enumerate(zip(self.observations, self.months, strict=True)):
            if o.state is not None:
                out[:, k] = res.snapshots[m][:, self.world.index(o.state), MODES.index(o.mode)]
            elif o.window == "by":
                out[:, k] = res.steps[o.outcome][:, :m].max(axis=1)
            else:
                out[:, k] = res.steps[o.outcome][:, m - 1]
        self.runs += len(seeds)
        self.seconds += time.perf_counter() - t0
        return out

    def stats(self, theta: np.ndarray) -> np.ndarray:
        """Per particle (rows of ``theta``, (N, P)) the mean over its ``reps`` runs of each
        observation's value (N, K). Seeds run on from the simulator's seed, so a call is
        reproducible given the simulator's history."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        n = len(theta)
        per_chunk = max(1, CHUNK_RUNS // self.reps)
        out = np.empty((n, len(self.observations)))
        for lo in range(0, n, per_chunk):
            part = theta[lo:lo + per_chunk]
            runs = len(part) * self.reps
            seeds = self.next_seed + np.arange(runs, dtype=np.int64)
            self.next_seed += runs
            x = self.per_run(np.repeat(part, self.reps, axis=0), seeds)
            out[lo:lo + len(part)] = x.reshape(len(part), self.reps, -1).mean(axis=1)
        return out

    def distance(self, stats: np.ndarray, observed: np.ndarray | None = None) -> np.ndarray:
        """Euclidean distance of the standardised statistics ((s - y) / sd) per row."""
        y = self.observed if observed is None else observed
        z = (np.atleast_2d(stats) - y[None, :]) / self.sd[None, :]
        return np.sqrt((z ** 2).sum(axis=1))
