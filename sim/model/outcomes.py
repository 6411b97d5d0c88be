"""Every outcome the model reports, declared once: name, label, unit, kind, scope, meaning.

This is the output side's counterpart of ``sim.model.parameters``: the engine's lists of recorded
outcomes, the report's and figures' labels, the statistics (which interval for which kind),
the ODD outcome table, ``coalition-sim schema --outputs`` and docs/outputs.md all read it.

Kinds decide the statistics (``sim.analysis.stats``):

- ``probability``: 0/1 in each run; its mean over runs is a probability (Wilson interval);
- ``count``: a whole number of states or troops (percentile band over runs);
- ``level``: a real-valued index or rate (percentile band over runs);
- ``month``: the month an event happened, NaN when it did not (percentiles of the runs
  where it happened).

Scope: ``monthly`` outcomes are recorded every month of every run (``steps`` tables, one
column each); ``run`` outcomes are one number per run at the horizon (``summary`` tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sim.model.parameters import MODES

Kind = Literal["probability", "count", "level", "month"]
Scope = Literal["monthly", "run"]
KINDS: tuple[str, ...] = ("probability", "count", "level", "month")
Role = Literal["table", "bands", "report", "design_grid", "screening", "uncertainty", "effects"]
ROLES: dict[str, str] = {
    "table": "per-run outcomes of the comparison table (comparison.csv)",
    "bands": "monthly outcomes compare keeps for the trajectory bands and figures",
    "report": "per-run outcomes shown in the report's table of outcomes",
    "design_grid": "per-run outcomes of the design × scenario grid (design_grid.csv, designs.png)",
    "screening": "per-run outcomes the report screens (Morris) around the reference",
    "uncertainty": "per-run outcomes whose spread the report splits into parameters and runs",
    "effects": "per-run outcomes whose paired effects against the reference the report states",
}
"""What each role means: an outcome plays the roles it declares."""
Fmt = Literal["int", "num", "1f", "2f", "pct"]
Reduction = Literal["last", "max", "mean", "any", "first", "total"]
Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Outcome:
    """One reported outcome."""

    name: str
    label: str
    unit: str
    kind: Kind
    scope: Scope
    meaning: str
    roles: tuple[Role, ...] = ()
    """The parts of the outputs this outcome appears in (see ROLES)."""
    fmt: Fmt = "num"
    """How a number of it is printed: int (thousands), num (1 decimal), 1f, 2f, pct."""
    reduction: Reduction = "last"
    """Per-run outcomes: how the run's months reduce to it (``last``: the monthly outcome of
    the same name, or the named state, in the last month)."""
    direction: Direction | None = None
    """Which way is better for the question (higher deterrence, lower breakdowns), if any."""

    @property
    def is_probability(self) -> bool:
        """True when the mean over runs is a probability (the outcome is 0/1 per run)."""
        return self.kind == "probability"

    def axis_label(self) -> str:
        """``label (unit)`` for a figure axis."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _monthly(name: str, label: str, unit: str, kind: Kind, meaning: str,
             roles: tuple[Role, ...] = ()) -> Outcome:
    return Outcome(name, label, unit, kind, "monthly", meaning, roles)


def _run(name: str, label: str, unit: str, kind: Kind, meaning: str, *,
         roles: tuple[Role, ...] = (), fmt: Fmt = "num", reduction: Reduction = "last",
         direction: Direction | None = None) -> Outcome:
    return Outcome(name, label, unit, kind, "run", meaning, roles, fmt, reduction, direction)


_MODE_WORDS = {"ground": "ground troops", "air": "air presence", "sea": "sea presence",
               "financing": "financing", "arms": "arms deliveries", "training": "training"}

