"""Output folders: tables, figures, manifest for one run; the Markdown comparison report.

The comparison report opens with the comparison figure, then the table (mean and 90%
interval), then paragraphs generated from the numbers that say what differs and why.
"""

from __future__ import annotations

import html
import re
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis import stats
from sim.engine.results import Comparison, RunResult
from sim.model import outcomes
from sim.model.parameters import MODES, flatten
from sim.model.record import for_scenario
from sim.output import answer, appendix, io
from sim.output import figures as fg
from sim.output import manifest as mf
from sim.output.text import fmt, names
from sim.scenario.overrides import hypotheticals, scenario_hash
from sim.util.version import project_version

if TYPE_CHECKING:
    from sim.analysis.assess import Assessment

FIGURE_FORMATS: tuple[str, ...] = ("png",)
"""Figure formats written by default (``--svg`` adds SVG)."""


# --- one run -------------------------------------------------------------------------------

def write_run(result: RunResult, out: Path, figures: bool = True,
              argv: list[str] | None = None, record: pd.DataFrame | None = None,
              formats: Sequence[str] = FIGURE_FORMATS) -> list[Path]:
    """steps/summary/states/log tables (Parquet + CSV), figures and manifest.json in ``out``;
    ``record``: the run checked against its dated observations
    (``sim.analysis.observations.check``), written as the observations table and figure."""
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
        written += io.save_figure(fig, out / "trajectories", formats, tight=False)
        fg.close(fig)
        fig = fg.modes_over_time(result.steps, MODES)
        written += io.save_figure(fig, out / "modes", formats, tight=False)
        fg.close(fig)
    if record is None:
        record = pd.DataFrame()
    if len(record):
        written += io.write_table(record, out / "observations")
        if figures and len(result.steps):
            observed = [o.outcome for o in for_scenario(result.scenario) if o.outcome]
            b = stats.bands(result.steps, list(dict.fromkeys(observed)))
            fig = fg.observations(b, record, result.scenario, len(result.seeds))
            written += io.save_figure(fig, out / "observations", formats)
            fg.close(fig)
    if result.posterior is not None:
        written += io.write_table(result.uncertainty(), out / "uncertainty")
    sc = result.scenario
    manifest = {
        **mf.header("run", argv),
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
        "timings_s": {**result.timings, "write_s": round(time.perf_counter() - t0, 4)},
        "outputs": mf.table_hashes(written),
        "parameter_source": "fixed" if result.posterior is None else "posterior",
        **({"posterior": result.posterior.record(result.posterior.drawn_names(sc))}
           if result.posterior is not None else {}),
    }
    written.append(mf.write(out, manifest))
    return written


# --- comparison ----------------------------------------------------------------------------

UNCERTAINTY_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (k, f if (f := outcomes.per_run(k).fmt) in ("int", "num") else "2f")
    for k in outcomes.roles("uncertainty"))
"""Outcomes whose spread the report splits into parameters and runs (with a posterior), with
the format of their sd."""


def uncertainty_section(cmp: Comparison, out: Path, written: list[Path],
                        scenario: str | None = None) -> tuple[list[str], dict | None]:
    """With a posterior: uncertainty.{csv,parquet} (every compared outcome, per scenario),
    a report section splitting key outcomes' spread into parameters and runs, and the
    manifest's record of the posterior. Without one: nothing. With designs the section's table
    shows the designs in ``scenario`` (the reference scenario); the file has every cell."""
    results = {n: r for n, r in cmp.results.items() if r.posterior is not None}
    if not results:
        return [], None
    post = next(iter(results.values())).posterior
    table = pd.concat([r.uncertainty().assign(scenario=n) for n, r in results.items()],
                      ignore_index=True)
    written += io.write_table(table[["scenario", *table.columns[:-1]]], out / "uncertainty")
    drawn = {n: post.drawn_names(r.scenario) for n, r in results.items()}

    def how_many(names: set[str]) -> str:
        counts = sorted({len(set(d) & names) for d in drawn.values()})
        return f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"

    literature = set(post.literature)
    kinds = (f"{how_many(set(post.calibrated))} calibrated parameters"
             + (f" and {how_many(literature)} with literature priors (seeds/priors.yaml: "
                "ceasefire breakdown, deterrence, hostility)" if literature else ""))
    head = ["Scenario", *(outcomes.per_run(k).label for k, _ in UNCERTAINTY_COLUMNS)]
    lines = [
        "## Parameter uncertainty (calibrated posterior)",
        "",
        f"Every run drew {kinds} from the posterior `{post.label}` "
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
    shown = [n for n in results if not cmp.cells or scenario is None
             or cmp.cells.get(n, (None,))[0] == scenario] or list(results)
    if len(shown) < len(results):
        lines[2] += (f" The table shows the designs in `{scenario}`; `uncertainty.csv` has "
                     "every scenario.")
    for name in shown:
        rows = table[table.scenario == name].set_index("outcome")
        cells = [f"`{name}`"]
        for key, kind in UNCERTAINTY_COLUMNS:
            sd, share = rows.loc[key, "sd_total"], rows.loc[key, "share_parameters"]
            cells.append(f"sd {fmt(sd, kind)}<br><small>"
                         f"{'–' if share != share else f'{share:.0%}'} parameters</small>")
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""], post.record(drawn)


