"""The answer to the tool's question, from the runs a comparison made: which force design does
best, how often, by how much it beats the others, and what the US backstop changes.

Robustness in the style of many-objective robust decision making (Kasprzyk et al. 2013;
Herman et al. 2015; EMA Workbench's robustness metrics): for each scenario and pooled over
scenarios (each scenario weighted equally),

- ``p_best``: the share of bootstrap resamples in which a design has the highest mean of the
  outcome (ties share the win);
- ``regret``: the shortfall of a design's mean from the best design's in the same resample
  (median and 90th percentile);
- ``satisficing``: the share of resamples in which the design's mean reaches a threshold the
  user sets.

A resample draws replicates with replacement, the same replicates for every design and
scenario (all designs of a scenario run on the same seeds, so the comparison stays paired).
With a posterior, runs with seeds 2k and 2k+1 share a parameter draw, so the pair is
resampled as one cluster (by seed: a base seed may be odd) and the resamples carry the
parameters' uncertainty as well as the runs'; P(best) and regret are then over parameter
draws. Scenarios whose seeds group differently (odd and even base seeds) are resampled each
on its own. Outcomes:
P(ceasefire agreed) (the agreement stage), P(holds at the horizon) and P(holds | agreed) (the
deterrence stage, a ratio of sums).

``backstop`` pairs the US-backstop scenarios run on the same seeds — full backstop against the
reference scenario, the reference against US withdrawal — at both stages, with 90% bootstrap
intervals (``sim.analysis.stats``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis import effects, stats
from sim.engine.results import Comparison

RESAMPLES = 1000
"""Bootstrap resamples behind P(best), regret and satisficing."""
SATISFICE_HOLDS = 0.5
"""Default satisficing threshold: P(holds at the horizon) of at least one half."""
CRITERIA: tuple[tuple[str, str], ...] = (
    ("holds", "P(ceasefire holds at the horizon)"),
    ("ceasefire_agreed", "P(ceasefire agreed)"),
    (effects.HOLDS_GIVEN_AGREED, effects.HOLDS_GIVEN_AGREED_LABEL),
)
"""Outcomes designs are ranked on (name, label)."""
BACKSTOP_LADDER: tuple[str, str, str] = ("us-full-backstop", "sep-2025-paris", "us-withdrawal")
"""Scenarios that differ in the US role on the same seeds: full backstop, the vague backstop of
September 2025, withdrawal."""


def _clusters(summary: pd.DataFrame) -> np.ndarray:
    """Cluster of each run: its parameter draw with a posterior (the seed pair 2k, 2k+1 that
    shares a draw: by seed, not by run index, since a scenario's base seed may be odd), else
    itself."""
    if "particle" in summary.columns:
        return summary["seed"].to_numpy() // 2
    return summary["run"].to_numpy()


def _values(cmp: Comparison, scenario: str, design: str, outcome: str) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """(numerator, denominator) per run: the outcome and 1, or holds and agreed for
    P(holds | agreed)."""
    label = next(k for k, v in cmp.cells.items() if v == (scenario, design))
    s = cmp.results[label].summary
    if outcome == "holds_given_agreed":
        return s["holds"].to_numpy(float), s["ceasefire_agreed"].to_numpy(float)
    return s[outcome].to_numpy(float), np.ones(len(s))


def rank(cmp: Comparison, outcome: str = "holds", threshold: float = SATISFICE_HOLDS,
         resamples: int = RESAMPLES) -> pd.DataFrame:
    """P(best), regret and satisficing of every design on ``outcome`` (see module doc): a row
    per (scenario, design), ``scenario == "pooled"`` for the equal-weight pool. Columns:
    scenario, design, outcome, mean, p_best, regret_median, regret_p90, satisficing,
    threshold."""
    if not cmp.cells:
        raise ValueError("ranking designs needs a comparison with designs (compare --designs)")
    scenarios = list(dict.fromkeys(sc for sc, _ in cmp.cells.values()))
    designs = list(dict.fromkeys(d for _, d in cmp.cells.values()))
    first = cmp.results[next(iter(cmp.cells))].summary
    clusters = _clusters(first)
    # each scenario's runs grouped into its clusters (designs of a scenario share its seeds);
    # one resample draw for all scenarios when their grouping is the same (always without a
    # posterior), else one per scenario (base seeds of both parities under a posterior)
    inverses = {}
    for sc in scenarios:
        label = next(k for k, v in cmp.cells.items() if v[0] == sc)
        inverses[sc] = np.unique(_clusters(cmp.results[label].summary), return_inverse=True)[1]
    rng = np.random.default_rng(stats.BOOTSTRAP_SEED)
    shared = all(len(v) == len(clusters) and np.array_equal(v, inverses[scenarios[0]])
                 for v in inverses.values())
    groups = [scenarios] if shared else [[sc] for sc in scenarios]
    draws = []
    for group in groups:
        inv = inverses[group[0]]
        n_ids = int(inv.max()) + 1 if len(inv) else 0
        draws.append((group, inv, n_ids, rng.integers(0, n_ids, size=(resamples, n_ids))))
    data = {}
    point = np.empty((len(scenarios), len(designs)))
    for i, sc in enumerate(scenarios):
        for j, d in enumerate(designs):
            num, den = _values(cmp, sc, d, outcome)
            if len(num) != len(clusters):
                raise ValueError(f"{sc} × {d} has {len(num)} runs, others {len(clusters)}: "
                                 "designs can be ranked only on the same seeds")
            data[i, j] = (num, den)
            point[i, j] = num.sum() / den.sum() if den.sum() > 0 else np.nan
    means = np.empty((len(scenarios), len(designs), resamples))
    block = max(1, 2_000_000 // max(len(clusters), 1))  # weights of at most ~16 MB at once
    for group, inverse, n_ids, draw in draws:
        for lo in range(0, resamples, block):
            rows_b = draw[lo:lo + block]
            # how many times each run is drawn in each resample (the runs of a cluster together)
            counts = np.stack([np.bincount(r, minlength=n_ids) for r in rows_b])
            weight = counts[:, inverse].astype(float)
            for (i, j), (num, den) in data.items():
                if scenarios[i] not in group:
                    continue
                with np.errstate(invalid="ignore", divide="ignore"):
                    means[i, j, lo:lo + block] = (weight @ num) / (weight @ den)
    rows = []

    def add(label: str, m: np.ndarray, p: np.ndarray) -> None:
        filled = np.where(np.isnan(m), -np.inf, m)
        top = filled.max(axis=0)
        winners = (filled == top[None, :]) & np.isfinite(top)[None, :]
        share = winners / np.maximum(winners.sum(axis=0), 1)[None, :]
        regret = np.where(np.isfinite(top)[None, :], top[None, :] - m, np.nan)
        for j, d in enumerate(designs):
            r = regret[j][~np.isnan(regret[j])]
            rows.append({"scenario": label, "design": d, "outcome": outcome,
                         "mean": float(p[j]), "p_best": float(share[j].mean()),
                         "regret_median": float(np.median(r)) if len(r) else np.nan,
                         "regret_p90": float(np.quantile(r, 0.9)) if len(r) else np.nan,
                         "satisficing": float(np.mean(np.nan_to_num(m[j], nan=-1) >= threshold)),
                         "threshold": threshold})

    for i, sc in enumerate(scenarios):
        add(sc, means[i], point[i])
    with warnings.catch_warnings():  # a resample in which no scenario agreed has no ratio
        warnings.simplefilter("ignore", RuntimeWarning)
        pooled_means, pooled_point = np.nanmean(means, axis=0), np.nanmean(point, axis=0)
    add("pooled", pooled_means, pooled_point)
    return pd.DataFrame(rows)


def rankings(cmp: Comparison, threshold: float = SATISFICE_HOLDS,
             resamples: int = RESAMPLES) -> pd.DataFrame:
    """:func:`rank` on every criterion (CRITERIA), stacked, with ``wins`` and ``losses`` (the
    scenarios in which a design has the highest and the lowest mean; on the pooled rows),
    ``scenarios`` (how many were compared) and ``replicates`` (runs per cell)."""
    table = pd.concat([rank(cmp, k, threshold, resamples) for k, _ in CRITERIA],
                      ignore_index=True)
    table["wins"] = np.nan
    table["losses"] = np.nan
    for k, _ in CRITERIA:
        won, lost = wins(table, k), losses(table, k)
        pooled = (table.outcome == k) & (table.scenario == "pooled")
        table.loc[pooled, "wins"] = table.loc[pooled, "design"].map(won).fillna(0).to_numpy()
        table.loc[pooled, "losses"] = table.loc[pooled, "design"].map(lost).fillna(0).to_numpy()
    table["scenarios"] = len({sc for sc, _ in cmp.cells.values()})
    table["replicates"] = len(next(iter(cmp.results.values())).seeds)
    table["resamples"] = resamples
    table["level"] = stats.LEVEL
    return table


def wins(table: pd.DataFrame, outcome: str = "holds") -> pd.Series:
    """Design → number of scenarios in which it has the highest mean of ``outcome``."""
    t = table[(table.outcome == outcome) & (table.scenario != "pooled")]
    top = t.loc[t.groupby("scenario", sort=False)["mean"].idxmax()]
    return top["design"].value_counts()


def losses(table: pd.DataFrame, outcome: str = "holds") -> pd.Series:
    """Design → number of scenarios in which it has the lowest mean of ``outcome``."""
    t = table[(table.outcome == outcome) & (table.scenario != "pooled")]
    low = t.loc[t.groupby("scenario", sort=False)["mean"].idxmin()]
    return low["design"].value_counts()


def backstop(cmp: Comparison, design: str | None,
             ladder: Sequence[str] = BACKSTOP_LADDER) -> pd.DataFrame:
    """What the US backstop changes: ``ladder[0]`` against ``ladder[1]`` and ``ladder[1]``
    against ``ladder[2]`` (paired, same seeds), under ``design`` (None: a comparison without
    designs). Columns: compared, reference, stage, outcome, label, value, lo, hi,
    includes_zero, compared_mean, reference_mean. Empty when the ladder's scenarios are not
    all compared."""
    def summary(scenario: str) -> pd.DataFrame | None:
        if design is None:
            r = cmp.results.get(scenario)
        else:
            label = next((k for k, v in cmp.cells.items() if v == (scenario, design)), None)
            r = cmp.results.get(label) if label else None
        return None if r is None else r.summary

    got = [summary(s) for s in ladder]
    if any(g is None for g in got):
        return pd.DataFrame()
    rows = []
    for (a_name, a), (b_name, b) in (((ladder[0], got[0]), (ladder[1], got[1])),
                                     ((ladder[1], got[1]), (ladder[2], got[2]))):
        if not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
            continue
        est = stats.paired_difference(a["ceasefire_agreed"].to_numpy(float),
                                      b["ceasefire_agreed"].to_numpy(float))
        rows.append(_row(a_name, b_name, "agreement", "ceasefire_agreed",
                         "P(ceasefire agreed)", est, a["ceasefire_agreed"].mean(),
                         b["ceasefire_agreed"].mean()))
        rows.append(_row(a_name, b_name, "deterrence", effects.HOLDS_GIVEN_AGREED,
                         effects.HOLDS_GIVEN_AGREED_LABEL, effects.holds_given_agreed(a, b),
                         _ratio(a["holds"], a["ceasefire_agreed"]),
                         _ratio(b["holds"], b["ceasefire_agreed"])))
        rows.append(_row(a_name, b_name, "deterrence", effects.RATE, effects.RATE_LABEL,
                         effects.breakdown_rate(a, b),
                         100 * _ratio(a["breakdowns"], a["ceasefire_months"]),
                         100 * _ratio(b["breakdowns"], b["ceasefire_months"])))
    return pd.DataFrame(rows)


def _ratio(num: pd.Series, den: pd.Series) -> float:
    d = float(den.sum())
    return float(num.sum()) / d if d > 0 else float("nan")


def _row(a: str, b: str, stage: str, outcome: str, label: str, est: stats.Estimate,
         a_mean: float, b_mean: float) -> dict:
    return {"compared": a, "reference": b, "stage": stage, "outcome": outcome, "label": label,
            "value": est.value, "lo": est.lo, "hi": est.hi, "includes_zero": est.includes_zero,
            "compared_mean": float(a_mean), "reference_mean": float(b_mean),
            "level": stats.LEVEL}
