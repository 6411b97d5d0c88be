"""Statistics of outcomes over runs: one module for compare, runs, sweeps, sensitivity and
discovery.

Which interval an outcome gets follows its kind (sim/model/outcomes.py):

- a probability (a 0/1 outcome averaged over runs): Wilson's score interval of the proportion
  (never outside [0, 1], never of zero width at 0 of n or n of n);
- a count or a level: Student's t interval of the mean;
- a month: the t interval of the mean over the runs in which the event happened;
- a paired difference between two scenarios run on the same seeds (common random numbers):
  a percentile bootstrap of the mean difference over runs (fixed resampling seed, so a report
  repeats exactly);
- a rate per month at risk (breakdowns per 100 ceasefire-months): a bootstrap of the ratio
  over runs.

The spread of the runs (5th–95th percentile) is reported separately as a band, never as an
interval of the estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from sim.model import outcomes

if TYPE_CHECKING:
    import pandas as pd

LEVEL = 0.90
"""Default confidence level of intervals in reports."""
Z90 = 1.6448536269514722
"""Normal quantile of a two-sided 90% interval."""
Z95 = 1.959963984540054
"""Normal quantile of a two-sided 95% interval."""
BOOTSTRAP_RESAMPLES = 2000
"""Resamples of every bootstrap interval."""
BOOTSTRAP_SEED = 20250901
"""Seed of the bootstrap resampling: the same data always give the same interval."""


@cache
def z_of(level: float) -> float:
    """Normal quantile of a two-sided interval at ``level`` (looked up once per level; scipy
    only for a level other than 90% or 95%)."""
    known = {0.90: Z90, 0.95: Z95}
    if level in known:
        return known[level]
    from scipy import stats as sps

    return float(sps.norm.ppf(0.5 + level / 2))


@cache
def t_of(level: float, dof: int) -> float:
    """Student's t quantile of a two-sided interval at ``level`` with ``dof`` degrees of
    freedom (scipy, imported on first use; looked up once per level and dof)."""
    from scipy import stats as sps

    return float(sps.t.ppf(0.5 + level / 2, dof))


def wilson(p: float, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed in ``n`` trials (90% default);
    one value of :func:`wilson_arrays`."""
    lo, hi = wilson_arrays(np.array([p]), np.array([n]), z)
    return float(lo[0]), float(hi[0])


def wilson_arrays(p: np.ndarray, n: np.ndarray, z: float = Z90) -> tuple[np.ndarray, np.ndarray]:
    """Wilson intervals of many proportions at once (NaN where n = 0)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = 1 + z * z / n
        c = (p + z * z / (2 * n)) / d
        h = z * np.sqrt(np.maximum(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / d
    lo = np.where(p <= 0.0, 0.0, np.maximum(0.0, c - h))  # exact bounds at 0 of n and n of n
    hi = np.where(p >= 1.0, 1.0, np.minimum(1.0, c + h))
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def jeffreys(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Jeffreys interval of k successes in n trials (Beta(k + 1/2, n - k + 1/2) quantiles;
    0 at k = 0 and 1 at k = n by convention)."""
    if n == 0:
        return float("nan"), float("nan")
    from scipy import stats as sps

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(sps.beta.ppf(a, k + 0.5, n - k + 0.5))
    hi = 1.0 if k == n else float(sps.beta.ppf(1 - a, k + 0.5, n - k + 0.5))
    return lo, hi


def t_interval(x: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, lo, hi): Student's t interval of the mean of ``x`` (NaNs dropped). One value
    gives a NaN interval; identical values give a zero-width interval at the mean."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if not len(x):
        return float("nan"), float("nan"), float("nan")
    m = float(np.mean(x))
    if len(x) < 2:
        return m, float("nan"), float("nan")
    half = float(t_of(level, len(x) - 1) * np.std(x, ddof=1) / np.sqrt(len(x)))
    return m, m - half, m + half


def interval(x: np.ndarray, probability: bool, level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, lo, hi) of one outcome over runs: Wilson's interval for a probability, the t
    interval of the mean otherwise (see module doc)."""
    x = np.asarray(x, dtype=float)
    if probability:
        n = int(np.sum(~np.isnan(x)))
        p = float(np.nanmean(x)) if n else float("nan")
        lo, hi = wilson(p, n, z_of(level))
        return p, lo, hi
    return t_interval(x, level)


def spread(x: np.ndarray) -> tuple[float, float]:
    """5th and 95th percentile of the runs (NaNs dropped): how much runs differ."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if not len(x):
        return float("nan"), float("nan")
    return float(np.percentile(x, 5)), float(np.percentile(x, 95))


def outcome_stats(summary: pd.DataFrame, names: Sequence[str],
                  level: float = LEVEL) -> dict[str, dict[str, float]]:
    """{outcome: {mean, lo, hi, p5, p95, n}} of per-run outcomes: the interval of the mean by
    kind, and the spread of the runs. Each outcome's column is reduced in one pass (the
    quantiles of the spread in one call; the t or normal quantile looked up once per level and
    degrees of freedom)."""
    out = {}
    for k in names:
        x = summary[k].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        n = len(x)
        if not n:
            nan = float("nan")
            out[k] = {"mean": nan, "lo": nan, "hi": nan, "p5": nan, "p95": nan, "n": 0.0}
            continue
        mean = float(np.mean(x))
        if outcomes.is_probability(k):
            lo, hi = wilson(mean, n, z_of(level))
        elif n < 2:
            lo = hi = float("nan")
        else:
            half = float(t_of(level, n - 1) * np.std(x, ddof=1) / np.sqrt(n))
            lo, hi = mean - half, mean + half
        p5, p95 = (float(v) for v in np.percentile(x, [5, 95]))
        out[k] = {"mean": mean, "lo": lo, "hi": hi, "p5": p5, "p95": p95, "n": float(n)}
    return out