def reproduce_command(argv: Sequence[str] | None = None) -> str:
    """The command line that repeats this output, as typed: ``coalition-sim`` and the
    arguments (quoted for a POSIX shell)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return shlex.join(["coalition-sim", *args])


def render_html(markdown_text: str, folder: Path, title: str) -> str:
    """The report as one HTML page (Python-Markdown with tables), every figure inlined as a
    data URI so the page can be shared alone."""
    import base64

    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables", "toc"])

    def inline(match: re.Match) -> str:
        path = folder / match.group(1)
        if not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="([^"/]+\.png)"', inline, body)
    style = ("body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;"
             "padding:0 1rem;line-height:1.45;color:#1a1a1a}table{border-collapse:collapse;"
             "margin:1rem 0;font-size:.92rem}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
             "th{background:#f3f3f3}img{max-width:100%}code{background:#f5f5f5;padding:0 .2rem}")
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{style}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def main_body(text: str) -> str:
    """The part of report.md a reader reads first: everything but the Reproduce section."""
    return text.split("\n## Reproduce", 1)[0]


def write_comparison(cmp: Comparison, out: Path, found: Assessment,
                     formats: Sequence[str] = FIGURE_FORMATS,
                     argv: Sequence[str] | None = None) -> Path:
    """report.md (the answer first, then the evidence), appendix.md (every table and the
    per-scenario prose), report.html (both, figures inline), figures (PNG; SVG too if
    ``formats`` asks), tables (Parquet, CSV) and manifest.json in ``out``, from the runs of
    ``cmp`` and what ``sim.analysis.assess.assess`` found about them."""
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    where: dict[str, list[str]] = {}
    for name, r in cmp.results.items():
        for h in hypotheticals(r.scenario):
            where.setdefault(h.rstrip(". "), []).append(cmp.scenario_of(name))
    assumed = []
    for h, where_used in where.items():
        used = list(dict.fromkeys(where_used))
        assumed.append(f"{h} (in {names(used) if len(used) <= 3 else f'{len(used)} scenarios'})")
    uncertain, posterior_entry = uncertainty_section(cmp, out, written,
                                                     found.reference_scenario)
    command = reproduce_command(argv)
    body = [
        ("# Which force design deters best, and what the US backstop changes" if cmp.cells
         else "# What changes the reassurance-force outcomes, and how sure we are"), "",
        *answer.answer_section(cmp, found, out, written),
        *answer.question_line(cmp, found, assumed),
        *answer.designs_section(cmp, found, out, written, formats),
        *answer.stages_section(found, out, written),
        *answer.backstop_section(found, out, written),
        *answer.objection_section(found, out, written),
        *answer.drivers_section(found, out, written),
        *uncertain,
        *answer.trajectories_section(cmp, found, out, written, formats),
        "Every table, every effect, the commitment matrix and the per-scenario detail: "
        "[appendix.md](appendix.md).", "",
    ]
    appendix_path = appendix.write_appendix(cmp, found.effects, found.constant, out, written,
                                            formats, found.reference_design)
    text = [*body,
            "## Reproduce", "",
            f"coalition-sim {project_version()}; replicate *i* of a scenario uses seed "
            "`seed + i`; `manifest.json` records the resolved scenarios, versions and hashes. "
            "Command:", "", f"    {command}", ""]
    report = io.atomic_write_text(out / "report.md", "\n".join(text))
    written.append(report)
    page = "\n".join(text) + "\n\n---\n\n" + appendix_path.read_text(encoding="utf-8")
    page = page.replace("(appendix.md)", "(#appendix-every-table-and-the-per-scenario-detail)")
    written.append(io.atomic_write_text(out / "report.html",
                                        render_html(page, out, "coalition-sim comparison")))
    manifest = {
        **mf.header("compare", argv if argv is None else ["coalition-sim", *argv]),
        "reproduce": command,
        "scenarios": {n: {"content_sha256": scenario_hash(r.scenario),
                          "seed": r.scenario.seed, "replicates": r.scenario.replicates,
                          "resolved": r.scenario.model_dump(mode="json")}
                      for n, r in cmp.results.items()},
        "reference": {"scenario": found.reference_scenario, "design": found.reference_design,
                      "run": found.ref_label},
        "interval_level": 0.90,
        "timings_s": {**{n: r.timings for n, r in cmp.results.items()},
                      "report_s": round(time.perf_counter() - t0, 4)},
        "outputs": mf.table_hashes(written),
        "parameter_source": "posterior" if posterior_entry else "fixed",
        **({"posterior": posterior_entry} if posterior_entry else {}),
    }
    mf.write(out, manifest)
    return report
