"""The comparison report an analyst reads: the answer first and traceable to the CSVs, a main
body that fits, figures that scale, text without "-0", and a Reproduce line that repeats it."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.output import figures as fg
from sim.output.text import fmt, interval, words

REPLICATES = 20
ANSWER_CSVS = ("verdict", "backstop", "objection", "knife_edges")


def cli(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=900)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo's grid (10 seed scenarios × 5 designs) at a few replicates."""
    out = tmp_path_factory.mktemp("demo") / "cmp"
    r = cli("compare", "--designs", "all", "--replicates", REPLICATES, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def answer_of(report: str) -> str:
    section = report.split("## The answer", 1)[1].split("\n## ", 1)[0]
    return re.split(r"\n\*(?!\*)", section, maxsplit=1)[0]  # up to the italic question line


def _numbers(text: str) -> list[tuple[str, float, int, bool]]:
    """(token, value, decimals, scaled) of every number in ``text``: scaled when it is a
    percentage or points (compare with 100 × the CSV value)."""
    out = []
    for m in re.finditer(r"(?<![\w`.-])[+-]?\d[\d,]*(?:\.\d+)?(%| points| pts|-point)?", text):
        token = m.group(0)
        number = token.split("%")[0].split(" ")[0].replace("-point", "").replace(",", "")
        decimals = len(number.split(".")[1]) if "." in number else 0
        out.append((token, float(number), decimals, bool(m.group(1))))
    return out


@pytest.mark.slow
def test_the_answer_comes_first_and_every_number_is_in_the_csvs(demo: Path):
    report = (demo / "report.md").read_text()
    first_200 = " ".join(report.split()[:200])
    verdict = pd.read_csv(demo / "verdict.csv")
    pooled = verdict[(verdict.scenario == "pooled") & (verdict.outcome == "holds")]
    best = pooled.loc[pooled["p_best"].idxmax()]
    assert f"Best design: `{best.design}`" in first_200
    assert f"{fmt(best.p_best, 'pct')} of resamples (P(best))" in first_200
    backstop = pd.read_csv(demo / "backstop.csv")
    row = backstop[(backstop.compared == "us-full-backstop")
                   & (backstop.outcome == "ceasefire_agreed")].iloc[0]
    assert (f"P(agreed) {fmt(row.value, 'pts', True)} points "
            f"({interval(row.lo, row.hi, 'pts')})") in first_200
    answer = answer_of(report)
    assert words(answer) <= 230, words(answer)  # ≈200 words and one table
    assert answer.count("\n|---") == 1
    values = np.concatenate([pd.read_csv(demo / f"{n}.csv").select_dtypes("number")
                             .to_numpy(float).ravel() for n in ANSWER_CSVS])
    values = values[np.isfinite(values)]
    for token, x, decimals, scaled in _numbers(answer):
        half = 0.5 * 10.0 ** -decimals + 1e-9
        candidates = [values * 100] if scaled else [values, values * 100]
        assert any(np.any(np.abs(np.abs(c) - abs(x)) <= half) for c in candidates), (
            f"{token!r} in 'The answer' is in none of {', '.join(ANSWER_CSVS)}.csv")


@pytest.mark.slow
def test_main_body_fits_and_the_rest_is_in_the_appendix(demo: Path):
    report = (demo / "report.md").read_text()
    body = report.split("\n## Reproduce", 1)[0]
    assert words(body) <= 1500, words(body)
    appendix = (demo / "appendix.md").read_text()
    assert "## Every paired effect" in appendix and "## What differs, and why" in appendix
    # a scenario's timeline is stated once, not once per design
    assert appendix.count("`us-backstop-erodes`: month") == 1
    assert not re.search(r"(?<![\w.])[-+]0(?:\.0+)?(?![\d.])", report + appendix), "a -0 or +0"
    assert "lowest in `sep-2025-paris` (0.8%) and highest in `sep-2025-paris`" not in appendix
    html = (demo / "report.html").read_text()
    assert "<table>" in html and "data:image/png;base64," in html and "src=\"designs.png\"" \
        not in html


@pytest.mark.slow
def test_every_demo_figure_is_narrow_enough_and_its_labels_do_not_overlap(demo: Path):
    from PIL import Image

    for png in sorted(demo.glob("*.png")):
        assert Image.open(png).size[0] <= fg.MAX_WIDTH_PX, png.name
    grid = pd.read_csv(demo / "design_grid.csv")
    ref = "rear-reassurance-30k"
    figures = {"designs": fg.design_panels(grid, ["ceasefire_agreed", "holds", "breakdowns",
                                                  "deterrence_avg", "deployed_troops",
                                                  "enabler_gap"], ref, REPLICATES)}
    bands = pd.read_csv(demo / "trajectories.csv")
    parts = bands["scenario"].str.split(" × ", expand=True)
    bands = bands.assign(scenario=parts[0], design=parts[1])
    figures["comparison"] = fg.design_trajectories(bands, "ceasefire_in_force", ref)
    ground = pd.read_csv(demo / "ground_matrix.csv", index_col=0)
    presence = pd.read_csv(demo / "commitment_matrix.csv", index_col=0)
    keep = [c for c in ground.columns if c.endswith(f"× {ref}")]
    figures["commitment_matrix"] = fg.commitment_matrix(
        {"Ground troops": ground[keep].rename(columns=lambda c: c.split(" × ")[0]),
         "Any presence": presence[keep].rename(columns=lambda c: c.split(" × ")[0])})
    for name, fig in figures.items():
        assert fg.width_px(fig) <= fg.MAX_WIDTH_PX, name
        assert fg.text_overlaps(fig) == [], name


def test_the_overlap_check_sees_an_overlap():
    fig, ax = fg.subplots(figsize=(3, 2))
    ax.text(0.5, 0.5, "first label here", transform=ax.transAxes)
    ax.text(0.52, 0.5, "second label here", transform=ax.transAxes)
    assert fg.text_overlaps(fig)


@pytest.mark.slow
def test_the_reproduce_line_of_a_report_from_a_file_repeats_it(tmp_path: Path):
    scen = tmp_path / "scen"
    scen.mkdir()
    (scen / "de-offer.yaml").write_text(
        "name: de-offer\ndescription: Germany offers troops (a test what-if).\n"
        "extends: sep-2025-paris\nhypothetical: a test\npositions:\n  DE:\n"
        "    shift: {ground: -0.6}\n    hypothetical: a test\n")
    r = cli("compare", "sep-2025-paris", "scen/de-offer.yaml", "--replicates", 8,
            "--no-screening", "--out", "first", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = (tmp_path / "first" / "report.md").read_text()
    line = report.split("## Reproduce", 1)[1].split("\n    ", 1)[1].splitlines()[0]
    args = shlex.split(line)
    assert args[0] == "coalition-sim" and "scen/de-offer.yaml" in args
    shutil.copytree(tmp_path / "first", tmp_path / "kept")
    r = cli(*args[1:], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for csv in sorted((tmp_path / "kept").glob("*.csv")):
        assert csv.read_bytes() == (tmp_path / "first" / csv.name).read_bytes(), csv.name


def test_numbers_print_without_minus_zero():
    assert fmt(-0.004, "2f") == "0.00" and fmt(-0.004, "pts", True) == "0"
    assert fmt(0.0, "pts", True) == "0" and fmt(0.061, "pts", True) == "+6"
    assert interval(-0.06, -0.001, "pts") == "-6 to 0"
    assert fmt(float("nan"), "pct") == "–" and fmt(0.456, "pct") == "46%"
    assert words("| a | b |\n|---|--:|\n| one | 2 |") == 4