def bands(steps: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per month: mean and 90% band of monthly outcomes over runs (long: month, outcome,
    mean, lo, hi). Probabilities get Wilson's interval of the share of runs; other outcomes
    the 5th–95th percentile of the runs."""
    import pandas as pd

    rows = []
    for k in names:
        g = steps.groupby("month")[k]
        m = g.mean()
        if outcomes.is_probability(k, "monthly"):
            lo, hi = wilson_arrays(m.to_numpy(), g.size().to_numpy())
        else:
            q = g.quantile([0.05, 0.95]).unstack()
            lo, hi = q[0.05].to_numpy(), q[0.95].to_numpy()
        rows.append(pd.DataFrame({"month": m.index, "outcome": k, "mean": m.to_numpy(),
                                  "lo": lo, "hi": hi}))
    return pd.concat(rows, ignore_index=True)


def _bootstrap_index(n: int) -> np.ndarray:
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    return rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its interval, and whether the interval includes zero."""

    value: float
    lo: float
    hi: float

    @property
    def includes_zero(self) -> bool:
        return bool(self.lo <= 0.0 <= self.hi)


def paired_difference(x: np.ndarray, reference: np.ndarray, level: float = LEVEL) -> Estimate:
    """Mean of x - reference over runs paired by seed, with a percentile bootstrap interval.

    Runs where either value is NaN are dropped. With one pair the interval is NaN."""
    x = np.asarray(x, dtype=float)
    r = np.asarray(reference, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(r))
    d = x[keep] - r[keep]
    if not len(d):
        return Estimate(float("nan"), float("nan"), float("nan"))
    if len(d) < 2:
        return Estimate(float(d.mean()), float("nan"), float("nan"))
    means = d[_bootstrap_index(len(d))].mean(axis=1)
    a = (1 - level) / 2
    return Estimate(float(d.mean()), float(np.quantile(means, a)), float(np.quantile(means, 1 - a)))


def rate_per_exposure(events: np.ndarray, exposure: np.ndarray, per: float = 100.0,
                      level: float = LEVEL) -> Estimate:
    """Events per ``per`` units of exposure (e.g. breakdowns per 100 ceasefire-months), the
    ratio of sums over runs, with a bootstrap interval over runs. NaN with no exposure."""
    e = np.asarray(events, dtype=float)
    t = np.asarray(exposure, dtype=float)
    if t.sum() <= 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    idx = _bootstrap_index(len(e))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = per * e[idx].sum(axis=1) / t[idx].sum(axis=1)
    ratios = ratios[np.isfinite(ratios)]
    a = (1 - level) / 2
    return Estimate(float(per * e.sum() / t.sum()), float(np.quantile(ratios, a)),
                    float(np.quantile(ratios, 1 - a)))


def paired_rate_difference(events: np.ndarray, exposure: np.ndarray, ref_events: np.ndarray,
                           ref_exposure: np.ndarray, per: float = 100.0,
                           level: float = LEVEL) -> Estimate:
    """Difference of two rates per exposure from runs paired by seed, bootstrapped jointly."""
    e, t = np.asarray(events, float), np.asarray(exposure, float)
    re, rt = np.asarray(ref_events, float), np.asarray(ref_exposure, float)
    if t.sum() <= 0 or rt.sum() <= 0:
        return Estimate(float("nan"), float("nan"), float("nan"))
    idx = _bootstrap_index(len(e))
    with np.errstate(divide="ignore", invalid="ignore"):
        diffs = per * (e[idx].sum(axis=1) / t[idx].sum(axis=1)
                       - re[idx].sum(axis=1) / rt[idx].sum(axis=1))
    diffs = diffs[np.isfinite(diffs)]
    a = (1 - level) / 2
    value = per * (e.sum() / t.sum() - re.sum() / rt.sum())
    return Estimate(float(value), float(np.quantile(diffs, a)), float(np.quantile(diffs, 1 - a)))


def describe(df: pd.DataFrame, by: Sequence[str], output: str, level: float = 0.95) -> pd.DataFrame:
    """Per group: n, mean, sd, the interval of the mean at ``level`` (Wilson's for
    probabilities, Student's t otherwise) and the 5/50/95% quantiles of ``output`` over runs."""
    g = df.groupby(list(by), sort=True)[output]
    out = g.agg(n="count", mean="mean", sd="std")
    q = g.quantile([0.05, 0.5, 0.95]).unstack()
    out["q05"], out["q50"], out["q95"] = q[0.05], q[0.5], q[0.95]
    if outcomes.is_probability(output):
        out["ci_lo"], out["ci_hi"] = wilson_arrays(out["mean"].to_numpy(),
                                                   out["n"].to_numpy(), z_of(level))
    else:
        n = out["n"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            tq = np.array([t_of(level, int(max(k - 1, 1))) for k in n])
            half = np.where(n > 1, tq * out["sd"].fillna(0.0).to_numpy() / np.sqrt(n), np.nan)
        out["ci_lo"], out["ci_hi"] = out["mean"] - half, out["mean"] + half
    out.insert(0, "output", output)
    return out.reset_index()