MONTHLY: tuple[Outcome, ...] = (
    _monthly("pledged_troops", "Ground troops pledged", "troops", "count",
             "Troops the pledging states offer, never more than the design asks (ODD 7.1).",
             roles=("bands",)),
    _monthly("deployed_troops", "Ground troops deployed", "troops", "count",
             "Troops in place: only while a ceasefire has held for the design's lead time, "
             "and only as far as enablers allow (ODD 7.6).", roles=("bands",)),
    _monthly("pledged_aircraft", "Aircraft pledged", "combat aircraft", "level",
             "Combat aircraft the pledging states offer, never more than the design asks."),
    _monthly("deployed_aircraft", "Aircraft deployed", "combat aircraft", "level",
             "Combat aircraft in place (same rule as deployed troops)."),
    _monthly("pledged_warships", "Warships pledged", "major warships", "level",
             "Major warships the pledging states offer, never more than the design asks."),
    _monthly("deployed_warships", "Warships deployed", "major warships", "level",
             "Major warships in place (same rule as deployed troops)."),
    _monthly("enabler_gap", "Enabler gap", "share 0–1", "level",
             "Share of the design's enabler need (lift, ISR, logistics) that neither the US "
             "nor European substitutes cover: the share of pledges that cannot deploy."),
    _monthly("design_fill", "Design filled by pledges", "share 0–1", "level",
             "Pledged forces against the design's ask, averaged over the components it asks "
             "for (0 for a design with no force)."),
    _monthly("deterrence", "Deterrence", "index 0–1", "level",
             "What stands in the way of a renewed Russian offensive: denial and punishment "
             "(ODD 7.6).", roles=("bands",)),
    _monthly("expected_deterrence", "Expected deterrence", "index 0–1", "level",
             "Deterrence the pledged force would give once deployed: what Russia and Ukraine "
             "weigh before agreeing."),
    _monthly("offensive_success", "Chance a renewed offensive succeeds", "probability", "level",
             "Denial: Russia's chance of success against Ukraine's army and the deployed "
             "force (ODD 7.6)."),
    _monthly("escalation", "Chance an offensive meets a response", "probability", "level",
             "Punishment: chance that the states whose troops stand in the way, or the US "
             "behind them, respond to a renewed offensive (ODD 7.6)."),
    _monthly("objection", "Russia's objection to the force", "index 0–1", "level",
             "The force on offer by kind, size and nearness to the line; times "
             "russia.troop_hostility it is the settlement's cost to Russia (ODD 7.7)."),
    _monthly("pressure", "Sanctions pressure", "index 0–1", "level",
             "Sanctions pressure on Russia after leakage (ODD 7.3)."),
    _monthly("willingness", "Russian willingness to agree", "probability", "level",
             "Russia's willingness to agree a ceasefire this month (ODD 7.7)."),
    _monthly("ukraine_accepts", "Ukrainian acceptance", "probability", "level",
             "Chance Ukraine accepts the terms on offer, given the guarantees (ODD 7.7)."),
    _monthly("terms", "Concessions on offer", "share of Russia's demands", "level",
             "Russia's demands cut to the most Ukraine accepts at even odds (ODD 7.7)."),
    _monthly("guarantee", "Guarantee Ukraine trusts", "share 0–1", "level",
             "Share of a renewed offensive's appeal that the force on offer and the US behind "
             "it would remove (ODD 7.7)."),
    _monthly("violation_hazard", "Violation hazard", "probability / month", "level",
             "Chance Russia breaks a ceasefire this month if one is in force (ODD 7.7)."),
    _monthly("growth", "Russian GDP growth", "% per year", "level",
             "Russian GDP growth rate at this month (ODD 7.4).", roles=("bands",)),
    _monthly("ukraine_strength", "Ukraine's strength", "index (1 = holds the line)", "level",
             "Ukraine's army, following the support it receives (ODD 7.5).", roles=("bands",)),
    _monthly("support_usd_bn", "Support to Ukraine", "USD bn per year", "level",
             "Yearly money, arms and training reaching Ukraine's army."),
    _monthly("ceasefire_in_force", "Ceasefire in force", "0/1", "probability",
             "1 while an agreed ceasefire is in force this month, 0 otherwise.", roles=("bands",)),
    _monthly("breakdowns", "Ceasefires broken so far", "ceasefires", "count",
             "Number of ceasefires Russia has broken up to this month."),
    _monthly("us_backstop", "US backstop announced", "index 0–1", "level",
             "Mean of the announced US intelligence, air support and logistics (ODD 7.2).", roles=("bands",)),
    _monthly("us_perceived", "US backstop as Europe sees it", "index 0–1", "level",
             "Announced US military backstop times European belief that it is delivered.", roles=("bands",)),
    _monthly("credibility", "US credibility", "probability", "level",
             "European belief that a US announcement is delivered."),
    _monthly("tariffs", "Secondary tariffs", "level 0–1", "level",
             "Secondary US tariffs on buyers of Russian oil in force."),
    _monthly("disengaged", "US disengaged", "0/1", "probability",
             "1 from the month the US walks away (keeps intelligence only)."),
    _monthly("pledging_states", "States pledging anything", "states", "count",
             "Number of states pledging at least one mode.", roles=("bands",)),
    _monthly("presence_states", "States pledging a presence", "states", "count",
             "Number of states pledging ground, air or sea presence."),
    *(_monthly(f"n_{m}", f"States pledging {_MODE_WORDS[m]}", "states", "count",
               f"Number of states pledging {_MODE_WORDS[m]} this month.") for m in MODES),
)
"""Outcomes recorded every month of every run, in the engine's order."""

