"""The main body of the comparison report: the answer first, then the evidence behind it.

Every section takes what ``sim.analysis.assess`` found and the runs of the comparison, writes
the table its numbers come from (CSV and Parquet) and returns its Markdown lines. Each number
in the text is a value of those tables, formatted (``sim.output.text``); nothing is computed
here that a table does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis import effects
from sim.engine.results import Comparison
from sim.model import outcomes
from sim.output import figures as fg
from sim.output import io
from sim.output.text import fmt, interval, names

if TYPE_CHECKING:
    from sim.analysis.assess import Assessment

STAGE_OUTCOMES: tuple[tuple[str, str, str], ...] = (
    ("ceasefire_agreed", "agreement", "pts"),
    (effects.HOLDS_GIVEN_AGREED, "deterrence", "pts"),
    (effects.RATE, "deterrence", "2f"),
)
"""(outcome, stage, format) of the stage effects the report states."""
DESIGN_PANELS: tuple[str, ...] = ("ceasefire_agreed", "holds", "breakdowns", "deterrence_avg",
                                  "deployed_troops", "enabler_gap")
"""Per-run outcomes of the design figure's panels, in order."""


def _pooled(found: Assessment, outcome: str) -> pd.DataFrame:
    r = found.rankings
    return r[(r.scenario == "pooled") & (r.outcome == outcome)].set_index("design")


def answer_section(cmp: Comparison, found: Assessment, out: Path,
                   written: list[Path]) -> list[str]:
    """"The answer" (at most about 200 words and one table): the best design(s) with P(best)
    and regret pooled over scenarios, what the US backstop changes at both stages, how sure
    the numbers are and which assumption could flip them."""
    lines = ["## The answer", ""]
    if not found.rankings.empty:
        written += io.write_table(found.rankings, out / "verdict")
        holds, agreed = _pooled(found, "holds"), _pooled(found, "ceasefire_agreed")
        given = _pooled(found, effects.HOLDS_GIVEN_AGREED)
        best = holds["p_best"].idxmax()
        n_sc = int(holds["scenarios"].iloc[0])
        top = holds.sort_values(["p_best", "mean"], ascending=False)
        runner = top.index[1] if len(top) > 1 else None
        worst = holds["losses"].idxmax()
        ref = found.reference_design
        text = (f"**Best design: `{best}`.** Pooled over {n_sc} scenarios it has the highest "
                f"P(ceasefire holds) in {fmt(holds.loc[best, 'p_best'], 'pct')} of resamples "
                f"(P(best)) and in {int(holds.loc[best, 'wins'])} of {n_sc} scenarios")
        if runner is not None and holds.loc[runner, "p_best"] >= 0.05:
            text += (f"; next `{runner}` (P(best) {fmt(holds.loc[runner, 'p_best'], 'pct')})")
        text += (f". `{worst}` is lowest in {int(holds.loc[worst, 'losses'])} of {n_sc}"
                 + (" (the reference)" if worst == ref else "") + ".")
        lines += [text, ""]
        lines += _backstop_sentence(found)
        head = ["Design", "P(holds)", "P(best)", "Regret: median (90th pct.)", "P(agreed)",
                "P(holds ∣ agreed)"]
        lines += ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
        for d in top.index:
            mark = " (ref.)" if d == ref else ""
            lines.append(
                f"| `{d}`{mark} | {fmt(holds.loc[d, 'mean'], 'pct')} | "
                f"{fmt(holds.loc[d, 'p_best'], 'pct')} | "
                f"{fmt(holds.loc[d, 'regret_median'], 'pts')} "
                f"({fmt(holds.loc[d, 'regret_p90'], 'pts')}) pts | "
                f"{fmt(agreed.loc[d, 'mean'], 'pct')} | {fmt(given.loc[d, 'mean'], 'pct')} |")
        lines.append("")
        reps = int(holds["replicates"].iloc[0])
    else:
        t = cmp.table
        holds = t[("holds", "mean")]
        agreed = t[("ceasefire_agreed", "mean")]
        top, low = holds.idxmax(), holds.idxmin()
        if top != low:
            lines += [f"**A ceasefire holds most often in `{top}`** "
                      f"({fmt(holds[top], 'pct')} of runs at the horizon; agreed in "
                      f"{fmt(agreed[top], 'pct')}) **and least often in `{low}`** "
                      f"({fmt(holds[low], 'pct')}; agreed in {fmt(agreed[low], 'pct')}). "
                      "Paired effects against the reference follow.", ""]
        else:
            lines += [f"**No scenario stands out:** a ceasefire holds at the horizon in "
                      f"{fmt(holds[top], 'pct')} of runs in every scenario (agreed in "
                      f"{fmt(agreed.min(), 'pct')} to {fmt(agreed.max(), 'pct')}). "
                      "Paired effects against the reference follow.", ""]
        lines += _backstop_sentence(found)
        reps = len(next(iter(cmp.results.values())).seeds)
    post = next((r.posterior for r in cmp.results.values() if r.posterior is not None), None)
    if not found.rankings.empty:
        sure = (f"**How sure.** {reps} paired runs per cell; P(best) and regret come from "
                f"{int(found.rankings['resamples'].iloc[0]):,} resamples of them, intervals "
                "are 90%")
    else:
        sure = f"**How sure.** {reps} paired runs per scenario; intervals are 90%"
    sure += (f"; every run drew its parameters from the posterior `{post.label}`, so both "
             "cover parameter uncertainty." if post is not None else
             ". They cover the randomness of runs, not parameter uncertainty (the "
             "parameters were fixed; drop `--fixed-parameters` to draw them from the posterior).")
    lines += [sure, ""]
    flip = _flip_sentence(found)
    if flip:
        lines += [flip, ""]
    return lines


