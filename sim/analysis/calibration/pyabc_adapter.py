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
from sim.analysis.posterior import effective_sample_size

PYABC_VERSIONS = ">=0.12,<0.14"
"""The pyabc releases this adapter is written for (as in pyproject.toml)."""
MAX_BATCH = 20_000
"""Particles proposed at once at most."""
NOISE_KERNEL_SCALING = 2.0
"""A noise-model calibration perturbs particles with pyabc's multivariate normal transition at
twice Silverman's bandwidth: at temperature 1 the posterior has long tails against the prior's
bounds (growth adjustment), which the default bandwidth undersamples, so a few accepted
particles in the tails carried most of the importance weight."""
MIN_ESS_SHARE = 0.2
"""A noise-model calibration at temperature 1 goes on, one generation at a time, until its
last generation's effective sample size is at least this share of the particles (or the
budget ends): the stopping rule."""
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

    def draw(self, size: int, thresholds: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``size`` proposals inside the prior, (size, P) in the order of ``names``, and (with
        ``thresholds``) each one's acceptance threshold: the uniform pyabc's stochastic
        acceptor draws right after the particle's proposal (NaN without ``thresholds``)."""
        p = len(self.order)
        extra = int(thresholds)
        thr = np.full(size, np.nan)
        if self.transition is None:
            raw = self.rng.random_sample(size * (p + extra)).reshape(size, p + extra)
            out = raw[:, :p] * self.scale + self.loc
            if thresholds:
                thr = raw[:, p].copy()
            return out[:, self.to_names], thr
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
                    if thresholds:
                        thr[i] = self.rng.random_sample()
                    break
            else:
                raise RuntimeError("the transition proposes almost nothing inside the prior")
        return out[:, self.to_names], thr

    def prior_density(self) -> float:
        """The uniform prior's density, multiplied in the order pyabc multiplies it."""
        return 1.0 * reduce(lambda a, b: a * b, [1.0 / s for s in self.scale])


def distances(stats: np.ndarray, observed: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """pyabc's weighted Euclidean distance (``PNormDistance(p=2)``) per row, its arithmetic."""
    d = np.abs(weights[None, :] * (stats - observed[None, :]))
    return (d ** 2).sum(axis=1) ** (1 / 2)


def log_densities(stats: np.ndarray, observed: np.ndarray, var: np.ndarray) -> np.ndarray:
    """pyabc's ``IndependentNormalKernel`` per row, its arithmetic: the log density of the
    observations given a particle's statistics under independent normal errors of variance
    ``var`` (each observation's sd squared)."""
    log_2_pi = np.sum(np.log(2) + np.log(np.pi) + np.log(var))
    squares = np.sum((stats - observed[None, :]) ** 2 / var[None, :], axis=1)
    return -0.5 * (log_2_pi + squares)


def best_density(get_weighted_distances: Callable[[], pd.DataFrame], stored: dict[str, Any]
                 ) -> float:
    """The stochastic acceptor's normalising log density ``c`` for the next generation: the
    highest log density of the last generation (of the prior sample at first). Acceptance is
    min(1, exp((log density - c) / T)); a particle above ``c`` is accepted and weighted by the
    excess (pyabc's rejection-control importance weights), so ``c`` trades acceptance for
    weight spread and the posterior stays exact (Schälte & Hasenauer 2020). Unlike pyabc's
    ``pdf_norm_max_found`` it depends on the last generation alone, which the store keeps: the
    first generation after a resume reads it from there (``stored``), so a resumed calibration
    uses the same ``c`` as an uninterrupted one."""
    h = stored.pop("resume_history", None)
    df = h.get_weighted_distances(t=h.max_t) if h is not None else get_weighted_distances()
    return float(np.max(df["distance"].to_numpy(dtype=float)))


def next_temperature(log_density: np.ndarray, weights: np.ndarray, previous: float,
                     target: float) -> float:
    """Adaptive tempering (Jasra et al. 2011; Zhou, Johansen & Aston 2016): the lowest
    temperature T ≥ 1 to which the weighted population at temperature ``previous`` can be
    reweighted, by exp(log_density × (1/T - 1/previous)), keeping a conditional effective
    sample size of at least ``target`` (a share of the population). ``previous`` = inf: the
    prior sample."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    ld = np.asarray(log_density, dtype=float)
    ld = ld - np.max(ld)
    b0 = 0.0 if not np.isfinite(previous) else 1.0 / previous

    def cess(b: float) -> float:
        g = np.exp(ld * (b - b0))
        return float((w @ g) ** 2 / (w @ (g * g)))

    if cess(1.0) >= target:
        return 1.0
    lo, hi = b0, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if cess(mid) >= target else (lo, mid)
    return float(1.0 / lo) if lo > 0 else float(1.0 / hi)


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
            stochastic = not from_prior and isinstance(kw.get("acceptor"),
                                                       pyabc.StochasticAcceptor)
            if not from_prior:
                observed = np.array([kw["x_0"][i] for i in ids])
                eps = float(kw["eps"](t))
            if stochastic:
                pdf_norm = float(kw["acceptor"].pdf_norms[t])
                var = np.asarray(kw["distance_function"].var, dtype=float)
            sample = self._create_empty_sample()
            evaluations = accepted = 0
            rate = 1.0
            while accepted < n and evaluations < max_eval:
                want = int(np.ceil((n - accepted) / max(rate, 1e-3) * 1.2)) + 16
                size = int(min(max(want, 64), MAX_BATCH))
                theta, u = proposals.draw(size, thresholds=stochastic)
                stats = self.simulator.stats(theta)
                if from_prior:
                    d = np.full(size, np.inf)
                    ok = np.ones(size, dtype=bool)
                    w = np.ones(size)
                elif stochastic:  # pyabc's StochasticAcceptor, its arithmetic
                    d = log_densities(stats, observed, var)
                    acc = np.exp((d - pdf_norm) * (1 / eps))
                    ok = acc >= u
                    with np.errstate(invalid="ignore", divide="ignore"):
                        aw = np.where(acc == 0.0, 0.0, acc / np.minimum(1.0, acc))
                    prior_pd = proposals.prior_density()
                    w = np.zeros(size)
                    if ok.any():
                        trans = prior_pd if transition is None else np.atleast_1d(
                            transition.pdf(pd.DataFrame(theta[ok], columns=cols)))
                        w[ok] = aw[ok] * prior_pd / trans
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


def _last_ess(history: Any) -> float:
    """The effective sample size of the last stored generation."""
    return effective_sample_size(history.get_distribution(m=0, t=history.max_t)[1])


def _last_epsilon(history: Any) -> float:
    """The threshold (temperature) of the last stored generation."""
    pops = history.get_all_populations()
    return float(pops.loc[pops["t"] == history.max_t, "epsilon"].iloc[0])


def tempering_class() -> type:
    """The temperature schedule of a noise-model calibration (a class built on first use)."""
    pyabc = import_pyabc()

    class Tempering(pyabc.epsilon.TemperatureBase):
        """pyabc's temperature for its ``StochasticAcceptor``, lowered by adaptive tempering
        (:func:`next_temperature`) from the last generation's log densities and weights alone,
        so a resumed calibration (which reads them from the store) continues exactly as an
        uninterrupted one would. The calibration ends at temperature 1: the exact posterior
        of the noise model."""

        def __init__(self, target: float, stored: dict[str, Any]):
            super().__init__()
            self.target = float(target)
            self.stored = stored
            self.temperatures: dict[int, float] = {}

        def requires_calibration(self) -> bool:
            return True

        def is_adaptive(self) -> bool:
            return True

        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations,
                       acceptor_config):
            h = self.stored.get("history")
            if h is not None and t > 0:  # resumed: the last stored generation
                self.temperatures[t - 1] = _last_epsilon(h)
                self._next(t, h.get_weighted_distances(t=h.max_t), acceptor_config)
            else:
                self._next(t, get_weighted_distances(), acceptor_config)

        def update(self, t, get_weighted_distances, get_all_records, acceptance_rate,
                   acceptor_config):
            self._next(t, get_weighted_distances(), acceptor_config)

        def _next(self, t: int, df: pd.DataFrame, acceptor_config: dict) -> None:
            prev = self.temperatures.get(t - 1, np.inf)
            d = df["distance"].to_numpy(dtype=float) - float(acceptor_config["pdf_norm"])
            temp = next_temperature(d, df["w"].to_numpy(dtype=float), prev, self.target)
            self.temperatures[t] = min(temp, prev)

        def __call__(self, t: int) -> float:
            return self.temperatures[t]

    return Tempering


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
            acceptance: str = "noise", ess_target: float = 0.5,
            on_generation: Callable[[Generation], None] | None = None,
            sampler: Any = None) -> Outcome:
    """Run (or, with ``resume``, continue) ABC-SMC with uniform ``priors`` into the SQLite
    store ``db``. ``sampler``: another pyabc sampler (tests compare pyabc's own with the
    batch sampler, the default).

    ``acceptance``: ``"noise"`` — the observations are the simulated statistics plus
    independent normal errors with each observation's sd (pyabc's ``StochasticAcceptor`` with
    an ``IndependentNormalKernel``; Wilkinson 2013, Schälte & Hasenauer 2020), the temperature
    lowered by adaptive tempering (``ess_target``) until it reaches 1, where the posterior is
    exact for that noise model; ``"threshold"`` — accept within a Euclidean distance of the
    standardised statistics, the threshold a weighted quantile (``epsilon_quantile``) of the
    last generation's distances, stopped by ``min_epsilon`` or the budget."""
    pyabc = import_pyabc()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    names = list(priors)
    prior = pyabc.Distribution(**{key(n): pyabc.RV("uniform", lo, hi - lo)
                                  for n, (lo, hi) in priors.items()})
    ids = simulator.ids
    if acceptance not in ("noise", "threshold"):
        raise ValueError(f"acceptance must be 'noise' or 'threshold' (found {acceptance!r})")
    stored: dict[str, Any] = {}
    if acceptance == "noise":
        distance = pyabc.IndependentNormalKernel(var=list(np.asarray(simulator.sd) ** 2),
                                                 keys=ids)
        acceptor = pyabc.StochasticAcceptor(
            pdf_norm_method=lambda get_weighted_distances, **_: best_density(
                get_weighted_distances, stored))
        eps = tempering_class()(ess_target, stored)
        min_epsilon = 1.0
    else:
        distance = pyabc.PNormDistance(p=2, fixed_weights={i: 1.0 / s for i, s in
                                                            zip(ids, simulator.sd, strict=True)})
        acceptor = pyabc.UniformAcceptor()
    if sampler is None:
        sampler = batch_sampler_class()(simulator, priors, seed, on_generation)

    def model(par: dict[str, float]) -> dict[str, float]:  # one particle (pyabc's samplers)
        theta = np.array([[par[key(n)] for n in names]])
        return dict(zip(ids, simulator.stats(theta)[0], strict=True))

    class StoredQuantileEpsilon(pyabc.QuantileEpsilon):
        """On resume, the next threshold comes from the distances in the store (the store
        keeps no per-particle statistics for pyabc to recompute them from)."""

        def initialize(self, t, get_weighted_distances, *args, **kwargs):
            if "history" in stored and t > 0:
                h = stored["history"]
                get_weighted_distances = lambda: h.get_weighted_distances(t=h.max_t)  # noqa: E731
            return super().initialize(t, get_weighted_distances, *args, **kwargs)

    if acceptance == "threshold":
        eps = StoredQuantileEpsilon(alpha=epsilon_quantile)
    transitions = (pyabc.MultivariateNormalTransition(scaling=NOISE_KERNEL_SCALING)
                   if acceptance == "noise" else None)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=population_size,
                       sampler=sampler, eps=eps, acceptor=acceptor, transitions=transitions)
    url = "sqlite:///" + str(Path(db).absolute())
    observed = dict(zip(ids, simulator.observed.tolist(), strict=True))
    done_before = 0
    if resume and Path(db).exists():
        history = abc.load(url, 1, observed)
        stored["history"] = history
        stored["resume_history"] = history
        done_before = history.n_populations
    else:
        history = abc.new(url, observed)
    # The store keeps parameters, weights and distances of every generation (what resuming and
    # the posterior need); per-particle statistics would triple the store's time (SQLAlchemy
    # rows) and the predictive check recomputes them anyway.
    history.stores_sum_stats = False
    left = populations - done_before
    started = time.monotonic()

    def budget() -> dict[str, Any]:
        spent = time.monotonic() - started
        return {"min_acceptance_rate": min_acceptance_rate,
                "max_total_nr_simulations": max_simulations or np.inf,
                "max_walltime": (timedelta(seconds=max(max_walltime_s - spent, 1e-3))
                                 if max_walltime_s else None)}

    def finished() -> bool:
        """Whether the stored calibration already met its stopping rule (a resumed finished
        calibration runs no further generation)."""
        if history.n_populations == 0:
            return False
        if acceptance == "noise":
            return (_last_epsilon(history) <= 1.0
                    and _last_ess(history) >= MIN_ESS_SHARE * population_size)
        return min_epsilon > 0 and _last_epsilon(history) <= min_epsilon

    if left > 0 and not finished():
        history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=left, **budget())
    while (acceptance == "noise" and history.n_populations < populations
           and _last_epsilon(history) <= 1.0
           and _last_ess(history) < MIN_ESS_SHARE * population_size
           and not (max_walltime_s and time.monotonic() - started >= max_walltime_s)):
        # at temperature 1 with too few effective particles: one more generation at 1, set
        # up from the store exactly as a resumed calibration would be
        stored["history"] = stored["resume_history"] = history
        history = abc.run(minimum_epsilon=1.0, max_nr_populations=1, **budget())
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