PER_RUN: tuple[Outcome, ...] = (
    _run("pledged_troops", "Ground troops pledged at the horizon", "troops", "count",
         "Ground troops offered in the last month (never more than the design asks).",
         roles=("table", "report"), fmt="int"),
    _run("deployed_troops", "Ground troops deployed at the horizon", "troops", "count",
         "Ground troops in place in the last month.",
         roles=("table", "report", "design_grid", "screening", "uncertainty", "effects"), fmt="int"),
    _run("deployed_troops_max", "Most ground troops deployed in any month", "troops", "count",
         "The largest monthly number of ground troops in place during the run.", fmt='int', reduction='max'),
    _run("enabler_gap", "Enabler gap at the horizon", "share 0–1", "level",
         "Share of the design's enabler need left uncovered in the last month.",
         roles=("table", "report", "design_grid"), fmt="2f", direction="lower"),
    _run("design_fill", "Design filled by pledges at the horizon", "share 0–1", "level",
         "Pledged forces against the design's ask in the last month.", roles=('table',), fmt='2f'),
    _run("presence_states", "States pledging a presence at the horizon", "states", "count",
         "Number of states pledging ground, air or sea presence in the last month.",
         roles=("table", "report")),
    _run("pledging_states", "States pledging anything at the horizon", "states", "count",
         "Number of states pledging at least one mode in the last month.",
         roles=("table", "uncertainty", "effects")),
    *(_run(f"n_{m}", f"States pledging {_MODE_WORDS[m]} at the horizon", "states", "count",
           f"Number of states pledging {_MODE_WORDS[m]} in the last month.",
           roles=("table", "report")) for m in MODES),
    _run("deterrence", "Deterrence at the horizon", "index 0–1", "level",
         "Deterrence (denial and punishment, ODD 7.6) in the last month.",
         roles=('table', 'report'), fmt='2f', direction='higher'),
    _run("deterrence_avg", "Deterrence averaged over the months", "index 0–1", "level",
         "Mean of the monthly deterrence over the horizon.",
         roles=("table", "design_grid", "screening", "uncertainty", "effects"),
         fmt="2f", reduction="mean", direction="higher"),
    _run("ceasefire_agreed", "P(ceasefire agreed)", "probability", "probability",
         "1 if a ceasefire was agreed at any month within the horizon.",
         roles=("table", "report", "design_grid", "screening", "uncertainty", "effects"),
         fmt="pct", reduction="any", direction="higher"),
    _run("first_ceasefire_month", "Month of the first ceasefire", "month", "month",
         "Month after the start in which the first ceasefire was agreed; NaN if never.",
         roles=("table",), fmt="1f", reduction="first"),
    _run("ceasefire_months", "Months of ceasefire", "months", "count",
         "Months in which a ceasefire was in force (the months at risk of a breakdown).",
         roles=("table",), fmt="1f", reduction="total"),
    _run("breakdowns", "Ceasefires broken", "ceasefires", "count",
         "Number of ceasefires Russia broke within the horizon.",
         roles=("table", "report", "design_grid"), fmt="2f", direction="lower"),
    _run("broken", "P(a ceasefire broken)", "probability", "probability",
         "1 if Russia broke at least one ceasefire within the horizon.",
         fmt="pct", reduction="any", direction="lower"),
    _run("holds", "P(ceasefire holds at the horizon)", "probability", "probability",
         "1 if a ceasefire is in force in the last month.",
         roles=("table", "report", "design_grid", "screening", "uncertainty", "effects"),
         fmt="pct", reduction="last", direction="higher"),
    _run("growth", "Russian growth at the horizon", "% per year", "level",
         "Russian GDP growth rate in the last month.",
         roles=("table", "report", "uncertainty", "effects"), fmt="1f"),
    _run("pressure", "Sanctions pressure at the horizon", "index 0–1", "level",
         "Sanctions pressure on Russia in the last month.", roles=('table',), fmt='2f'),
    _run("ukraine_strength", "Ukraine's strength at the horizon", "index", "level",
         "Ukraine's strength in the last month (1 = holds the line).", roles=('table', 'report'), fmt='2f'),
    _run("us_disengaged", "P(US disengaged)", "probability", "probability",
         "1 if the US walked away within the horizon.", roles=('table',), fmt='pct', reduction='any'),
    _run("tariffs_applied", "P(secondary tariffs applied)", "probability", "probability",
         "1 if secondary tariffs are in force at the horizon.", fmt='pct', reduction='last'),
)
"""Outcomes of each run at the horizon, in the engine's order."""

