"""Every use of pyabc in one place: the ABC-SMC run, its store and the batch sampler.

pyabc runs the algorithm (adaptive thresholds: a weighted quantile of the last generation's
distances; a multivariate normal perturbation kernel; importance weights) and keeps every
generation in its SQLite history, so a stopped calibration resumes. Its own samplers call the
model one particle at a time; :class:`BatchSampler` (built by :func:`batch_sampler_class`)
evaluates a generation's proposals in batches through the batch engine and hands pyabc the
particles its own sampler would have built: the same proposals (drawn in pyabc's order from
the same kind of generator), the same distances and weights (pyabc's arithmetic).

Randomness: generation ``t`` draws its proposals from its own ``RandomState`` seeded by
``(seed, t)`` (:func:`generation_random`) and its runs use seeds from ``seed0 + (t + 1) *
SEED_STRIDE`` on, so a generation depends only on the seed and the generations stored before
it: a calibration stopped and resumed gives the posterior of an uninterrupted one. numpy's
global generator is never seeded nor drawn from.

Only this module imports pyabc; it supports the versions in ``PYABC_VERSIONS`` (pyproject.toml
says the same), and tests/test_calibration.py checks that the batch sampler accepts exactly the
particles of pyabc's own sampler.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration.simulator import RecordSimulator

PYABC_VERSIONS = ">=0.12,<0.14"
"""The pyabc releases this adapter is written for (as in pyproject.toml)."""
MAX_BATCH = 20_000
"""Particles proposed at once at most."""
SEED_STRIDE = 2**40
"""Run seeds of generation t start at the simulator's first seed + (t + 1) * SEED_STRIDE."""


def key(path: str) -> str:
    """A parameter path as a pyabc parameter name (pyabc keeps names as SQL strings)."""
    return path.replace(".", "__")


def import_pyabc() -> Any:
    """The pyabc module (a clear message if the calibration extra is not installed)."""
    try:
        import pyabc
    except ImportError:  # pragma: no cover - the calibration extra is installed by make venv
        raise ImportError("calibration needs pyabc: pip install -e '.[calibration]'") from None
    return pyabc


def generation_random(seed: int, t: int) -> np.random.RandomState:
    """The generator of generation ``t``'s proposals (t = -1: the calibration sample). A
    legacy ``RandomState``: pyabc's own sampler draws from one (numpy's global), so the batch
    sampler can draw the very same numbers in the same order."""
    return np.random.RandomState(np.random.MT19937(np.random.SeedSequence([int(seed), t + 1])))


def generation_first_seed(seed0: int, t: int) -> int:
    """The first run seed of generation ``t`` for a simulator that started at ``seed0``."""
    return int(seed0) + (t + 1) * SEED_STRIDE


@dataclass
class Generation:
    """What one generation did (for progress and the thresholds table)."""

    t: int
    epsilon: float
    evaluations: int
    accepted: int
    seconds: float
    runs: int

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / max(self.evaluations, 1)


class Proposals:
    """Draws of one generation in pyabc's order: from the uniform prior (one double per
    parameter, in the prior's order) or from the fitted multivariate normal transition (one
    double for the particle, then one normal per parameter; redrawn outside the prior)."""

    def __init__(self, rng: np.random.RandomState, names: list[str],
                 priors: dict[str, tuple[float, float]], transition: Any = None):
        self.rng = rng
        self.names = names
        self.transition = transition
        cols = [key(n) for n in names]
        self.order = cols if transition is None else list(transition.X.columns)
        self.to_names = [self.order.index(c) for c in cols]
        by_key = {key(n): v for n, v in priors.items()}
        self.loc = np.array([by_key[c][0] for c in self.order])
        self.scale = np.array([by_key[c][1] - by_key[c][0] for c in self.order])
        if transition is not None:
            self.x = np.asarray(transition.X.to_numpy(), dtype=float)
            self.cdf = np.cumsum(np.asarray(transition.w, dtype=float))
            self.cdf /= self.cdf[-1]
            _, s, v = np.linalg.svd(np.asarray(transition.cov, dtype=float))
            self.factor = np.sqrt(s)[:, None] * v

    def draw(self, size: int) -> np.ndarray:
        """``size`` proposals inside the prior, (size, P) in the order of ``names``."""
        p = len(self.order)
        if self.transition is None:
            out = self.rng.random_sample(size * p).reshape(size, p) * self.scale + self.loc
            return out[:, self.to_names]
        out = np.empty((size, p))
        for i in range(size):
            for _ in range(100_000):
                u = self.rng.random_sample()
                z = self.rng.standard_normal(p).reshape(1, p)
                x = self.x[int(np.searchsorted(self.cdf, u, side="right"))] + \
                    np.dot(z, self.factor)[0]
                std = (x - self.loc) / self.scale
                if ((std >= 0) & (std <= 1)).all():
                    out[i] = x
                    break
            else:
                raise RuntimeError("the transition proposes almost nothing inside the prior")
        return out[:, self.to_names]

    def prior_density(self) -> float:
        """The uniform prior's density, multiplied in the order pyabc multiplies it."""
        return 1.0 * reduce(lambda a, b: a * b, [1.0 / s for s in self.scale])