def _backstop_sentence(found: Assessment) -> list[str]:
    b = found.backstop
    if b.empty:
        return []
    parts = []
    for (a, ref), g in b.groupby(["compared", "reference"], sort=False):
        g = g.set_index("outcome")
        ag, hg = g.loc["ceasefire_agreed"], g.loc[effects.HOLDS_GIVEN_AGREED]
        parts.append(f"`{a}` against `{ref}`: P(agreed) {fmt(ag.value, 'pts', True)} points "
                     f"({interval(ag.lo, ag.hi, 'pts')}), P(holds ∣ agreed) "
                     f"{fmt(hg.value, 'pts', True)} ({interval(hg.lo, hg.hi, 'pts')})")
    design = f" (design `{found.reference_design}`)" if found.reference_design else ""
    return [f"**What the US backstop changes**{design}, paired on the same seeds, 90% "
            "intervals — " + "; ".join(parts) + ".", ""]


def _flip_sentence(found: Assessment) -> str:
    parts = []
    o = found.objection
    if o is not None and len(o):
        best = {lv: g.loc[g["holds"].idxmax()] for lv, g in o.groupby("level", sort=False)}
        if len({r.design for r in best.values()}) == 1:
            parts.append(f"`{best['default'].design}` stays best on P(holds) at low, default "
                         "and high Russian objection to foreign troops")
        else:
            parts.append("Russian objection to foreign troops (`russia.troop_hostility` "
                         + ", ".join(f"{fmt(r.value, 'num')}: `{r.design}`"
                                     for r in best.values()) + ") changes the best design")
    e = found.knife_edges
    if e is not None and len(e):
        big = e.loc[e["jump"].abs().idxmax()]
        threshold = found.max_jump
        if bool(e["knife_edge"].any()):
            parts.append(f"a ±{fmt(found.step, 'pct')} move of `{big.param}` shifts "
                         f"{outcomes.per_run(big.outcome).label} by "
                         f"{fmt(abs(big.jump), 'pts')} points: a knife edge")
        elif abs(big.jump) >= found.near_miss * threshold:
            parts.append(f"no small move passes the {fmt(threshold, 'pts')}-point knife-edge "
                         f"threshold, but `{big.param}` comes near ({fmt(abs(big.jump), 'pts')} "
                         "points)")
        else:
            parts.append(f"no ±{fmt(found.step, 'pct')} move changes P(agreed) or P(holds) by "
                         f"more than {fmt(abs(big.jump), 'pts')} points")
    if not parts:
        return ""
    text = "; ".join(parts)
    return "**What could flip it.** " + text[0].upper() + text[1:] + "."


def question_line(cmp: Comparison, found: Assessment, hypothetical: Sequence[str]) -> list[str]:
    """One line under the title: what was compared, how, and what is assumed without a
    source."""
    n = {len(r.seeds) for r in cmp.results.values()}
    reps = f"{n.pop()} replicates" if len(n) == 1 else "varying replicates"
    if cmp.cells:
        what = (f"{len({sc for sc, _ in cmp.cells.values()})} scenarios × "
                f"{len({d for _, d in cmp.cells.values()})} force designs")
        against = f"reference design `{found.reference_design}`"
    else:
        what, against = f"{len(cmp.names)} scenarios", f"reference `{found.ref_label}`"
    text = (f"*{what}, {reps} each on the same seeds (common random numbers); effects are paired "
            f"against the {against}; every interval is 90%.*")
    if hypothetical:
        text += f" **Hypothetical** (no source states these): {'; '.join(hypothetical)}."
    return [text, ""]


