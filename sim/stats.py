"""Statistics of outcomes over runs, one module for compare, runs and sweeps.

Which interval an outcome gets follows its kind (sim/outcomes.py): a probability (a 0/1
outcome averaged over runs) gets Wilson's score interval of the proportion; counts and levels
get the 5th–95th percentile band of the runs (their spread) and, in sweeps, a normal interval
of the mean; months get percentiles over the runs in which the event happened.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim import outcomes

Z90 = 1.6448536269514722
"""Normal quantile of a two-sided 90% interval."""
Z95 = 1.959963984540054
"""Normal quantile of a two-sided 95% interval."""


def wilson(p: float, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed in ``n`` trials (90% default)."""
    if n == 0:
        return float("nan"), float("nan")
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def wilson_arrays(p: np.ndarray, n: np.ndarray, z: float = Z90) -> tuple[np.ndarray, np.ndarray]:
    """Wilson intervals of many proportions at once (NaN where n = 0)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = 1 + z * z / n
        c = (p + z * z / (2 * n)) / d
        h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    lo, hi = np.maximum(0.0, c - h), np.minimum(1.0, c + h)
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def interval(x: np.ndarray, probability: bool) -> tuple[float, float, float]:
    """(mean, lo, hi) of one outcome over runs: Wilson's 90% interval for a probability,
    the 5th–95th percentile of the runs otherwise (NaNs dropped)."""
    x = np.asarray(x, dtype=float)
    if probability:
        n = len(x)
        p = float(np.mean(x)) if n else float("nan")
        lo, hi = wilson(p, n)
        return p, lo, hi
    x = x[~np.isnan(x)]
    if not len(x):
        return float("nan"), float("nan"), float("nan")
    return float(np.mean(x)), float(np.percentile(x, 5)), float(np.percentile(x, 95))


def outcome_stats(summary: pd.DataFrame, names: Sequence[str]) -> dict[str, dict[str, float]]:
    """{outcome: {mean, lo, hi}} of per-run outcomes (interval by kind, see module doc)."""
    out = {}
    for k in names:
        mean, lo, hi = interval(summary[k].to_numpy(dtype=float), outcomes.is_probability(k))
        out[k] = {"mean": mean, "lo": lo, "hi": hi}
    return out


def bands(steps: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per month: mean and 90% band of monthly outcomes over runs (long: month, outcome,
    mean, lo, hi). Probabilities get Wilson's interval of the share of runs."""
    rows = []
    for k in names:
        g = steps.groupby("month")[k]
        m = g.mean()
        if outcomes.is_probability(k, "monthly"):
            n = g.size().to_numpy()
            lo, hi = np.array([wilson(p, int(c)) for p, c in zip(m.to_numpy(), n,
                                                                 strict=True)]).T
        else:
            q = g.quantile([0.05, 0.95]).unstack()
            lo, hi = q[0.05].to_numpy(), q[0.95].to_numpy()
        rows.append(pd.DataFrame({"month": m.index, "outcome": k, "mean": m.to_numpy(),
                                  "lo": lo, "hi": hi}))
    return pd.concat(rows, ignore_index=True)


def describe(df: pd.DataFrame, by: Sequence[str], output: str) -> pd.DataFrame:
    """Per group: n, mean, sd, the 95% interval of the mean (Wilson's for probabilities,
    normal otherwise) and the 5/50/95% quantiles of ``output`` over runs."""
    g = df.groupby(list(by), sort=True)[output]
    out = g.agg(n="count", mean="mean", sd="std")
    q = g.quantile([0.05, 0.5, 0.95]).unstack()
    out["q05"], out["q50"], out["q95"] = q[0.05], q[0.5], q[0.95]
    if outcomes.is_probability(output):
        out["ci_lo"], out["ci_hi"] = wilson_arrays(out["mean"].to_numpy(),
                                                   out["n"].to_numpy(), Z95)
    else:
        half = Z95 * out["sd"].fillna(0.0) / np.sqrt(out["n"])
        out["ci_lo"], out["ci_hi"] = out["mean"] - half, out["mean"] + half
    out.insert(0, "output", output)
    return out.reset_index()
