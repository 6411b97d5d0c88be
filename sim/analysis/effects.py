"""Effects against a named reference: paired differences of the key outcomes.

Every scenario (and, with designs, every scenario × design cell) is compared with a reference
run on the same seeds: run *i* of each has seed base + *i* and so meets the same random
numbers (common random numbers), and the difference run by run removes most of the noise.
``effects`` returns one row per (compared run, outcome) with the mean difference, its
bootstrap interval and whether the interval includes zero. Breakdowns are compared per 100
months of ceasefire (the months at risk), not per run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.engine.results import Comparison
from sim.model import outcomes
from sim.scenario import load_scenario
from sim.scenario.designs import DEFAULT_DESIGN
from sim.scenario.errors import ScenarioError

KEY_OUTCOMES: tuple[str, ...] = outcomes.roles("effects")
"""Per-run outcomes whose effects the report states."""
RATE = "breakdowns_per_100_ceasefire_months"
"""The name of the breakdown rate per 100 months at risk in effect tables."""
RATE_LABEL = "Ceasefires broken per 100 ceasefire-months"
HOLDS_GIVEN_AGREED = "holds_given_agreed"
"""The name of P(a ceasefire holds at the horizon | one was agreed) in effect tables: the
deterrence stage, apart from the agreement stage (P(ceasefire agreed))."""
HOLDS_GIVEN_AGREED_LABEL = "P(holds ∣ agreed)"
"""(With U+2223, not a bar: the label sits in Markdown tables.)"""


def references(cmp: Comparison, reference: str | None = None) -> dict[str, str]:
    """Compared result → the result it is compared with.

    Without designs: every scenario against ``reference`` (default: the compared scenario
    that most of the others extend, directly or not; else the first compared).
    With designs: within each scenario, every design against the reference design
    (``reference`` names a design; default: the default design if compared, else the first).
    """
    names = cmp.names
    if not cmp.cells:
        ref = reference or default_reference(cmp)
        if ref not in cmp.results:
            raise KeyError(f"reference {ref!r} is not among the compared scenarios")
        return {n: ref for n in names if n != ref}
    designs = list(dict.fromkeys(d for _, d in cmp.cells.values()))
    ref_design = reference or (DEFAULT_DESIGN if DEFAULT_DESIGN in designs else designs[0])
    if ref_design not in designs:
        raise KeyError(f"reference design {ref_design!r} is not among the compared designs")
    by_cell = {cell: label for label, cell in cmp.cells.items()}
    out = {}
    for label, (scenario, design) in cmp.cells.items():
        if design != ref_design:
            out[label] = by_cell[(scenario, ref_design)]
    return out


def default_reference(cmp: Comparison) -> str:
    """The compared scenario most of the others build on (through ``extends``), else the
    first: counterfactuals are then read against their own base."""
    names = cmp.names
    counts = dict.fromkeys(names, 0)
    for r in cmp.results.values():
        parent = r.scenario.extends
        seen = set()
        while parent and parent not in seen:
            seen.add(parent)
            if parent in counts:
                counts[parent] += 1
            parent = _parent_of(parent)
    best = max(names, key=lambda n: (counts[n], -names.index(n)))
    return best if counts[best] > 0 else names[0]


def _parent_of(name: str) -> str | None:
    try:
        return load_scenario(name).extends
    except ScenarioError:
        return None


def varying(cmp: Comparison, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(outcomes that vary across the compared runs, outcomes constant in every run)."""
    keep, constant = [], []
    for k in names:
        values = np.concatenate([r.summary[k].to_numpy(dtype=float)
                                 for r in cmp.results.values()])
        values = values[~np.isnan(values)]
        (keep if len(values) and np.ptp(values) > 0 else constant).append(k)
    return keep, constant


