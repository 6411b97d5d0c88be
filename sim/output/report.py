"""Output folders: tables, figures, manifest for one run; the Markdown comparison report.

The comparison report opens with the comparison figure, then the table (mean and 90%
interval), then paragraphs generated from the numbers that say what differs and why.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import pandas as pd

from sim.analysis import effects, observations, screening, stats
from sim.api import Comparison, RunResult, hypotheticals, scenario_hash
from sim.model import outcomes
from sim.model.parameters import MODES, flatten
from sim.output import figures as fg
from sim.output import io
from sim.output.outdir import sha256_file  # streamed: a states CSV may be gigabytes
from sim.scenario.designs import load_design
from sim.scenario.schema import Scenario
from sim.util.version import project_version

MANIFEST_VERSION = 1


# --- one run -------------------------------------------------------------------------------

def write_run(result: RunResult, out: Path, figures: bool = True,
              argv: list[str] | None = None) -> list[Path]:
    """steps/summary/states/log tables (Parquet + CSV), figures and manifest.json in ``out``."""
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    written += io.write_table(result.summary, out / "summary")
    if len(result.steps):
        written += io.write_table(result.steps, out / "steps")
    written += io.write_table(result.states, out / "states")
    written += io.write_table(result.log, out / "events")
    if figures and len(result.steps):
        b = stats.bands(result.steps, outcomes.COMPARE_BANDS)
        b.insert(0, "scenario", result.name)
        fig = fg.trajectories(b, result.scenario.parameters.design.ground_troops,
                              title=f"{result.name}: mean and 90% band over "
                                    f"{len(result.seeds)} replicates")
        written += io.save_figure(fig, out / "trajectories")
        fg.close(fig)
        fig = fg.modes_over_time(result.steps, MODES)
        written += io.save_figure(fig, out / "modes")
        fg.close(fig)
    record = observations.check(result.scenario, replicates=len(result.seeds),
                                posterior=result.posterior)
    if len(record):
        written += io.write_table(record, out / "observations")
        if figures and len(result.steps):
            names = [o.outcome for o in observations.for_scenario(result.scenario) if o.outcome]
            b = stats.bands(result.steps, list(dict.fromkeys(names)))
            fig = fg.observations(b, record, result.scenario, len(result.seeds))
            written += io.save_figure(fig, out / "observations")
            fg.close(fig)
    if result.posterior is not None:
        written += io.write_table(result.uncertainty(), out / "uncertainty")
    sc = result.scenario
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "kind": "run",
        "project": {"name": "coalition-sim", "version": project_version()},
        "scenario": {"name": sc.name, "content_sha256": scenario_hash(sc),
                     "resolved": sc.model_dump(mode="json"),
                     "written_parameters": sorted(sc.written_parameters)},
        "overrides": result.overrides,
        "hypotheticals": hypotheticals(sc),
        "observations": ({"covered": int(record["covered"].sum()), "of": len(record),
                          "not_covered": list(record.loc[~record["covered"], "id"])}
                         if len(record) else None),
        "summary_only": not len(result.steps),
        "parameters": flatten(sc.parameters),
        "seeds": {"base": sc.seed, "replicates": sc.replicates,
                  "rule": "replicate i uses seed base + i",
                  "first": int(result.seeds[0]), "last": int(result.seeds[-1])},
        "dependencies": io.dependency_versions(),
        "platform": platform.platform(),
        "command": argv if argv is not None else sys.argv,
        "timings_s": {**result.timings, "write_s": round(time.perf_counter() - t0, 4)},
        "outputs": {p.name: sha256_file(p) for p in written
                    if p.suffix in (".parquet", ".csv")},
        **({"posterior": result.posterior.record(result.posterior.drawn_names(sc))}
           if result.posterior is not None else {}),
    }
    written.append(io.write_manifest(out, manifest))
    return written


# --- comparison ----------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, str], ...] = (
    ("pledged_troops", "int"),
    ("deployed_troops", "int"),
    ("enabler_gap", "2f"),
    ("presence_states", "num"),
    *((f"n_{m}", "num") for m in MODES),
    ("deterrence", "2f"),
    ("ceasefire_agreed", "pct"),
    ("breakdowns", "2f"),
    ("holds", "pct"),
    ("growth", "1f"),
    ("ukraine_strength", "2f"),
)
"""Per-run outcomes shown in the report's table, with their number format (labels come from
sim/model/outcomes.py)."""


def _fmt(x: float, kind: str) -> str:
    if x != x:
        return "–"
    if kind == "int":
        return f"{x:,.0f}"
    if kind == "pct":
        return f"{100 * x:.0f}%"
    if kind == "num":
        return f"{x:.1f}"
    return f"{x:.{kind[0]}f}"


def markdown_table(table: pd.DataFrame) -> str:
    """The comparison table in Markdown: mean with the 90% interval below it."""
    head = ["Scenario", *(outcomes.per_run(key).label for key, _ in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["--:"] * len(COLUMNS))
             + "|"]
    for name, row in table.iterrows():
        cells = [f"`{name}`"]
        for key, kind in COLUMNS:
            m, lo, hi = row[(key, "mean")], row[(key, "lo")], row[(key, "hi")]
            cells.append(f"{_fmt(m, kind)}<br><small>{_fmt(lo, kind)}–{_fmt(hi, kind)}</small>")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _list(names: list[str]) -> str:
    names = [f"`{n}`" for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
            return f"{_fmt(x0, kind)} → {_fmt(x1, kind)}"

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
    paras.append(
        f"**Pledged and deployed.** Troops are pledged through the cascade but deploy only "
        f"after a ceasefire, after the design's lead time, and only as far as enablers allow. "
        f"The most troops are pledged in `{best}` ({troops[best]:,.0f} on average, against "
        f"{ask[best]:,.0f} asked) and the fewest in `{worst}` ({troops[worst]:,.0f}); at the "
        f"horizon {deployed[best]:,.0f} and {deployed[worst]:,.0f} are deployed. The enabler "
        f"gap is widest in `{gap.idxmax()}` ({gap.max():.0%} of the need uncovered) and "
        f"narrowest in `{gap.idxmin()}` ({gap.min():.0%}).")
    ground = cmp.shares("ground")
    if ground.shape[1] >= 2:
        hi_, lo_ = ground.max(axis=1), ground.min(axis=1)
        tip = ground[(hi_ >= 0.5) & (lo_ < 0.5)]
        always = ground[lo_ >= 0.5].index.tolist()
        never = ground[hi_ < 0.05].index.tolist()
        parts = []
        if always:
            parts.append(f"{_list(always)} commit ground troops in most runs of every scenario")
        if len(tip):
            groups: dict[tuple[str, ...], list[str]] = {}
            for code, row in tip.iterrows():
                groups.setdefault(tuple(n for n in row.index if row[n] >= 0.5), []).append(code)
            desc = [f"in {_list(list(k))}: {', '.join(v)}" for k, v in groups.items()]
            parts.append("these states tip into committing ground troops only in some "
                         "scenarios — " + "; ".join(desc))
        if never:
            parts.append(f"{len(never)} states never send ground troops in any scenario "
                         f"(among them {', '.join(never[:6])})")
        if parts:
            paras.append("**Which states tip.** " + "; ".join(parts) + ".")
    cf = t[("ceasefire_agreed", "mean")]
    vi = t[("breakdowns", "mean")]
    top = cf.idxmax()
    text = (f"**Ceasefire.** A ceasefire within the horizon is most likely in `{top}` "
            f"({cf[top]:.0%} of runs) and least likely in `{cf.idxmin()}` "
            f"({cf[cf.idxmin()]:.0%}).")
    months = t[("ceasefire_months", "mean")]
    at_risk = [n for n in t.index if months[n] > 0]
    if at_risk:
        rate = {n: 100.0 * vi[n] / months[n] for n in at_risk}
        worst_v, best_v = max(rate, key=rate.get), min(rate, key=rate.get)
        text += (f" Per 100 months of ceasefire (the months at risk), Russia breaks one "
                 f"{rate[worst_v]:.1f} times in `{worst_v}` and {rate[best_v]:.1f} times in "
                 f"`{best_v}`: it weighs a violation against the deterrence it faces (mean "
                 f"deterrence {t.loc[worst_v, ('deterrence', 'mean')]:.2f} and "
                 f"{t.loc[best_v, ('deterrence', 'mean')]:.2f}), and the hazard falls as a "
                 f"ceasefire ages.")
    never = [n for n in t.index if cf[n] == 0]
    if never:
        text += (f" No ceasefire is agreed in {_list(never)}: Russia's willingness stays too "
                 f"low there (too little economic pain or US pressure against its battlefield "
                 f"prospects).")
    paras.append(text)
    g = t[("growth", "mean")]
    pr = t[("pressure", "mean")]
    paras.append(
        f"**Russian economy.** Growth at the horizon is lowest in `{g.idxmin()}` "
        f"({g.min():.1f}% a year, sanctions pressure {pr[g.idxmin()]:.2f}) and highest in "
        f"`{g.idxmax()}` ({g.max():.1f}%, pressure {pr[g.idxmax()]:.2f}); sanctions pressure "
        f"and high interest rates pull growth from about 4% towards stagnation.")
    paras += contrasts(cmp)
    events = {n: r.log for n, r in cmp.results.items() if len(r.log)}
    if events:
        lines = [f"`{n}`: " + "; ".join(f"month {m} ({d}) {note.rstrip('.')}" for m, d, note in
                                        log[["month", "date", "note"]].itertuples(index=False))
                 for n, log in events.items()]
        paras.append("**Timelines.** " + " ".join(line.rstrip(".") + "." for line in lines))
    return paras


DESIGN_OUTCOMES: tuple[str, ...] = ("ceasefire_agreed", "holds", "deterrence_avg",
                                    "deployed_troops", "enabler_gap", "breakdowns")
"""Per-run outcomes of the design × scenario grid."""


def design_section(cmp: Comparison, out: Path, written: list[Path]) -> list[str]:
    """The design × scenario table, grid figure and paragraph (empty without designs)."""
    if not cmp.cells:
        return []
    grids = {o: cmp.design_grid(o) for o in DESIGN_OUTCOMES}
    rows = []
    for (label, (scenario, design)) in cmp.cells.items():
        for o in DESIGN_OUTCOMES:
            rows.append({"scenario": scenario, "design": design, "outcome": o,
                         "mean": cmp.table.loc[label, (o, "mean")],
                         "lo": cmp.table.loc[label, (o, "lo")],
                         "hi": cmp.table.loc[label, (o, "hi")]})
    written += io.write_table(pd.DataFrame(rows), out / "design_grid")
    n = {len(r.seeds) for r in cmp.results.values()}
    fig = fg.design_grid(grids, n.pop() if len(n) == 1 else None)
    written += io.save_figure(fig, out / "designs")
    fg.close(fig)
    agreed, holds = grids["ceasefire_agreed"], grids["holds"]
    best_holds = holds.idxmax(axis=1)
    lines = [f"- `{sc}`: ceasefire held at the horizon most often with "
             f"`{best_holds[sc]}` ({holds.loc[sc, best_holds[sc]]:.0%}), least often with "
             f"`{holds.loc[sc].idxmin()}` ({holds.loc[sc].min():.0%}); agreed most often with "
             f"`{agreed.loc[sc].idxmax()}` ({agreed.loc[sc].max():.0%})."
             for sc in holds.index]
    labels = {d: load_design(d) for d in holds.columns}
    legend = [f"`{d}`: {x.label}" + (" — hypothetical" if x.hypothetical else "")
              for d, x in labels.items()]
    return [
        "## Force designs compared",
        "",
        "![Design × scenario: P(ceasefire agreed), P(holds), mean deterrence, troops deployed, "
        "enabler gap and breakdowns](designs.png)",
        "",
        "*Every design runs with the same seeds in each scenario (common random numbers). "
        "Table: `design_grid.csv` (mean and 90% interval of each cell).*",
        "",
        *lines,
        "",
        "Designs: " + "; ".join(legend) + ".",
        "",
    ]


KEY_FOR_SCREENING: tuple[str, ...] = ("ceasefire_agreed", "holds", "deterrence_avg",
                                      "deployed_troops")
"""Outcomes the report screens (Morris) and checks for knife edges."""


def _effect_cell(row: pd.Series) -> str:
    v, lo, hi = row["value"], row["lo"], row["hi"]
    if row["kind"] == "probability":
        text = f"{v * 100:+.0f} pts<br><small>{lo * 100:+.0f} to {hi * 100:+.0f}</small>"
    elif row["unit"] == "troops":
        text = f"{v:+,.0f}<br><small>{lo:+,.0f} to {hi:+,.0f}</small>"
    else:
        text = f"{v:+.2f}<br><small>{lo:+.2f} to {hi:+.2f}</small>"
    return f"*{text} (≈0)*" if row["includes_zero"] else text


def effects_section(cmp: Comparison, reference: str | None, written: list[Path],
                    out: Path) -> tuple[list[str], str]:
    """The question and the paired differences against the reference; returns the lines and
    the reference's label."""
    table = effects.effects(cmp, reference)
    refs = effects.references(cmp, reference)
    ref_label = next(iter(refs.values())) if refs else cmp.names[0]
    _, constant = effects.varying(cmp, effects.KEY_OUTCOMES)
    n = {len(r.seeds) for r in cmp.results.values()}
    reps = n.pop() if len(n) == 1 else None
    what = (f"{len({sc for sc, _ in cmp.cells.values()})} scenarios × "
            f"{len({d for _, d in cmp.cells.values()})} force designs" if cmp.cells
            else f"{len(cmp.names)} scenarios")
    against = ("within each scenario, every design against the reference design "
               f"`{ref_label.split(' × ')[-1]}`" if cmp.cells
               else f"every scenario against the reference `{ref_label}`")
    lines = [
        f"**The question.** This report compares {what}"
        + (f" over {reps} replicates each" if reps else "")
        + f", {against}: what does each change in the chance that a ceasefire is agreed and "
        "holds, in how often Russia breaks one (per 100 months of ceasefire, the months at "
        "risk), in deterrence, in the troops actually deployed, in the states pledging and in "
        "Russian growth — and how sure are we? Each comparison is paired run by run (the same "
        "seeds meet the same random numbers), with a 90% bootstrap interval; where the "
        "interval includes zero the report says no effect is detectable with these runs.",
        "",
    ]
    where: dict[str, list[str]] = {}
    for name, r in cmp.results.items():
        for h in hypotheticals(r.scenario):
            where.setdefault(h.rstrip(". "), []).append(name)
    assumed = [f"{h} (in {_list(names) if len(names) <= 3 else f'{len(names)} compared runs'})"
               for h, names in where.items()]
    if assumed:
        lines[-2] += (" **Hypothetical** (no source states these; they are the modeller's "
                      "assumptions): " + "; ".join(assumed) + ".")
    if table.empty:
        return lines + ["Only one scenario is compared: there is no effect to state.", ""], \
            ref_label
    written += io.write_table(table, out / "effects")
    order = list(dict.fromkeys(table["outcome"]))
    head = [effects.RATE_LABEL if o == effects.RATE else outcomes.per_run(o).label
            for o in order]
    rows = ["| Compared with its reference | " + " | ".join(head) + " |",
            "|---|" + "--:|" * len(order)]
    for name, g in table.groupby("compared", sort=False):
        cells = {r["outcome"]: _effect_cell(r) for _, r in g.iterrows()}
        rows.append(f"| `{name}` | " + " | ".join(cells.get(o, "–") for o in order) + " |")
    lines += [f"## Effects against `{ref_label}`" if not cmp.cells else
              "## Effects of each design against the reference design", "",
              "Mean paired difference (compared − reference), 90% bootstrap interval below; "
              "*italic (≈0)*: the interval includes zero. Table: `effects.csv`.", "",
              *rows, ""]
    words = []
    for name, g in table.groupby("compared", sort=False):
        key = g[g["outcome"].isin(["ceasefire_agreed", "holds", effects.RATE])]
        parts = [effects.describe_effect(r) for _, r in key.iterrows()]
        if parts:
            words.append(f"- `{name}` against `{g['reference'].iloc[0]}`: " + "; ".join(parts)
                         + ".")
    lines += words + [""]
    if constant:
        lines += ["Left out because they do not vary across the compared runs: "
                  + ", ".join(outcomes.per_run(k).label for k in constant) + ".", ""]
    return lines, ref_label


