"""Sweeps: spec validation, row identity, chunk-size independence, tables, figures, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sweep import SweepError, SweepSpec, load_spec, run_design, run_sweep, sweep_design
from sim.engine import batch as engine
from sim.scenario import load_scenario
from sim.scenario.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent

SPEC = """\
name: tiny
scenario: sep-2025-paris
horizon: 10
replicates: 3
seed: 40
axes:
  - param: us.backstop_scale
    values: [0.5, 1.5]
  - param: coalition.ground_threshold_scale
    linspace: [0.8, 1.2, 3]
fixed:
  sanctions.scale: 1.2
outputs: [pledged_troops, holds]
chunk_size: 4
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC)
    return path


def read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def test_spec_grid_in_c_order(spec_file: Path) -> None:
    spec = load_spec(spec_file, SweepSpec)
    assert spec.shape == (2, 3)
    pts = spec.points()
    assert pts.shape == (6, 2)
    np.testing.assert_array_equal(pts[:, 0], [0.5, 0.5, 0.5, 1.5, 1.5, 1.5])
    np.testing.assert_allclose(pts[:3, 1], [0.8, 1.0, 1.2])


def test_results_one_row_per_point_and_replicate(spec_file: Path, tmp_path: Path) -> None:
    spec = load_spec(spec_file, SweepSpec)
    out = run_sweep(spec, tmp_path / "out", figures=False)
    df = read(out.report.results)
    assert len(df) == 6 * 3
    assert list(df.columns) == ["point", "replicate", "seed", "us.backstop_scale",
                                "coalition.ground_threshold_scale", *engine.SUMMARY_OUTCOMES]
    assert list(zip(df.point, df.replicate, strict=True)) == [(p, r) for p in range(6)
                                                              for r in range(3)]
    np.testing.assert_array_equal(df.seed, 40 + df.replicate)  # common random numbers
    assert not (tmp_path / "out" / "chunks").exists()  # merged and removed
    # every row equals the same run simulated alone
    sc = load_scenario("sep-2025-paris").model_copy(update={"horizon": 10})
    for row in df.itertuples(index=False):
        alone = engine.simulate(engine.compile_batch(sc, seeds=[row.seed], values={
            "us.backstop_scale": row[3], "coalition.ground_threshold_scale": row[4],
            "sanctions.scale": 1.2}), record_steps=False)
        for k in engine.SUMMARY_OUTCOMES:
            np.testing.assert_array_equal(alone.summary[k][0], getattr(row, k), err_msg=k)


def test_results_do_not_depend_on_chunk_size(spec_file: Path, tmp_path: Path) -> None:
    spec = load_spec(spec_file, SweepSpec)
    tables = [read(run_design(sweep_design(spec, size), tmp_path / f"c{size}").results)
              for size in (1, 4, 7, 1000)]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], t)


@pytest.mark.slow
def test_points_table_and_figures(spec_file: Path, tmp_path: Path) -> None:
    spec = load_spec(spec_file, SweepSpec)
    out = run_sweep(spec, tmp_path / "out")
    df = read(out.report.results)
    pts = pd.read_csv(tmp_path / "out" / "points.csv")
    assert len(pts) == 6 * 2
    troops = pts[pts.output == "pledged_troops"].set_index("point")
    np.testing.assert_allclose(troops["mean"], df.groupby("point").pledged_troops.mean())
    assert (troops.ci_lo <= troops["mean"]).all() and (troops["mean"] <= troops.ci_hi).all()
    assert (troops.q05 <= troops.q95).all()
    names = {p.name for p in out.figures}
    assert {"heatmap-pledged_troops.png", "heatmap-holds.svg",
            "line-holds-us-backstop_scale.png",
            "line-pledged_troops-coalition-ground_threshold_scale.svg"} <= names
    assert all(p.stat().st_size > 1000 for p in out.figures)


def test_rerun_needs_resume_or_overwrite(spec_file: Path, tmp_path: Path) -> None:
    spec = load_spec(spec_file, SweepSpec)
    first = run_sweep(spec, tmp_path / "out", figures=False)
    with pytest.raises(SweepError, match="--resume"):
        run_sweep(spec, tmp_path / "out", figures=False)
    again = run_sweep(spec, tmp_path / "out", figures=False, resume=True)
    assert again.report.chunks_run == 0
    pd.testing.assert_frame_equal(read(first.report.results), read(again.report.results))
    other = spec.model_copy(update={"replicates": 2})
    with pytest.raises(SweepError, match="replicates changed"):
        run_sweep(other, tmp_path / "out", figures=False, resume=True)
    assert len(read(run_sweep(other, tmp_path / "out", figures=False,
                              overwrite=True).report.results)) == 12