def effects(cmp: Comparison, reference: str | None = None,
            names: Sequence[str] = KEY_OUTCOMES) -> pd.DataFrame:
    """Paired differences against the reference: one row per (compared, outcome).

    Columns: compared, reference, outcome, label, unit, kind, value (mean difference),
    lo, hi (90% bootstrap interval), includes_zero, reference_mean, compared_mean."""
    refs = references(cmp, reference)
    keep, _ = varying(cmp, names)
    rows = []
    for name, ref in refs.items():
        a, b = cmp.results[name].summary, cmp.results[ref].summary
        if len(a) != len(b) or not np.array_equal(a["seed"].to_numpy(), b["seed"].to_numpy()):
            raise ValueError(f"{name} and {ref} were not run on the same seeds: they cannot be "
                             "paired")
        for k in keep:
            o = outcomes.per_run(k)
            est = stats.paired_difference(a[k].to_numpy(), b[k].to_numpy())
            rows.append({"compared": name, "reference": ref, "outcome": k, "label": o.label,
                         "unit": o.unit, "kind": o.kind, "value": est.value, "lo": est.lo,
                         "hi": est.hi, "includes_zero": est.includes_zero,
                         "reference_mean": float(np.nanmean(b[k])),
                         "compared_mean": float(np.nanmean(a[k]))})
        est = holds_given_agreed(a, b)
        if not np.isnan(est.value):
            rows.append({"compared": name, "reference": ref, "outcome": HOLDS_GIVEN_AGREED,
                         "label": HOLDS_GIVEN_AGREED_LABEL, "unit": "probability",
                         "kind": "probability", "value": est.value, "lo": est.lo, "hi": est.hi,
                         "includes_zero": est.includes_zero,
                         "reference_mean": float(b["holds"].sum() / b["ceasefire_agreed"].sum()),
                         "compared_mean": float(a["holds"].sum() / a["ceasefire_agreed"].sum())})
        est = breakdown_rate(a, b)
        if not np.isnan(est.value):
            ra = stats.rate_per_exposure(a["breakdowns"], a["ceasefire_months"])
            rb = stats.rate_per_exposure(b["breakdowns"], b["ceasefire_months"])
            rows.append({"compared": name, "reference": ref, "outcome": RATE,
                         "label": RATE_LABEL, "unit": "per 100 months", "kind": "rate",
                         "value": est.value, "lo": est.lo, "hi": est.hi,
                         "includes_zero": est.includes_zero, "reference_mean": rb.value,
                         "compared_mean": ra.value})
    return pd.DataFrame(rows)


def holds_given_agreed(a: pd.DataFrame, b: pd.DataFrame) -> stats.Estimate:
    """P(holds | agreed) of summary ``a`` minus that of ``b`` (runs paired by seed; ratios of
    sums, bootstrapped jointly): the deterrence stage."""
    return stats.paired_rate_difference(a["holds"].to_numpy(), a["ceasefire_agreed"].to_numpy(),
                                        b["holds"].to_numpy(), b["ceasefire_agreed"].to_numpy(),
                                        per=1.0)


def breakdown_rate(a: pd.DataFrame, b: pd.DataFrame) -> stats.Estimate:
    """Ceasefires broken per 100 ceasefire-months in summary ``a`` minus in ``b`` (runs paired
    by seed; bootstrapped jointly)."""
    return stats.paired_rate_difference(a["breakdowns"].to_numpy(),
                                        a["ceasefire_months"].to_numpy(),
                                        b["breakdowns"].to_numpy(),
                                        b["ceasefire_months"].to_numpy())


def describe_effect(row: pd.Series) -> str:
    """One sentence: the effect of one comparison on one outcome, in words."""
    kind, v, lo, hi = row["kind"], row["value"], row["lo"], row["hi"]
    if kind == "probability":
        size = f"{abs(v) * 100:.0f} points"
        ci = f"90% interval {lo * 100:+.0f} to {hi * 100:+.0f}"
    elif row["unit"] == "troops":
        size = f"{abs(v):,.0f} troops"
        ci = f"90% interval {lo:+,.0f} to {hi:+,.0f}"
    else:
        size = f"{abs(v):.2f} {row['unit']}".rstrip()
        ci = f"90% interval {lo:+.2f} to {hi:+.2f}"
    verb = "raises" if v > 0 else "lowers"
    label = row["label"] if row["label"].startswith("P(") else (
        row["label"][0].lower() + row["label"][1:])
    text = f"{verb} {label} by {size} ({ci})"
    if row["includes_zero"]:
        text += ": the interval includes zero, so no effect is detectable with these runs"
    return text
