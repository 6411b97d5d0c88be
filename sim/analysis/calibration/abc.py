"""ABC-SMC with pyabc, fed by the batch engine thousands of particles per call.

pyabc runs the algorithm (adaptive thresholds: a weighted quantile of the last generation's
distances; a multivariate normal perturbation kernel; importance weights) and keeps every
generation in its SQLite history, so a stopped calibration resumes. Its own samplers call
the model one particle at a time; :class:`BatchSampler` instead takes the generation's
proposal (prior, transition, distance, threshold) from pyabc's per-particle function and
evaluates whole batches of proposals in one call of the batch engine, then hands pyabc the
same particles its own sampler would have built. docs/calibration.md has the measurements.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.calibration.simulator import RecordSimulator
from sim.analysis.posterior import weighted_quantiles

MAX_BATCH = 20_000
"""Particles proposed at once at most."""


def key(path: str) -> str:
    """A parameter path as a pyabc parameter name (pyabc keeps names as SQL strings)."""
    return path.replace(".", "__")


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


def _pyabc() -> Any:
    try:
        import pyabc
    except ImportError:  # pragma: no cover - the calibration extra is installed by make venv
        raise ImportError("calibration needs pyabc: pip install -e '.[calibration]'") from None
    return pyabc


def make_sampler_class() -> type:
    """The batch sampler (a class built on first use, so pyabc is only imported then)."""
    pyabc = _pyabc()
    from pyabc.inference_util.inference_util import _simulate_one, _simulate_one_from_prior
    from pyabc.population import Particle

    class BatchSampler(pyabc.sampler.Sampler):
        """Evaluate a generation's proposals in batches through the batch engine."""

        def __init__(self, simulator: RecordSimulator, priors: dict[str, tuple[float, float]],
                     rng: np.random.Generator,
                     on_generation: Callable[[Generation], None] | None = None):
            super().__init__()
            self.simulator = simulator
            self.names = list(priors)
            self.lo = np.array([priors[n][0] for n in self.names])
            self.hi = np.array([priors[n][1] for n in self.names])
            self.density = float(np.prod(1.0 / (self.hi - self.lo)))
            self.rng = rng
            self.on_generation = on_generation
            self.generations: list[Generation] = []

        def _prior(self, size: int) -> np.ndarray:
            return self.lo + (self.hi - self.lo) * self.rng.random((size, len(self.names)))

        def _from_transition(self, transition: Any, size: int) -> np.ndarray:
            cols = [key(n) for n in self.names]
            out = np.empty((0, len(self.names)))
            for _ in range(1000):
                df = transition.rvs(size=max(size - len(out), 1) * 2)
                x = df[cols].to_numpy(dtype=float) if isinstance(df, pd.DataFrame) else \
                    np.array([[df[c] for c in cols]])
                x = x[((x >= self.lo) & (x <= self.hi)).all(axis=1)]
                out = np.vstack([out, x])
                if len(out) >= size:
                    return out[:size]
            raise RuntimeError("the transition proposes almost nothing inside the prior")

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            t0, runs0 = time.perf_counter(), self.simulator.runs
            fn = getattr(simulate_one, "func", None)
            kw = getattr(simulate_one, "keywords", {})
            if fn not in (_simulate_one, _simulate_one_from_prior):
                raise TypeError("BatchSampler works with pyabc's ABCSMC simulate functions")
            from_prior = fn is _simulate_one_from_prior
            cols = [key(n) for n in self.names]
            ids = self.simulator.ids
            if not from_prior:
                x0 = kw["x_0"]
                observed = np.array([x0[i] for i in ids])
                eps = float(kw["eps"](t))
                transition = kw["transitions"][0] if t > 0 else None
            sample = self._create_empty_sample()
            evaluations = accepted = 0
            rate = 1.0
            while accepted < n and evaluations < max_eval:
                want = int(np.ceil((n - accepted) / max(rate, 1e-3) * 1.2)) + 16
                size = int(min(max(want, 64), MAX_BATCH))
                theta = (self._prior(size) if from_prior or transition is None
                         else self._from_transition(transition, size))
                stats = self.simulator.stats(theta)
                if from_prior:
                    d = np.full(size, np.inf)
                    ok = np.ones(size, dtype=bool)
                    w = np.ones(size)
                else:
                    d = self.simulator.distance(stats, observed)
                    ok = d <= eps
                    if transition is None:
                        w = np.ones(size)
                    else:
                        w = np.zeros(size)
                        if ok.any():
                            dens = np.atleast_1d(transition.pdf(
                                pd.DataFrame(theta[ok], columns=cols)))
                            w[ok] = self.density / dens
                for i in range(size):
                    evaluations += 1
                    if ok[i] or sample.record_rejected:
                        par = pyabc.Parameter({c: float(theta[i, j])
                                               for j, c in enumerate(cols)})
                    if ok[i]:
                        sample.append(Particle(
                            m=0, parameter=par, weight=float(w[i]),
                            sum_stat={k: float(stats[i, j]) for j, k in enumerate(ids)},
                            distance=float(d[i]), accepted=True, proposal_id=0))
                        accepted += 1
                        if accepted == n:
                            break
                    elif sample.record_rejected:
                        sample.append(Particle(
                            m=0, parameter=par, weight=0.0,
                            sum_stat={k: float(stats[i, j]) for j, k in enumerate(ids)},
                            distance=float(d[i]), accepted=False, proposal_id=0))
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
        """Per free parameter: prior range, weighted median and 90% credible interval."""
        rows = []
        w = self.posterior["weight"].to_numpy()
        for n in self.names:
            x = self.posterior[n].to_numpy()
            q5, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
            rows.append({"parameter": n, "prior_lo": self.priors[n][0],
                         "prior_hi": self.priors[n][1], "median": q50, "lo90": q5, "hi90": q95,
                         "mean": float(np.average(x, weights=w))})
        return pd.DataFrame(rows)