@pytest.mark.parametrize(("edit", "line", "key", "words"), [
    (("us.backstop_scale", "us.backstop_scal"), 7, "axes.0.param", "did you mean"),
    (("values: [0.5, 1.5]", "values: [0.5, 2.5]"), 7, "axes.0", "from 0 to 2"),
    (("replicates: 3", "replicates: 0"), 4, "replicates", "greater than or equal to 1"),
    (("outputs: [pledged_troops, holds]", "outputs: [pledged_troop]"), 13, "outputs",
     "did you mean 'pledged_troops'"),
    (("linspace: [0.8, 1.2, 3]", "linspace: [0.8, 1.2]"), 10, "axes.1.linspace.2", "required"),
    (("chunk_size: 4", "chunk_sise: 4"), 14, "chunk_sise", "unknown key"),
    (("sanctions.scale: 1.2", "us.backstop_scale: 1.2"), None, None, "both an axis and fixed"),
])
def test_bad_specs_name_line_and_key(spec_file: Path, edit: tuple[str, str], line: int | None,
                                     key: str | None, words: str) -> None:
    spec_file.write_text(SPEC.replace(*edit))
    with pytest.raises(ScenarioError) as info:
        load_spec(spec_file, SweepSpec)
    err = info.value
    assert err.file == str(spec_file)
    if line is not None:
        assert err.line == line
    if key is not None:
        assert err.key == key
    assert words in str(err)


def test_unknown_scenario_is_named(spec_file: Path) -> None:
    spec_file.write_text(SPEC.replace("sep-2025-paris", "sep-2025-pariss"))
    spec = load_spec(spec_file, SweepSpec)
    with pytest.raises(ScenarioError) as info:
        sweep_design(spec)
    assert info.value.line == 2 and "sep-2025-paris" in str(info.value)


def test_alias_bomb_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScenarioError, match="aliases"):
        load_spec(path, SweepSpec)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


