"""sim.output.io: atomic, deterministic writes; sim.output.report text generated from the numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim import api
from sim.output import io
from sim.output.appendix import findings, markdown_table
from sim.output.report import write_run


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path):
    target = tmp_path / "sub" / "x.txt"
    io.atomic_write_text(target, "old")
    io.atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["x.txt"]


def test_failed_write_keeps_the_old_file(tmp_path: Path):
    target = tmp_path / "t.csv"
    io.atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), io.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_tables_are_byte_identical_when_rewritten(tmp_path: Path):
    df = pd.DataFrame({"a": [1.0, 2.5, float("nan")], "b": ["x", "y", "z"]})
    io.write_table(df, tmp_path / "one")
    io.write_table(df, tmp_path / "two")
    for ext in ("parquet", "csv"):
        assert (tmp_path / f"one.{ext}").read_bytes() == (tmp_path / f"two.{ext}").read_bytes()
    assert pd.read_parquet(tmp_path / "one.parquet").equals(df)


def test_figures_have_no_embedded_dates(tmp_path: Path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    io.save_figure(fig, tmp_path / "a")
    io.save_figure(fig, tmp_path / "b")
    plt.close(fig)
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


def test_same_scenario_and_seed_give_identical_summaries(tmp_path: Path):
    r1 = api.run("max-sanctions", replicates=6, seed=5)
    r2 = api.run("max-sanctions", replicates=6, seed=5)
    write_run(r1, tmp_path / "1", figures=False)
    write_run(r2, tmp_path / "2", figures=False)
    for f in ("summary.parquet", "summary.csv", "states.parquet", "steps.csv"):
        assert (tmp_path / "1" / f).read_bytes() == (tmp_path / "2" / f).read_bytes()


def test_report_text_follows_the_numbers():
    cmp = api.compare(["feb-2025-summit", "sep-2025-paris", "us-full-backstop"],
                      replicates=20)
    t = cmp.table
    text = "\n".join(findings(cmp))
    top = t[("pledged_troops", "mean")].idxmax()
    assert f"The most troops are pledged in `{top}`" in text
    assert "rank correlation" not in text  # confounded scenarios are no evidence (issue 14)
    assert "`us-full-backstop` against `sep-2025-paris`" in text
    table = markdown_table(t)
    assert table.count("\n") == 1 + len(t)
    for name in t.index:
        assert f"`{name}`" in table
    shares = cmp.shares("ground")
    assert shares.loc["PL"].max() <= 0.05 or "PL" in text