MONTHLY_NAMES: tuple[str, ...] = tuple(o.name for o in MONTHLY)
PER_RUN_NAMES: tuple[str, ...] = tuple(o.name for o in PER_RUN)
MONTHLY_BY_NAME: dict[str, Outcome] = {o.name: o for o in MONTHLY}
PER_RUN_BY_NAME: dict[str, Outcome] = {o.name: o for o in PER_RUN}


def roles(role: Role) -> tuple[str, ...]:
    """Names of the outcomes that play ``role``, in declaration order (monthly outcomes for
    ``bands``, per-run outcomes otherwise)."""
    if role not in ROLES:
        raise KeyError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    return tuple(o.name for o in (MONTHLY if role == "bands" else PER_RUN) if role in o.roles)


COMPARE_TABLE: tuple[str, ...] = roles("table")
"""Per-run outcomes in the comparison table (``comparison`` of compare), in order."""
COMPARE_BANDS: tuple[str, ...] = roles("bands")
"""Monthly outcomes kept by compare for the trajectory bands and figures."""


def monthly(name: str) -> Outcome:
    """The declaration of a monthly outcome (KeyError if none)."""
    return MONTHLY_BY_NAME[name]


def per_run(name: str) -> Outcome:
    """The declaration of a per-run outcome (KeyError if none)."""
    return PER_RUN_BY_NAME[name]


def label(name: str, scope: Scope = "run") -> str:
    """Plain-words label of an outcome (the name itself if it is not declared)."""
    table = PER_RUN_BY_NAME if scope == "run" else MONTHLY_BY_NAME
    o = table.get(name)
    return o.label if o else name


def is_probability(name: str, scope: Scope = "run") -> bool:
    """True when ``name`` is a 0/1 outcome whose mean over runs is a probability."""
    table = PER_RUN_BY_NAME if scope == "run" else MONTHLY_BY_NAME
    o = table.get(name)
    return bool(o and o.is_probability)