def designs_section(cmp: Comparison, found: Assessment, out: Path, written: list[Path],
                    formats: Sequence[str]) -> list[str]:
    """The design × scenario grid: designs.png (small multiples with intervals, the reference
    marked) and design_grid.csv."""
    if not cmp.cells:
        return []
    t = cmp.table
    rows = [{"scenario": sc, "design": d, "outcome": o, "mean": t.loc[label, (o, "mean")],
             "lo": t.loc[label, (o, "lo")], "hi": t.loc[label, (o, "hi")]}
            for label, (sc, d) in cmp.cells.items() for o in outcomes.roles("design_grid")]
    grid = pd.DataFrame(rows)
    written += io.write_table(grid, out / "design_grid")
    n = {len(r.seeds) for r in cmp.results.values()}
    fig = fg.design_panels(grid, [o for o in DESIGN_PANELS if o in set(grid.outcome)],
                           found.reference_design, n.pop() if len(n) == 1 else None)
    written += io.save_figure(fig, out / "designs", formats)
    fg.close(fig)
    return ["## The designs across scenarios", "",
            "![Each design's mean and 90% interval per scenario, by outcome; the reference "
            "design in black](designs.png)", "",
            "*Table: `design_grid.csv`; per-scenario rankings with P(best) and regret: "
            "`verdict.csv`.*", ""]


def stages_section(found: Assessment, out: Path, written: list[Path]) -> list[str]:
    """Each design against the reference design in the reference scenario, at the agreement
    stage and the deterrence stage (all scenarios: effects.csv and the appendix)."""
    table = found.effects
    if table.empty:
        return []
    written += io.write_table(table, out / "effects")
    if found.reference_design is None:
        sel = table
        title = f"## Effects against `{found.ref_label}`"
    else:
        sel = table[table["reference"] == found.ref_label]
        title = f"## Agreement and deterrence in `{found.reference_scenario}`"
    keep = [o for o, _, _ in STAGE_OUTCOMES]
    sel = sel[sel["outcome"].isin(keep)]
    if sel.empty:
        return []
    head = ["Against the reference", "P(agreed) (agreement)", "P(holds ∣ agreed) (deterrence)",
            "Broken per 100 ceasefire-months (deterrence)"]
    lines = [title, "",
             "Paired difference (compared − reference) and 90% bootstrap interval; *≈0*: the "
             "interval includes zero. Every scenario: `effects.csv` and the appendix.", "",
             "| " + " | ".join(head) + " |", "|---|--:|--:|--:|"]
    for name, g in sel.groupby("compared", sort=False):
        g = g.set_index("outcome")
        cells = []
        for o, _, kind in STAGE_OUTCOMES:
            if o not in g.index:
                cells.append("–")
                continue
            r = g.loc[o]
            unit = " pts" if kind == "pts" else ""
            text = f"{fmt(r.value, kind, True)}{unit} ({interval(r.lo, r.hi, kind)})"
            cells.append(f"*{text} ≈0*" if r.includes_zero else text)
        label = name.split(" × ")[-1] if found.reference_design else name
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def backstop_section(found: Assessment, out: Path, written: list[Path]) -> list[str]:
    """The US-backstop ladder at both stages (backstop.csv)."""
    b = found.backstop
    if b.empty:
        return []
    written += io.write_table(b, out / "backstop")
    lines = ["## What the US backstop changes", "",
             "The same seeds under a full US backstop, the vague backstop of September 2025 and "
             "US withdrawal; paired differences with 90% intervals. Table: `backstop.csv`.", "",
             "| Compared | Against | Stage | Outcome | Difference (90% interval) |",
             "|---|---|---|---|--:|"]
    for r in b.itertuples():
        kind = "2f" if r.outcome == effects.RATE else "pts"
        unit = " pts" if kind == "pts" else ""
        lines.append(f"| `{r.compared}` | `{r.reference}` | {r.stage} | {r.label} | "
                     f"{fmt(r.value, kind, True)}{unit} ({interval(r.lo, r.hi, kind)}) |")
    return [*lines, ""]


def objection_section(found: Assessment, out: Path, written: list[Path]) -> list[str]:
    """The designs at low, default and high Russian objection to foreign troops."""
    o = found.objection
    if o is None or o.empty:
        return []
    written += io.write_table(o, out / "objection")
    levels = list(dict.fromkeys(o["level"]))
    values = {lv: o[o.level == lv]["value"].iloc[0] for lv in levels}
    head = ["Design", *(f"P(holds), {lv} ({fmt(values[lv], 'num')})" for lv in levels)]
    lines = [f"## Russia's objection to foreign troops (`{found.reference_scenario}`)", "",
             "`russia.troop_hostility` (an assumption graded `direction`) at the low end, the "
             "design's own value and the high end of its range; the same seeds. Table: "
             "`objection.csv`.", "",
             "| " + " | ".join(head) + " |", "|---|" + "--:|" * len(levels)]
    for d, g in o.groupby("design", sort=False):
        g = g.set_index("level")
        lines.append(f"| `{d}` | " + " | ".join(fmt(g.loc[lv, "holds"], "pct")
                                               for lv in levels) + " |")
    best = {lv: o[o.level == lv].set_index("design")["holds"].idxmax() for lv in levels}
    worst = {lv: o[o.level == lv].set_index("design")["holds"].idxmin() for lv in levels}
    survive = []
    if len(set(best.values())) == 1:
        survive.append(f"`{best[levels[0]]}` is best at every level")
    else:
        survive.append("the best design changes: " + ", ".join(f"{lv} `{d}`"
                                                               for lv, d in best.items()))
    if len(set(worst.values())) == 1:
        survive.append(f"`{worst[levels[0]]}` is worst at every level")
    lines += ["", "Across the three: " + "; ".join(survive) + ".", ""]
    return lines