def calibrate(simulator: RecordSimulator, priors: dict[str, tuple[float, float]], db: Path, *,
              population_size: int = 1000, populations: int = 8, min_epsilon: float = 0.0,
              max_walltime_s: float | None = None, max_simulations: int | None = None,
              min_acceptance_rate: float = 0.0, epsilon_quantile: float = 0.5, seed: int = 1,
              resume: bool = False,
              on_generation: Callable[[Generation], None] | None = None) -> Fit:
    """Fit ``priors`` (uniform) to the simulator's observations by ABC-SMC into ``db``.

    ``resume`` continues the run stored in ``db`` (same spec) with the remaining budget."""
    pyabc = _pyabc()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    np.random.seed(seed)  # pyabc's transitions draw from numpy's global generator
    names = list(priors)
    prior = pyabc.Distribution(**{key(n): pyabc.RV("uniform", lo, hi - lo)
                                  for n, (lo, hi) in priors.items()})
    ids = simulator.ids
    distance = pyabc.PNormDistance(p=2, fixed_weights={i: 1.0 / s for i, s in
                                                        zip(ids, simulator.sd, strict=True)})
    sampler = make_sampler_class()(simulator, priors, np.random.default_rng(seed),
                                   on_generation)

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
    t0 = time.perf_counter()
    done_before = 0
    if resume and Path(db).exists():
        history = abc.load(url, 1, dict(zip(ids, simulator.observed.tolist(), strict=True)))
        stored["history"] = history
        done_before = history.n_populations
    else:
        history = abc.new(url, dict(zip(ids, simulator.observed.tolist(), strict=True)))
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
    seconds = time.perf_counter() - t0
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = pd.DataFrame({n: df[key(n)].to_numpy(dtype=float) for n in names})
    post["weight"] = np.asarray(w, dtype=float) / np.sum(w)
    dists = history.get_weighted_distances(t=history.max_t)
    post["distance"] = dists["distance"].to_numpy(dtype=float) if len(dists) == len(post) \
        else np.nan
    post.insert(0, "particle", np.arange(len(post)))
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    thresholds = pd.DataFrame({"generation": pops["t"].astype(int),
                               "epsilon": pops["epsilon"].astype(float),
                               "evaluations": pops["samples"].astype(int),
                               "particles": pops["particles"].astype(int)})
    thresholds["acceptance_rate"] = thresholds["particles"] / thresholds["evaluations"]
    return Fit(names, priors, post, thresholds, history, simulator, seconds,
               list(sampler.generations))