@pytest.mark.slow
def test_cli_end_to_end(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    r = cli("sweep", str(spec_file), "--out", str(out), "--no-figures", "--chunk-size", "5")
    assert r.returncode == 0, r.stderr
    assert str(out / "results.parquet") in r.stdout
    assert len(read(out / "results.parquet")) == 18
    r = cli("sweep", str(spec_file), "--out", str(out))
    assert r.returncode == 2 and "--resume" in r.stderr and "Traceback" not in r.stderr
    r = cli("sweep", str(spec_file), "--out", str(out), "--jobs", "2", "--scheduler", "x:1")
    assert r.returncode == 2 and "exclude each other" in r.stderr
    spec_file.write_text(SPEC.replace("replicates: 3", "replicates: -1"))
    r = cli("sweep", str(spec_file), "--out", str(out))
    assert r.returncode == 2 and f"{spec_file}:4: replicates" in r.stderr
    assert "Traceback" not in r.stderr


def test_example_spec_is_valid() -> None:
    for path in sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml")):
        text = path.read_text()
        if "kind: sensitivity" in text:
            continue
        spec = load_spec(path, SweepSpec)
        design = sweep_design(spec)
        assert design.n_runs >= 1
    spec = load_spec(ROOT / "scenarios" / "sweeps" / "backstop-sanctions.yaml", SweepSpec)
    assert spec.shape == (11, 11) and spec.replicates == 20
    assert spec.params == ("us.backstop_scale", "sanctions.scale")


def test_scenario_by_path_relative_to_the_spec(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "scenarios", tmp_path / "sc", ignore=shutil.ignore_patterns("sweeps"))
    (tmp_path / "sc" / "sweeps").mkdir()
    spec_path = tmp_path / "sc" / "sweeps" / "rel.yaml"
    spec_path.write_text(SPEC.replace("scenario: sep-2025-paris",
                                      "scenario: ../us-full-backstop.yaml"))
    design = sweep_design(load_spec(spec_path, SweepSpec))
    assert design.scenario.name == "us-full-backstop" and design.scenario.horizon == 10
    spec_path.write_text(SPEC.replace("scenario: sep-2025-paris", "scenario: ../nope.yaml"))
    with pytest.raises(ScenarioError, match="scenario file not found") as info:
        sweep_design(load_spec(spec_path, SweepSpec))
    assert info.value.line == 2 and info.value.file == str(spec_path)


# --- with a calibrated posterior (issue 13) ------------------------------------------------

@pytest.fixture(scope="module")
def shipped_posterior():
    from sim.analysis.posterior import load

    return load("default")


def test_sweep_runs_draw_the_posterior_by_seed(spec_file: Path, tmp_path: Path,
                                               shipped_posterior) -> None:
    """Each run draws the particle of its seed (the same at every point); the drawn values are
    those a direct run with them as overrides uses: same outcomes, bit for bit."""
    from sim import api

    spec = load_spec(spec_file, SweepSpec)
    post = shipped_posterior
    design = sweep_design(spec, posterior=post)
    assert set(design.drawn()) == set(post.names)  # the tiny sweep sweeps no calibrated one
    res = read(run_sweep(spec, tmp_path / "out", figures=False, posterior=post).report.results)
    np.testing.assert_array_equal(res["particle"], post.draw(res["seed"].to_numpy()))
    assert res.groupby("replicate")["particle"].nunique().max() == 1  # same draw at each point
    assert res["particle"].nunique() > 1
    row = res.iloc[4]
    values = {n: float(post.particles[n].iloc[int(row["particle"])]) for n in post.names}
    values |= {"us.backstop_scale": row["us.backstop_scale"],
               "coalition.ground_threshold_scale": row["coalition.ground_threshold_scale"],
               "sanctions.scale": 1.2, "horizon": 10}
    direct = api.run("sep-2025-paris", replicates=1, seed=int(row["seed"]), overrides=values,
                     record_steps=False).summary.iloc[0]
    for k in ("pledged_troops", "presence_states", "holds", "growth"):
        assert direct[k] == row[k], k
    plain = read(run_sweep(spec, tmp_path / "plain", figures=False).report.results)
    assert "particle" not in plain.columns
    assert not np.array_equal(plain["growth"], res["growth"])  # the draws change the runs


def test_sweep_posterior_keeps_swept_and_fixed_parameters(spec_file: Path, tmp_path: Path,
                                                          shipped_posterior) -> None:
    spec_file.write_text(SPEC.replace("coalition.ground_threshold_scale",
                                      "coalition.air_threshold").replace(
        "linspace: [0.8, 1.2, 3]", "values: [0.2, 0.5, 0.8]").replace(
        "sanctions.scale: 1.2", "russia.pain_span: 3.0"))
    spec = load_spec(spec_file, SweepSpec)
    design = sweep_design(spec, posterior=shipped_posterior)
    assert "coalition.air_threshold" not in design.drawn()
    assert "russia.pain_span" not in design.drawn()
    assert "russia.adjust_months" in design.drawn()
    res = read(run_sweep(spec, tmp_path / "out", figures=False,
                         posterior=shipped_posterior).report.results)
    assert sorted(res["coalition.air_threshold"].unique()) == [0.2, 0.5, 0.8]


@pytest.mark.slow
def test_sweep_posterior_independent_of_chunks_and_jobs(spec_file: Path, tmp_path: Path,
                                                        shipped_posterior) -> None:
    spec = load_spec(spec_file, SweepSpec)
    a = run_sweep(spec, tmp_path / "a", figures=False, posterior=shipped_posterior,
                  chunk_size=5)
    b = run_sweep(spec, tmp_path / "b", figures=False, posterior=shipped_posterior,
                  chunk_size=7, jobs=2)
    pd.testing.assert_frame_equal(read(a.report.results), read(b.report.results))


@pytest.mark.slow
def test_sweep_points_split_uncertainty_and_resume_needs_same_posterior(
        spec_file: Path, tmp_path: Path, shipped_posterior) -> None:
    from sim.analysis.posterior import load

    spec = load_spec(spec_file, SweepSpec).model_copy(update={"replicates": 12})
    out = run_sweep(spec, tmp_path / "out", figures=False, posterior=shipped_posterior)
    points = pd.read_csv(tmp_path / "out" / "points.csv")
    for col in ("sd_total", "sd_runs", "share_parameters"):
        assert col in points.columns
    troops = points[points.output == "pledged_troops"]
    assert troops["share_parameters"].between(0, 1).all()
    assert troops["share_parameters"].max() > 0  # the parameters do move the troops pledged
    np.testing.assert_allclose(troops["sd_total"], troops["sd"])
    plain = run_sweep(spec, tmp_path / "plain", figures=False)
    assert "share_parameters" not in pd.read_csv(tmp_path / "plain" / "points.csv").columns
    assert out.report.runs == plain.report.runs
    # resuming with another posterior is refused, naming it
    other = tmp_path / "other"
    other.mkdir()
    df = pd.read_parquet(shipped_posterior.folder / "posterior.parquet")
    df["weight"] = np.arange(1, len(df) + 1, dtype=float)
    df.to_parquet(other / "posterior.parquet")
    with pytest.raises(SweepError, match="posterior changed"):
        run_sweep(spec, tmp_path / "out", figures=False, resume=True, posterior=load(other))
    again = run_sweep(spec, tmp_path / "out", figures=False, resume=True,
                      posterior=shipped_posterior)
    assert again.report.chunks_run == 0


@pytest.mark.slow
def test_cli_sweep_posterior(spec_file: Path, tmp_path: Path) -> None:
    r = cli("sweep", str(spec_file), "--out", str(tmp_path / "bad"), "--posterior",
            str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "nowhere" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "bad").exists()
    r = cli("sweep", str(spec_file), "--out", str(tmp_path / "ok"), "--no-figures",
            "--posterior", "default")
    assert r.returncode == 0, r.stderr
    from sim.analysis.posterior import load

    post = load("default")
    assert (f"draws {len(post.names)} parameters ({len(post.calibrated)} calibrated, "
            f"{len(post.literature)} from literature priors)") in r.stderr
    assert "particle" in read(tmp_path / "ok" / "results.parquet").columns