def screening_section(cmp: Comparison, ref_label: str, written: list[Path],
                      out: Path) -> list[str]:
    """Morris screening and knife-edge scan around the reference run."""
    sc = cmp.results[ref_label].scenario
    lines = [f"## What drives the key outcomes in `{ref_label}`", ""]
    try:
        morris = screening.morris_screen(sc, KEY_FOR_SCREENING)
    except ImportError:  # SALib is in the optional "analysis" extra
        lines += ["Screening skipped: install the `analysis` extra (SALib) to rank "
                  "parameters.", ""]
        morris = None
    if morris is not None:
        written += io.write_table(morris, out / "screening")
        lines += ["A quick Morris screening (SALib; 8 trajectories over every parameter's "
                  "documented range, 16 replicates per point) ranks which parameters move each "
                  "key outcome most (μ*: mean absolute elementary effect, in the outcome's "
                  "unit), with each parameter's evidence grade. A parameter graded "
                  "`assumption` near the top is where better evidence would matter most. "
                  "Table: `screening.csv`.", "",
                  "| outcome | most influential parameters (μ*, grade) |", "|---|---|"]
        for k in KEY_FOR_SCREENING:
            top = morris[morris["outcome"] == k].sort_values("mu_star", ascending=False).head(5)
            o = outcomes.per_run(k)
            fmt = (lambda x: f"{x:,.0f}") if o.unit == "troops" else (lambda x: f"{x:.2f}")
            cells = "; ".join(f"`{r.param}` {fmt(r.mu_star)} ({r.grade})"
                              for r in top.itertuples())
            lines.append(f"| {o.label} ({o.unit}) | {cells} |")
        lines.append("")
    edges = screening.knife_edges(sc, ("ceasefire_agreed", "holds"), replicates=100)
    flagged = edges[edges["knife_edge"]]
    written += io.write_table(edges, out / "knife_edges")
    lines += ["## Knife edges", ""]
    if flagged.empty:
        lines += [f"No single parameter moved by ±{screening.STEP:.0%} of its documented range "
                  f"changes P(ceasefire agreed) or P(holds) in `{ref_label}` by more than "
                  f"{screening.MAX_JUMP * 100:.0f} points (100 runs per move, the same seeds; "
                  f"largest change {edges['jump'].abs().max() * 100:.0f} points). Table: "
                  "`knife_edges.csv`.", ""]
    else:
        lines += [f"Small moves (±{screening.STEP:.0%} of a parameter's range) that change a key "
                  f"outcome by more than {screening.MAX_JUMP * 100:.0f} points in "
                  f"`{ref_label}`: results near these values rest on a knife edge.", ""]
        for r in flagged.itertuples():
            lines.append(f"- `{r.param}` {r.base_value:g} → {r.value:g}: "
                         f"{outcomes.per_run(r.outcome).label} {r.base:.0%} → {r.moved:.0%}")
        lines.append("")
    return lines