def drivers_section(found: Assessment, out: Path, written: list[Path]) -> list[str]:
    """Morris screening (top three per outcome) and knife edges, with near misses, of the
    reference run."""
    morris, edges = found.morris, found.knife_edges
    if edges is None:
        return []
    lines = [f"## What drives the answer in `{found.ref_label}`", ""]
    if found.screening_note:
        lines += [found.screening_note, ""]
    if morris is not None:
        written += io.write_table(morris, out / "screening")
        lines += ["Morris screening (SALib; 8 trajectories over each documented range, 16 "
                  "replicates per point): the three parameters that move each outcome most "
                  "(μ*, in the outcome's unit) and their evidence grade. Table: "
                  "`screening.csv`.", "", "| Outcome | Most influential (μ*, grade) |",
                  "|---|---|"]
        for k in dict.fromkeys(morris["outcome"]):
            top = morris[morris["outcome"] == k].sort_values("mu_star", ascending=False).head(3)
            o = outcomes.per_run(k)
            kind = "int" if o.unit == "troops" else "2f"
            cells = "; ".join(f"`{r.param}` {fmt(r.mu_star, kind)} ({r.grade})"
                              for r in top.itertuples())
            lines.append(f"| {o.label} | {cells} |")
        lines.append("")
    edges = edges.assign(threshold=found.max_jump,
                         near_miss=(~edges["knife_edge"])
                         & (edges["jump"].abs() >= found.near_miss * found.max_jump))
    written += io.write_table(edges, out / "knife_edges")
    flagged = edges[edges["knife_edge"]]
    near = edges[edges["near_miss"]]
    biggest = edges["jump"].abs().max()
    text = (f"**Knife edges.** Every parameter moved by ±{fmt(found.step, 'pct')} of its "
            f"range, one at a time (100 runs per move, the same seeds): ")
    if flagged.empty:
        text += (f"none changes P(agreed) or P(holds) by more than "
                 f"{fmt(found.max_jump, 'pts')} points (largest {fmt(biggest, 'pts')}).")
    else:
        text += ("these change a key outcome by more than "
                 f"{fmt(found.max_jump, 'pts')} points: "
                 + "; ".join(f"`{r.param}` {r.base_value:g} → {r.value:g}: "
                             f"{outcomes.per_run(r.outcome).label} {fmt(r.base, 'pct')} → "
                             f"{fmt(r.moved, 'pct')}" for r in flagged.itertuples()) + ".")
    if not near.empty:
        text += (f" Near misses (at least {fmt(found.near_miss, 'pct')} of the threshold): "
                 + names(sorted(set(near["param"]))) + ".")
    return [*lines, text + " Table: `knife_edges.csv`.", ""]


def trajectories_section(cmp: Comparison, found: Assessment, out: Path, written: list[Path],
                         formats: Sequence[str]) -> list[str]:
    """comparison.png: small multiples over the months (a panel per scenario, a line per
    design), or the outcome panels of a comparison without designs."""
    bands = cmp.bands()
    written += io.write_table(bands, out / "trajectories")
    if cmp.cells:
        b = bands.assign(design=[cmp.cells[s][1] for s in bands["scenario"]],
                         scenario=[cmp.cells[s][0] for s in bands["scenario"]])
        fig = fg.design_trajectories(b, "ceasefire_in_force", found.reference_design)
        caption = ("Share of runs with a ceasefire in force, month by month, per scenario and "
                   "design (mean and 90% band; the reference design in black)")
    else:
        reqs = {r.scenario.parameters.design.ground_troops for r in cmp.results.values()}
        fig = fg.trajectories(bands, reqs.pop() if len(reqs) == 1 else None)
        caption = ("Troops pledged and deployed, deterrence, ceasefire and Russian growth per "
                   "scenario: mean and 90% band over replicates")
    written += io.save_figure(fig, out / "comparison", formats)
    fg.close(fig)
    return ["## Month by month", "", f"![{caption}](comparison.png)", "",
            "*Table: `trajectories.csv`.*", ""]
