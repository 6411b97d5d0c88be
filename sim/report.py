"""Output folders: tables, figures, manifest for one run; the Markdown comparison report.

The comparison report opens with the comparison figure, then the table (mean and 90%
interval), then paragraphs generated from the numbers that say what differs and why.
"""

from __future__ import annotations

import hashlib
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim import figures as fg
from sim import io, outcomes, stats
from sim.api import Comparison, RunResult, scenario_hash
from sim.parameters import MODES, flatten
from sim.scenario.designs import load_design
from sim.scenario.schema import Scenario
from sim.version import project_version

MANIFEST_VERSION = 1


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
    sc = result.scenario
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "kind": "run",
        "project": {"name": "coalition-sim", "version": project_version()},
        "scenario": {"name": sc.name, "content_sha256": scenario_hash(sc),
                     "resolved": sc.model_dump(mode="json")},
        "overrides": result.overrides,
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
sim/outcomes.py)."""


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
    us = {n: float(r.steps["us_backstop"].mean()) if "us_backstop" in r.steps else np.nan
          for n, r in cmp.results.items()}
    us_s = pd.Series(us)
    if len(t) >= 3 and us_s.notna().sum() >= 3 and us_s.nunique() > 1:
        rho_t = us_s.rank().corr(troops.rank())
        rho_d = us_s.rank().corr(t[("deterrence", "mean")].rank())
        strong, weak = us_s.idxmax(), us_s.idxmin()
        direction = "more" if rho_t > 0 else "fewer"
        paras.append(
            f"**The US backstop drives it.** Across the scenarios, the rank correlation between "
            f"the announced US backstop (mean over months and runs) and the troops pledged "
            f"is {rho_t:+.2f}, and with deterrence {rho_d:+.2f}: a stronger backstop brings "
            f"{direction} troops. The backstop is strongest in `{strong}` ({us[strong]:.2f}) "
            f"and weakest in `{weak}` ({us[weak]:.2f}), where ground troops average "
            f"{troops[strong]:,.0f} and {troops[weak]:,.0f}. In the model, European states "
            f"weigh the perceived US backstop in their assurance for ground, air and sea "
            f"presence, so states whose thresholds sit near that margin tip in or out with it.")
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


def command_line(cmp: Comparison, reps: str) -> str:
    """The ``coalition-sim compare`` command that repeats ``cmp``."""
    if not cmp.cells:
        return f"coalition-sim compare {' '.join(cmp.names)} --replicates {reps}"
    scenarios = " ".join(dict.fromkeys(sc for sc, _ in cmp.cells.values()))
    designs = ",".join(dict.fromkeys(d for _, d in cmp.cells.values()))
    return f"coalition-sim compare {scenarios} --replicates {reps} --designs {designs}"


def write_comparison(cmp: Comparison, out: Path) -> Path:
    """report.md, figures (PNG, SVG), tables (Parquet, CSV) and manifest.json in ``out``."""
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
    n = {len(r.seeds) for r in cmp.results.values()}
    reps = f"{n.pop()}" if len(n) == 1 else "varying numbers of"
    text = [
        "# Coalition scenarios compared",
        "",
        "![Troops pledged and deployed, deterrence, ceasefire and Russian growth, per "
        "scenario: mean and 90% band over replicates](comparison.png)",
        "",
        f"*Mean (line) and 90% band (5th–95th percentile over {reps} replicates) per month. "
        f"Troops: pledged (solid), deployed (dashed); dotted line: the ground troops the "
        f"design asks for.*",
        "",
        *designs,
        "## Outcomes at the horizon",
        "",
        "Each cell: mean over replicates, with the 90% interval below it (5th–95th "
        "percentile; for probabilities, the 90% Wilson interval of the estimate).",
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
        "*Share of runs in which each state commits at the horizon: ground troops (left), "
        "any ground, air or sea presence (right). Blank: never; a state missing from a "
        "scenario's world has no cell.*",
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
    }
    io.write_manifest(out, manifest)
    return report


__all__ = ["findings", "markdown_table", "write_comparison", "write_run"]