UNCERTAINTY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ceasefire_agreed", "2f"), ("holds", "2f"), ("deployed_troops", "int"),
    ("pledging_states", "num"), ("deterrence_avg", "2f"), ("growth", "2f"),
)
"""Outcomes whose spread the report splits into parameters and runs (with a posterior)."""


def uncertainty_section(cmp: Comparison, out: Path, written: list[Path]
                        ) -> tuple[list[str], dict | None]:
    """With a posterior: uncertainty.{csv,parquet} (every compared outcome, per scenario),
    a report section splitting key outcomes' spread into parameters and runs, and the
    manifest's record of the posterior. Without one: nothing."""
    results = {n: r for n, r in cmp.results.items() if r.posterior is not None}
    if not results:
        return [], None
    post = next(iter(results.values())).posterior
    table = pd.concat([r.uncertainty().assign(scenario=n) for n, r in results.items()],
                      ignore_index=True)
    written += io.write_table(table[["scenario", *table.columns[:-1]]], out / "uncertainty")
    drawn = {n: post.drawn_names(r.scenario) for n, r in results.items()}
    counts = sorted({len(d) for d in drawn.values()})
    how_many = (f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}")
    head = ["Scenario", *(outcomes.per_run(k).label for k, _ in UNCERTAINTY_COLUMNS)]
    lines = [
        "## Parameter uncertainty (calibrated posterior)",
        "",
        f"Every run drew {how_many} calibrated parameters from the posterior `{post.label}` "
        f"({len(post.particles):,} weighted particles; docs/calibration.md) by its seed — runs "
        "with seeds 2k and 2k+1 share a draw — and kept the values its scenario file or an "
        "override sets. So every interval in this report covers what the 2025 record leaves "
        "open about those parameters as well as the randomness of runs. Each cell: the sd over "
        "runs and, below it, the share of its variance due to the parameters (law of total "
        "variance, from the pairs of runs that share a draw); the rest is the randomness of "
        "runs. Table: `uncertainty.csv` (every compared outcome).",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["--:"] * len(UNCERTAINTY_COLUMNS)) + "|",
    ]
    for name in results:
        rows = table[table.scenario == name].set_index("outcome")
        cells = [f"`{name}`"]
        for key, kind in UNCERTAINTY_COLUMNS:
            sd, share = rows.loc[key, "sd_total"], rows.loc[key, "share_parameters"]
            cells.append(f"sd {_fmt(sd, kind)}<br><small>"
                         f"{'–' if share != share else f'{share:.0%}'} parameters</small>")
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""], post.record(drawn)


