"""The appendix of the comparison report: the full tables and the per-scenario prose, each
fact stated once (a scenario's timeline once, whatever the designs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import effects
from sim.engine.results import Comparison
from sim.model import outcomes
from sim.model.parameters import flatten
from sim.output import figures as fg
from sim.output import io
from sim.output.text import fmt, interval, names
from sim.scenario.schema import Scenario

COLUMNS: tuple[tuple[str, str], ...] = tuple((k, outcomes.per_run(k).fmt)
                                            for k in outcomes.roles("report"))
"""Per-run outcomes shown in the report's table, with their number format (both declared in
sim/model/outcomes.py)."""


def markdown_table(table: pd.DataFrame) -> str:
    """The comparison table in Markdown: mean with the 90% interval below it."""
    head = ["Scenario", *(outcomes.per_run(key).label for key, _ in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["--:"] * len(COLUMNS))
             + "|"]
    for name, row in table.iterrows():
        cells = [f"`{name}`"]
        for key, kind in COLUMNS:
            m, lo, hi = row[(key, "mean")], row[(key, "lo")], row[(key, "hi")]
            cells.append(f"{fmt(m, kind)}<br><small>{fmt(lo, kind)}–{fmt(hi, kind)}</small>")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _changes(child: Scenario, parent: Scenario) -> list[str]:
    a, b = flatten(parent.parameters), flatten(child.parameters)
    out = [f"{k} {getattr(parent, k)} → {getattr(child, k)}" for k in ("start", "horizon")
           if getattr(parent, k) != getattr(child, k)]
    if parent.world != child.world:
        out.append("its own world of states")
    out += [f"position of {c}" for c in sorted(set(parent.positions) | set(child.positions))
            if parent.positions.get(c) != child.positions.get(c)]
    out += [f"{k} {a[k]:g} → {b[k]:g}" for k in b if b[k] != a[k]]
    known = {(e.month, e.note) for e in parent.events}
    out += [f"month {e.month}: {e.note.rstrip('.')}" for e in child.events
            if (e.month, e.note) not in known]
    return out


def contrasts(cmp: Comparison) -> list[str]:
    """For each scenario whose parent (``extends``) is also compared: what it changes and
    what that does to the main outcomes."""
    t = cmp.table
    lines = []
    for name, r in cmp.results.items():
        parent = r.scenario.extends
        if not parent or parent not in cmp.results:
            continue
        changes = _changes(r.scenario, cmp.results[parent].scenario)
        if not changes:
            continue
        shown = "; ".join(changes[:7]) + (f"; and {len(changes) - 7} more"
                                          if len(changes) > 7 else "")

        def delta(key: str, kind: str, n: str = name, p: str = parent) -> str:
            x0, x1 = t.loc[p, (key, "mean")], t.loc[n, (key, "mean")]
            return f"{fmt(x0, kind)} → {fmt(x1, kind)}"

        lines.append(
            f"- `{name}` against `{parent}` ({shown}): troops pledged "
            f"{delta('pledged_troops', 'int')}, "
            f"states present {delta('presence_states', 'num')}, deterrence "
            f"{delta('deterrence', '2f')}, P(ceasefire agreed) {delta('ceasefire_agreed', 'pct')}, "
            f"Russian growth {delta('growth', '1f')}%.")
    if not lines:
        return []
    return ["**Each counterfactual against the scenario it extends.** Only the listed "
            "parameters and events differ, so the differences in outcomes are theirs:\n\n"
            + "\n".join(lines)]


def findings(cmp: Comparison) -> list[str]:
    """Plain-words paragraphs generated from the numbers."""
    t = cmp.table
    paras: list[str] = []
    ask = {n: r.scenario.parameters.design.ground_troops for n, r in cmp.results.items()}
    troops = t[("pledged_troops", "mean")]
    deployed = t[("deployed_troops", "mean")]
    gap = t[("enabler_gap", "mean")]
    best, worst = troops.idxmax(), troops.idxmin()
    if np.isclose(troops[best], troops[worst]):
        paras.append(f"**Pledged and deployed.** Every compared run pledges about "
                     f"{troops[best]:,.0f} troops on average; {deployed.mean():,.0f} are "
                     "deployed at the horizon on average.")
    else:
        paras.append(
            f"**Pledged and deployed.** Troops are pledged through the cascade but deploy "
            f"only after a ceasefire, after the design's lead time, and only as far as enablers "
            f"allow. The most troops are pledged in `{best}` ({troops[best]:,.0f} on average, "
            f"against {ask[best]:,.0f} asked) and the fewest in `{worst}` "
            f"({troops[worst]:,.0f}); at the horizon {deployed[best]:,.0f} and "
            f"{deployed[worst]:,.0f} are deployed. The enabler gap is widest in "
            f"`{gap.idxmax()}` ({gap.max():.0%} of the need uncovered) and narrowest in "
            f"`{gap.idxmin()}` ({gap.min():.0%}).")
    ground = cmp.shares("ground")
    if ground.shape[1] >= 2:
        hi_, lo_ = ground.max(axis=1), ground.min(axis=1)
        tip = ground[(hi_ >= 0.5) & (lo_ < 0.5)]
        always = ground[lo_ >= 0.5].index.tolist()
        never = ground[hi_ < 0.05].index.tolist()
        parts = []
        if always:
            parts.append(f"- In most runs of every column: {', '.join(always)}.")
        if len(tip):
            groups: dict[tuple[str, ...], list[str]] = {}
            for code, row in tip.iterrows():
                groups.setdefault(tuple(n for n in row.index if row[n] >= 0.5), []).append(code)
            for k, v in sorted(groups.items(), key=lambda kv: -len(kv[1])):
                where = names(list(k)) if len(k) <= 4 else f"{len(k)} of {ground.shape[1]} columns"
                parts.append(f"- In most runs of {where} only: {', '.join(v)}.")
        if never:
            parts.append(f"- In no column (under 5% of runs everywhere): {len(never)} states, "
                         f"among them {', '.join(never[:6])}.")
        if parts:
            paras.append("**Which states tip into sending ground troops** (share of runs "
                         "pledging at the horizon, per column of the commitment matrix):\n\n"
                         + "\n".join(parts))
    cf = t[("ceasefire_agreed", "mean")]
    vi = t[("breakdowns", "mean")]
    top = cf.idxmax()
    text = (f"**Ceasefire.** A ceasefire within the horizon is most likely in `{top}` "
            f"({cf[top]:.0%} of runs) and least likely in `{cf.idxmin()}` "
            f"({cf[cf.idxmin()]:.0%})." if not np.isclose(cf.max(), cf.min()) else
            f"**Ceasefire.** A ceasefire within the horizon is agreed in {cf[top]:.0%} of "
            "runs in every compared run.")
    months = t[("ceasefire_months", "mean")]
    at_risk = [n for n in t.index if months[n] > 0]
    if at_risk:
        rate = {n: 100.0 * vi[n] / months[n] for n in at_risk}
        worst_v, best_v = max(rate, key=rate.get), min(rate, key=rate.get)
        if not np.isclose(rate[worst_v], rate[best_v]):
            text += (f" Per 100 months of ceasefire (the months at risk), Russia breaks one "
                     f"{rate[worst_v]:.1f} times in `{worst_v}` and {rate[best_v]:.1f} times "
                     f"in `{best_v}`: it weighs a violation against the deterrence it faces "
                     f"(mean deterrence {t.loc[worst_v, ('deterrence', 'mean')]:.2f} and "
                     f"{t.loc[best_v, ('deterrence', 'mean')]:.2f}), and the hazard falls as "
                     f"a ceasefire ages.")
    never = [n for n in t.index if cf[n] == 0]
    if never:
        text += (f" No ceasefire is agreed in {names(never)}: Russia's willingness stays too "
                 f"low there (too little economic pain, or terms too far from its demands, "
                 f"against its chance of winning by force).")
    paras.append(text)
    g = t[("growth", "mean")]
    pr = t[("pressure", "mean")]
    paras.append(
        f"**Russian economy.** Growth at the horizon is lowest in `{g.idxmin()}` "
        f"({g.min():.1f}% a year, sanctions pressure {pr[g.idxmin()]:.2f}) and highest in "
        f"`{g.idxmax()}` ({g.max():.1f}%, pressure {pr[g.idxmax()]:.2f}); sanctions pressure "
        f"and high interest rates pull growth from about 4% towards stagnation.")
    paras += contrasts(cmp)
    events: dict[str, pd.DataFrame] = {}
    for n, r in cmp.results.items():  # a scenario's timeline once, whatever the designs
        scenario = cmp.scenario_of(n)
        if len(r.log) and scenario not in events:
            events[scenario] = r.log
    if events:
        lines = [f"`{n}`: " + "; ".join(f"month {m} ({d}) {note.rstrip('.')}" for m, d, note in
                                        log[["month", "date", "note"]].itertuples(index=False))
                 for n, log in events.items()]
        paras.append("**Timelines.** " + " ".join(line.rstrip(".") + "." for line in lines))
    return paras


def effects_table(table: pd.DataFrame) -> list[str]:
    """Every paired effect (compared × outcome) as one Markdown table, no sentences."""
    if table.empty:
        return []
    order = list(dict.fromkeys(table["outcome"]))
    head = [effects.RATE_LABEL if o == effects.RATE else
            effects.HOLDS_GIVEN_AGREED_LABEL if o == effects.HOLDS_GIVEN_AGREED else
            outcomes.per_run(o).label for o in order]
    lines = ["| Compared | Reference | " + " | ".join(head) + " |",
             "|---|---|" + "--:|" * len(order)]
    for (name, ref), g in table.groupby(["compared", "reference"], sort=False):
        cells = {}
        for _, r in g.iterrows():
            kind = ("pts" if r["kind"] == "probability" else
                    "int" if r["unit"] == "troops" else "2f")
            text = (f"{fmt(r['value'], kind, True)}<br><small>"
                    f"{interval(r['lo'], r['hi'], kind)}</small>")
            cells[r["outcome"]] = f"*{text} ≈0*" if r["includes_zero"] else text
        lines.append(f"| `{name}` | `{ref}` | " + " | ".join(cells.get(o, "–") for o in order)
                     + " |")
    return lines


def write_appendix(cmp: Comparison, found_effects: pd.DataFrame, constant: list[str],
                   out: Path, written: list[Path], formats: tuple[str, ...] | list[str],
                   reference_design: str | None) -> Path:
    """appendix.md: the outcome table, every effect, the commitment matrix (figure and
    tables), the per-scenario prose and the scenarios compared."""
    t = cmp.table
    flat = t.copy()
    flat.columns = [f"{o}_{s}" for o, s in flat.columns]
    written += io.write_table(flat.reset_index(), out / "comparison")
    summary = pd.concat([r.summary.assign(scenario=n) for n, r in cmp.results.items()],
                        ignore_index=True)
    written += io.write_table(summary[["scenario", *summary.columns[:-1]]], out / "summary")
    matrix, ground = cmp.matrix, cmp.shares("ground")
    written += io.write_table(matrix.reset_index(), out / "commitment_matrix")
    written += io.write_table(ground.reset_index(), out / "ground_matrix")
    if cmp.cells:  # the figure shows the reference design's column of each scenario
        keep = [k for k, (_, d) in cmp.cells.items() if d == reference_design]
        rename = {k: cmp.cells[k][0] for k in keep}
        shown = {"Ground troops": ground[keep].rename(columns=rename),
                 "Any presence (ground, air or sea)": matrix[keep].rename(columns=rename)}
        which = f" under the reference design `{reference_design}`"
    else:
        shown = {"Ground troops": ground, "Any presence (ground, air or sea)": matrix}
        which = ""
    fig = fg.commitment_matrix(shown)
    written += io.save_figure(fig, out / "commitment_matrix", formats)
    fg.close(fig)
    text = [
        "# Appendix: every table and the per-scenario detail", "",
        "Read with `report.md`. Every interval is 90%.", "",
        "## Outcomes at the horizon", "",
        "Each cell: mean over replicates, with the 90% interval of the mean below it "
        "(Wilson's for probabilities, Student's t otherwise). Table: `comparison.csv` (with the "
        "5th–95th percentile of the runs, `_p5`, `_p95`).", "",
        markdown_table(t), "",
        "## Every paired effect", "",
        "Mean paired difference (compared − reference) and its 90% bootstrap interval; *≈0*: "
        "the interval includes zero. Table: `effects.csv`.", "",
        *effects_table(found_effects), "",
    ]
    if constant:
        text += ["Not shown because they never vary across the compared runs: "
                 + ", ".join(outcomes.per_run(k).label for k in constant) + ".", ""]
    text += [
        "## Commitments by state", "",
        f"![Share of runs in which each state pledges ground troops and any presence at the "
        f"horizon, per scenario{which}](commitment_matrix.png)", "",
        f"*Share of runs pledging at the horizon{which}; grey: the state is not in that "
        "scenario's world. Every scenario × design: `ground_matrix.csv`, "
        "`commitment_matrix.csv`.*", "",
        "## What differs, and why", "",
        *(p + "\n" for p in findings(cmp)),
        "## Scenarios", "",
        *(f"- `{name}`: {r.scenario.description} Facts: "
          f"{', '.join(r.scenario.facts) or 'none cited'}."
          for name, r in _scenarios(cmp).items()), "",
    ]
    path = io.atomic_write_text(out / "appendix.md", "\n".join(text))
    written.append(path)
    return path


def _scenarios(cmp: Comparison) -> dict:
    """Scenario name → one of its results (once per scenario, whatever the designs)."""
    out = {}
    for label, r in cmp.results.items():
        out.setdefault(cmp.scenario_of(label), r)
    return out