# --- tables of the state-level output (states.parquet) --------------------------------------

STATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run", "", "Replicate index within the run."),
    ("seed", "", "Seed of the replicate."),
    ("code", "", "ISO code of the coalition state."),
    ("name", "", "Name of the coalition state."),
    *((f"committed_{m}", "0/1", f"1 if the state pledges {_MODE_WORDS[m]} at the horizon.")
      for m in MODES),
    ("committed_any", "0/1", "1 if the state pledges at least one mode at the horizon."),
    ("committed_presence", "0/1", "1 if the state pledges ground, air or sea presence."),
    ("troops", "troops", "Ground troops the state offers at the horizon (0 if conditional, ODD 7.1)."),
    ("burden_pct_gdp", "% of GDP", "Yearly cost of the state's pledges."),
    ("burden_share", "share", "The state's share of the coalition's total yearly cost."),
    ("gdp_share", "share", "The state's share of the coalition's GDP."),
)
"""Columns of ``states`` tables: (name, unit, meaning)."""

ID_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run", "Replicate index within the run (0-based)."),
    ("seed", "Seed of the replicate (base seed + run)."),
    ("month", "Month after the scenario's start (1-based; monthly tables only)."),
    ("date", "Calendar month YYYY-MM (monthly tables only)."),
    ("particle", "Row of the posterior the run drew its calibrated and literature-prior "
                 "parameters from (run, compare and sweep by default; none with "
                 "--fixed-parameters; summary tables and a sweep's results)."),
)
"""Identifier columns of ``steps`` and ``summary`` tables."""


def data_dictionary() -> str:
    """docs/outputs.md: every output column with its unit, kind and meaning (Markdown)."""
    lines = [
        "# Output data dictionary",
        "",
        "Generated from `sim/model/outcomes.py` by `python -m sim.model.outcomes` (a test fails when it "
        "is stale); also printed by `coalition-sim schema --outputs`.",
        "",
        "Kinds: **probability** — 0/1 per run, the mean over runs is a probability, reported "
        "with a 90% Wilson interval; **count** and **level** — reported with the 5th–95th "
        "percentile band over runs; **month** — the month an event happened (NaN if never).",
        "",
        "## Identifier columns",
        "",
        "| column | meaning |",
        "|---|---|",
        *(f"| `{n}` | {m} |" for n, m in ID_COLUMNS),
        "",
        "## Monthly outcomes (`steps` tables: one row per run and month)",
        "",
        "| column | label | unit | kind | meaning |",
        "|---|---|---|---|---|",
        *(f"| `{o.name}` | {o.label} | {o.unit} | {o.kind} | {o.meaning} |" for o in MONTHLY),
        "",
        "## Per-run outcomes (`summary` tables, sweep `results`: one row per run)",
        "",
        "| column | label | unit | kind | meaning |",
        "|---|---|---|---|---|",
        *(f"| `{o.name}` | {o.label} | {o.unit} | {o.kind} | {o.meaning} |" for o in PER_RUN),
        "",
        "## State outcomes (`states` tables: one row per run and coalition state)",
        "",
        "| column | unit | meaning |",
        "|---|---|---|",
        *(f"| `{n}` | {u} | {m} |" for n, u, m in STATE_COLUMNS),
        "",
        "## Comparison table (`comparison` of `coalition-sim compare`)",
        "",
        "One row per scenario; for every per-run outcome `X` above that the table shows, "
        "three columns: `X_mean` (mean over replicates), `X_lo` and `X_hi` (the 90% interval: "
        "Wilson's for probabilities, the 5th–95th percentile of runs otherwise).",
        "",
    ]
    return "\n".join(lines)


OUTPUTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"
"""The generated data dictionary."""


def main() -> int:
    """Rewrite docs/outputs.md from the declarations."""
    OUTPUTS_DOC.write_text(data_dictionary(), encoding="utf-8")
    print(f"updated {OUTPUTS_DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