def command_line(cmp: Comparison, reps: str) -> str:
    """The ``coalition-sim compare`` command that repeats ``cmp``."""
    if not cmp.cells:
        return f"coalition-sim compare {' '.join(cmp.names)} --replicates {reps}"
    scenarios = " ".join(dict.fromkeys(sc for sc, _ in cmp.cells.values()))
    designs = ",".join(dict.fromkeys(d for _, d in cmp.cells.values()))
    return f"coalition-sim compare {scenarios} --replicates {reps} --designs {designs}"


def write_comparison(cmp: Comparison, out: Path, reference: str | None = None,
                     screen: bool = True) -> Path:
    """report.md, figures (PNG, SVG), tables (Parquet, CSV) and manifest.json in ``out``.

    ``reference`` names the scenario (or, with designs, the design) every other is compared
    with (default: the first scenario; the default design). ``screen=False`` skips the Morris
    screening and knife-edge scan (a few seconds).
    """
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    table = cmp.table
    flat = table.copy()
    flat.columns = [f"{o}_{s}" for o, s in flat.columns]
    written = io.write_table(flat.reset_index(), out / "comparison")
    matrix = cmp.matrix
    written += io.write_table(matrix.reset_index(), out / "commitment_matrix")
    bands = cmp.bands()
    written += io.write_table(bands, out / "trajectories")
    summary = pd.concat([r.summary.assign(scenario=n) for n, r in cmp.results.items()],
                        ignore_index=True)
    written += io.write_table(summary[["scenario", *summary.columns[:-1]]], out / "summary")
    reqs = {r.scenario.parameters.design.ground_troops for r in cmp.results.values()}
    fig = fg.trajectories(bands, reqs.pop() if len(reqs) == 1 else None)
    written += io.save_figure(fig, out / "comparison")
    fg.close(fig)
    ground = cmp.shares("ground")
    written += io.write_table(ground.reset_index(), out / "ground_matrix")
    fig = fg.commitment_matrix({"Ground troops at the horizon": ground,
                                "Any presence (ground, air or sea)": matrix})
    written += io.save_figure(fig, out / "commitment_matrix")
    fg.close(fig)
    designs = design_section(cmp, out, written)
    question, ref_label = effects_section(cmp, reference, written, out)
    screened = screening_section(cmp, ref_label, written, out) if screen else []
    uncertain, posterior_entry = uncertainty_section(cmp, out, written)
    n = {len(r.seeds) for r in cmp.results.values()}
    reps = f"{n.pop()}" if len(n) == 1 else "varying numbers of"
    text = [
        "# What changes the reassurance-force outcomes, and how sure we are",
        "",
        *question,
        "![Troops pledged and deployed, deterrence, ceasefire and Russian growth, per "
        "scenario: mean and 90% band over replicates](comparison.png)",
        "",
        f"*Mean (line) and 90% band (5th–95th percentile over {reps} replicates) per month. "
        f"Troops: pledged (solid), deployed (dashed); dotted line: the ground troops the "
        f"design asks for.*",
        "",
        *designs,
        *uncertain,
        *screened,
        "## Outcomes at the horizon",
        "",
        "Each cell: mean over replicates, with the 90% interval of the mean below it "
        "(Wilson's for probabilities, Student's t otherwise). Table: `comparison.csv`, which "
        "also gives the 5th–95th percentile of the runs (`_p5`, `_p95`).",
        "",
        markdown_table(table),
        "",
        "## What differs, and why",
        "",
        *(p + "\n" for p in findings(cmp)),
        "## Commitments by state",
        "",
        "![Share of runs in which each state commits ground troops (left) and any presence "
        "(right) at the horizon, per scenario](commitment_matrix.png)",
        "",
        "*Share of runs in which each state pledges at the horizon: ground troops (left), "
        "any ground, air or sea presence (right), as a percentage in every cell; a state "
        "missing from a scenario's world has a grey cell.*",
        "",
        "## Scenarios",
        "",
        *(f"- `{name}`: {r.scenario.description} Facts: "
          f"{', '.join(r.scenario.facts) or 'none cited'}." for name, r in cmp.results.items()),
        "",
        "## Reproduce",
        "",
        f"coalition-sim {project_version()}; replicate *i* of a scenario uses seed "
        "`seed + i`. Tables: `comparison.csv`, `commitment_matrix.csv`, `trajectories.csv`, "
        "`summary.csv` (and Parquet). Command: "
        f"`{command_line(cmp, reps)}`.",
        "",
    ]
    report = io.atomic_write_text(out / "report.md", "\n".join(text))
    written.append(report)
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "kind": "compare",
        "project": {"name": "coalition-sim", "version": project_version()},
        "scenarios": {n: {"content_sha256": scenario_hash(r.scenario),
                          "seed": r.scenario.seed, "replicates": r.scenario.replicates,
                          "resolved": r.scenario.model_dump(mode="json")}
                      for n, r in cmp.results.items()},
        "dependencies": io.dependency_versions(),
        "command": sys.argv,
        "timings_s": {**{n: r.timings for n, r in cmp.results.items()},
                      "report_s": round(time.perf_counter() - t0, 4)},
        "outputs": {p.name: sha256_file(p) for p in written if p.suffix in (".csv", ".parquet")},
        **({"posterior": posterior_entry} if posterior_entry else {}),
    }
    io.write_manifest(out, manifest)
    return report


__all__ = ["findings", "markdown_table", "write_comparison", "write_run"]
