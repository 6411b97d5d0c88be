"""Breakdown hazard ratio of one design against another, stratified by ceasefire age.

Each run-month in which a ceasefire was in force at the start of the month is a month at risk;
a breakdown that month is an event. Months at risk are grouped by the ceasefire's age (months
since it was agreed) and the two designs' rates are combined across age strata with the
Mantel-Haenszel estimator for person-time (Rothman, Greenland & Lash 2008, ch. 15), so a
design whose ceasefires are younger is not blamed for the early hazard every ceasefire has
(docs/ODD.md 7.6, bench/bench_hazard_ratio.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.engine import batch as engine
from sim.scenario.overrides import with_overrides
from sim.scenario.schema import Scenario

AGE_STRATA: tuple[int, ...] = (0, 3, 6, 12, 24)
"""Lower bounds of the ceasefire-age strata, months (the last stratum is open)."""
Z90 = 1.6449
"""Normal quantile of a two-sided 90% interval. The interval of the hazard ratio is the usual
Poisson approximation on the log scale, exp(+-Z90 * sqrt(1/events + 1/reference events)),
which treats events as independent (runs with several breakdowns make it a little narrow)."""


def at_risk(steps: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months at risk, events and ceasefire age, each (R, T-1), from recorded monthly outcomes.

    At risk in month t: a ceasefire in force at the end of month t-1. Event: the breakdown
    count rises in month t. Age: months since the ceasefire in force at t-1 was agreed.
    """
    force = steps["ceasefire_in_force"] > 0
    broke = np.diff(steps["breakdowns"], axis=1) > 0
    risk = force[:, :-1]
    age = np.zeros(force.shape)
    for t in range(1, force.shape[1]):
        age[:, t] = np.where(force[:, t] & force[:, t - 1], age[:, t - 1] + 1, 0.0)
    return risk, broke & risk, age[:, :-1] + 1


def strata_counts(steps: dict[str, np.ndarray],
                  bounds: Sequence[int] = AGE_STRATA) -> tuple[np.ndarray, np.ndarray]:
    """Events and months at risk per age stratum."""
    risk, events, age = at_risk(steps)
    edges = [*bounds, np.inf]
    ev, pt = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        cell = risk & (age > lo) & (age <= hi)
        ev.append(float((events & cell).sum()))
        pt.append(float(cell.sum()))
    return np.array(ev), np.array(pt)


def mantel_haenszel(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Rate ratio of ``a`` to ``b`` from (events, months at risk) per stratum; NaN if empty."""
    (ea, ta), (eb, tb) = a, b
    total = ta + tb
    keep = total > 0
    num = (ea * tb / np.where(keep, total, 1.0))[keep].sum()
    den = (eb * ta / np.where(keep, total, 1.0))[keep].sum()
    return float(num / den) if den > 0 else float("nan")


def design_steps(sc: Scenario, design: str, replicates: int,
                 values: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Monthly outcomes of ``design`` in scenario ``sc`` (seeds sc.seed + 0..replicates-1)."""
    variant = with_overrides(sc, {"design": design, **(values or {})})
    batch = engine.compile_batch(variant, seeds=sc.seed + np.arange(replicates))
    return engine.simulate(batch).steps


def hazard_ratio(sc: Scenario, design: str, reference: str, replicates: int = 400,
                 values: dict[str, float] | None = None) -> dict[str, float]:
    """Breakdown hazard ratio of ``design`` against ``reference`` (same seeds), stratified by
    ceasefire age, with an approximate 90% interval and the events and months at risk."""
    a = strata_counts(design_steps(sc, design, replicates, values))
    b = strata_counts(design_steps(sc, reference, replicates, values))
    hr = mantel_haenszel(a, b)
    half = Z90 * np.sqrt(1.0 / max(a[0].sum(), 1.0) + 1.0 / max(b[0].sum(), 1.0))
    return {"hazard_ratio": hr, "lo90": hr * np.exp(-half), "hi90": hr * np.exp(half),
            "events": a[0].sum(),
            "months_at_risk": a[1].sum(), "reference_events": b[0].sum(),
            "reference_months_at_risk": b[1].sum()}