def distances(stats: np.ndarray, observed: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """pyabc's weighted Euclidean distance (``PNormDistance(p=2)``) per row, its arithmetic."""
    d = np.abs(weights[None, :] * (stats - observed[None, :]))
    return (d ** 2).sum(axis=1) ** (1 / 2)


def batch_sampler_class() -> type:
    """The batch sampler (a class built on first use, so pyabc is only imported then)."""
    pyabc = import_pyabc()
    from pyabc.population import Particle

    class BatchSampler(pyabc.sampler.Sampler):
        """Evaluate a generation's proposals in batches through the batch engine."""

        def __init__(self, simulator: RecordSimulator, priors: dict[str, tuple[float, float]],
                     seed: int, on_generation: Callable[[Generation], None] | None = None):
            super().__init__()
            self.simulator = simulator
            self.priors = dict(priors)
            self.names = list(priors)
            self.seed = int(seed)
            self.seed0 = simulator.next_seed
            self.weights = 1.0 / np.asarray(simulator.sd, dtype=float)
            self.on_generation = on_generation
            self.generations: list[Generation] = []

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            t0 = time.perf_counter()
            self.simulator.next_seed = generation_first_seed(self.seed0, t)
            runs0 = self.simulator.runs
            kw = getattr(simulate_one, "keywords", {})
            from_prior = "eps" not in kw  # pyabc's calibration sample: no threshold yet
            if not from_prior and "transitions" not in kw:
                raise TypeError("BatchSampler works with pyabc's ABCSMC simulate functions")
            cols = [key(n) for n in self.names]
            ids = self.simulator.ids
            transition = kw["transitions"][0] if not from_prior and t > 0 else None
            proposals = Proposals(generation_random(self.seed, t), self.names, self.priors,
                                  transition)
            if not from_prior:
                observed = np.array([kw["x_0"][i] for i in ids])
                eps = float(kw["eps"](t))
            sample = self._create_empty_sample()
            evaluations = accepted = 0
            rate = 1.0
            while accepted < n and evaluations < max_eval:
                want = int(np.ceil((n - accepted) / max(rate, 1e-3) * 1.2)) + 16
                size = int(min(max(want, 64), MAX_BATCH))
                theta = proposals.draw(size)
                stats = self.simulator.stats(theta)
                if from_prior:
                    d = np.full(size, np.inf)
                    ok = np.ones(size, dtype=bool)
                    w = np.ones(size)
                else:
                    d = distances(stats, observed, self.weights)
                    ok = d <= eps
                    w = np.ones(size)
                    if transition is not None:
                        w[~ok] = 0.0
                        if ok.any():
                            dens = np.atleast_1d(transition.pdf(
                                pd.DataFrame(theta[ok], columns=cols)))
                            w[ok] = proposals.prior_density() / dens
                for i in range(size):
                    evaluations += 1
                    if ok[i] or sample.record_rejected:
                        sample.append(Particle(
                            m=0, parameter=pyabc.Parameter({c: float(theta[i, j])
                                                            for j, c in enumerate(cols)}),
                            weight=float(w[i]) if ok[i] else 0.0,
                            sum_stat={k: float(stats[i, j]) for j, k in enumerate(ids)},
                            distance=float(d[i]), accepted=bool(ok[i]), proposal_id=0))
                        accepted += int(ok[i])
                        if accepted == n:
                            break
                    if evaluations >= max_eval:
                        break
                rate = max(accepted / evaluations, 1e-4)
            self.nr_evaluations_ = evaluations
            if sample.n_accepted < n:
                sample.ok = False
            if not from_prior:
                g = Generation(t, eps, evaluations, accepted, time.perf_counter() - t0,
                               self.simulator.runs - runs0)
                self.generations.append(g)
                if self.on_generation:
                    self.on_generation(g)
            return sample

    return BatchSampler


@dataclass
class Outcome:
    """What an ABC-SMC run left: the last generation's particles and every generation's
    threshold, from its store."""

    particles: pd.DataFrame  # parameter paths, weight (normalised), distance
    thresholds: pd.DataFrame  # generation, epsilon, evaluations, particles
    history: Any  # pyabc.History
    generations: list[Generation]


def abc_smc(simulator: RecordSimulator, priors: dict[str, tuple[float, float]], db: Path, *,
            population_size: int, populations: int, min_epsilon: float,
            max_walltime_s: float | None, max_simulations: int | None,
            min_acceptance_rate: float, epsilon_quantile: float, seed: int, resume: bool,
            on_generation: Callable[[Generation], None] | None = None,
            sampler: Any = None) -> Outcome:
    """Run (or, with ``resume``, continue) ABC-SMC with uniform ``priors`` into the SQLite
    store ``db``. ``sampler``: another pyabc sampler (tests compare pyabc's own with the
    batch sampler, the default)."""
    pyabc = import_pyabc()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    names = list(priors)
    prior = pyabc.Distribution(**{key(n): pyabc.RV("uniform", lo, hi - lo)
                                  for n, (lo, hi) in priors.items()})
    ids = simulator.ids
    distance = pyabc.PNormDistance(p=2, fixed_weights={i: 1.0 / s for i, s in
                                                        zip(ids, simulator.sd, strict=True)})
    if sampler is None:
        sampler = batch_sampler_class()(simulator, priors, seed, on_generation)

    def model(par: dict[str, float]) -> dict[str, float]:  # one particle (pyabc's samplers)
        theta = np.array([[par[key(n)] for n in names]])
        return dict(zip(ids, simulator.stats(theta)[0], strict=True))

    stored: dict[str, Any] = {}

    class StoredQuantileEpsilon(pyabc.QuantileEpsilon):
        """On resume, the next threshold comes from the distances in the store (the store
        keeps no per-particle statistics for pyabc to recompute them from)."""

        def initialize(self, t, get_weighted_distances, *args, **kwargs):
            if "history" in stored and t > 0:
                h = stored["history"]
                get_weighted_distances = lambda: h.get_weighted_distances(t=h.max_t)  # noqa: E731
            return super().initialize(t, get_weighted_distances, *args, **kwargs)

    abc = pyabc.ABCSMC(model, prior, distance, population_size=population_size,
                       sampler=sampler, eps=StoredQuantileEpsilon(alpha=epsilon_quantile))
    url = "sqlite:///" + str(Path(db).absolute())
    observed = dict(zip(ids, simulator.observed.tolist(), strict=True))
    done_before = 0
    if resume and Path(db).exists():
        history = abc.load(url, 1, observed)
        stored["history"] = history
        done_before = history.n_populations
    else:
        history = abc.new(url, observed)
    # The store keeps parameters, weights and distances of every generation (what resuming and
    # the posterior need); per-particle statistics would triple the store's time (SQLAlchemy
    # rows) and the predictive check recomputes them anyway.
    history.stores_sum_stats = False
    left = populations - done_before
    if left > 0:
        history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=left,
                          min_acceptance_rate=min_acceptance_rate,
                          max_total_nr_simulations=max_simulations or np.inf,
                          max_walltime=(timedelta(seconds=max_walltime_s)
                                        if max_walltime_s else None))
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = pd.DataFrame({n: df[key(n)].to_numpy(dtype=float) for n in names})
    post["weight"] = np.asarray(w, dtype=float) / np.sum(w)
    dists = history.get_weighted_distances(t=history.max_t)
    post["distance"] = dists["distance"].to_numpy(dtype=float) if len(dists) == len(post) \
        else np.nan
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    thresholds = pd.DataFrame({"generation": pops["t"].astype(int),
                               "epsilon": pops["epsilon"].astype(float),
                               "evaluations": pops["samples"].astype(int),
                               "particles": pops["particles"].astype(int)})
    return Outcome(post, thresholds, history, list(getattr(sampler, "generations", [])))
