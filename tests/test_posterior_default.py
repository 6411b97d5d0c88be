"""The posterior by default (issue 22): run, compare, sweep and the app draw the uncertain
parameters from seeds/posterior unless --fixed-parameters; the manifest says which; the
classroom worlds and the Python API stay fixed."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis.posterior import load as load_posterior
from sim.cli import main


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _summary(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "summary.parquet")


def test_run_draws_from_the_shipped_posterior_by_default(tmp_path: Path, capsys) -> None:
    out = tmp_path / "drawn"
    assert main(["run", "sep-2025-paris", "-n", "6", "--no-figures", "--out", str(out)]) == 0
    m = _manifest(out)
    assert m["parameter_source"] == "posterior"
    post = load_posterior("default")
    assert m["posterior"]["folder"] == "seeds/posterior"
    assert m["posterior"]["literature"] == list(post.literature)
    assert m["posterior"]["calibrated"] == post.calibrated
    assert "deterrence.force_hazard_ratio" in m["posterior"]["drawn"]
    s = _summary(out)
    np.testing.assert_array_equal(s["particle"], post.draw(s["seed"]))
    assert "parameters drawn from the posterior seeds/posterior" in capsys.readouterr().out


@pytest.mark.parametrize("flag", [["--fixed-parameters"], ["--posterior", "none"]])
def test_the_fixed_flag_gives_the_fixed_output(tmp_path: Path, capsys, flag: list[str]) -> None:
    out = tmp_path / "fixed"
    assert main(["run", "sep-2025-paris", "-n", "6", "--no-figures", "--out", str(out),
                 *flag]) == 0
    m = _manifest(out)
    assert m["parameter_source"] == "fixed" and "posterior" not in m
    s = _summary(out)
    assert "particle" not in s.columns
    fixed = api.run("sep-2025-paris", replicates=6, record_steps=False).summary
    pd.testing.assert_frame_equal(s[list(fixed.columns)].reset_index(drop=True),
                                  fixed.reset_index(drop=True), check_dtype=False)
    assert "parameters fixed" in capsys.readouterr().out


def test_fixed_and_a_posterior_together_are_refused(tmp_path: Path, capsys) -> None:
    assert main(["run", "sep-2025-paris", "-n", "2", "--fixed-parameters", "--posterior",
                 "default", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--fixed-parameters" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("flag", [[], ["--fixed-parameters"]])
def test_from_manifest_repeats_drawn_or_fixed(tmp_path: Path, capsys, flag: list[str]) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    assert main(["run", "sep-2025-paris", "-n", "4", "--no-figures", "--out", str(first),
                 *flag]) == 0
    assert main(["run", "--from-manifest", str(first / "manifest.json"), "--no-figures",
                 "--out", str(again)]) == 0
    assert "identical to the recorded run" in capsys.readouterr().out
    assert _manifest(again)["parameter_source"] == _manifest(first)["parameter_source"]
    assert _manifest(again)["outputs"] == _manifest(first)["outputs"]


@pytest.mark.slow
def test_compare_designs_are_paired_under_the_posterior(tmp_path: Path) -> None:
    """Every design and scenario of a seed runs with the same particle, and the answer's
    P(best) and regret are reported with the posterior recorded."""
    out = tmp_path / "cmp"
    assert main(["compare", "sep-2025-paris", "us-full-backstop", "-n", "8", "--seed", "40",
                 "--designs", "rear-reassurance-30k,tripwire", "--no-screening",
                 "--out", str(out)]) == 0
    m = _manifest(out)
    assert m["parameter_source"] == "posterior" and m["posterior"]["literature"]
    report = (out / "report.md").read_text()
    assert "P(best)" in report and "Regret" in report
    assert "with literature priors" in report
    verdict = pd.read_csv(out / "verdict.csv")
    assert {"p_best", "regret_median", "regret_p90"} <= set(verdict.columns)
    cmp = api.compare(["sep-2025-paris", "us-full-backstop"], replicates=8, seed=40,
                      designs=["rear-reassurance-30k", "tripwire"], posterior="default")
    particles = [r.summary["particle"].to_numpy() for r in cmp.results.values()]
    assert len(particles) == 4
    for p in particles[1:]:
        np.testing.assert_array_equal(p, particles[0])


def test_the_classroom_worlds_never_draw() -> None:
    from sim.app.lesson.grid import WORLDS
    from sim.app.session import CLASSROOM_WORLDS, AppModel, pinned
    from sim.scenario import load_scenario

    post = load_posterior("default")
    assert set(WORLDS) <= set(CLASSROOM_WORLDS)
    for world in CLASSROOM_WORLDS:
        assert pinned(world)
        assert post.drawn_names(load_scenario(world)) == []  # every parameter is written
        m = AppModel(world, rng=8, posterior=post)
        assert m.particle is None and m.drawn == {}
    lesson = Path(__file__).resolve().parents[1] / "sim" / "app" / "lesson"
    for source in lesson.glob("*.py"):  # the lesson page never reaches a posterior
        assert "posterior" not in source.read_text(), source


def test_the_python_api_stays_fixed_by_default() -> None:
    from sim.analysis.sweep import run_sweep
    from sim.engine.mesa_model import CoalitionModel

    for fn in (api.run, api.compare, run_sweep, CoalitionModel.__init__):
        assert inspect.signature(fn).parameters["posterior"].default is None, fn
    assert "particle" not in api.run("sep-2025-paris", replicates=2,
                                     record_steps=False).summary.columns


@pytest.mark.slow
@pytest.mark.parametrize("flag", [[], ["--fixed-parameters"]])
def test_a_sweep_draws_by_default(tmp_path: Path, flag: list[str]) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text("name: tiny\nscenario: sep-2025-paris\nreplicates: 2\nseed: 40\naxes:\n"
                    "  - param: us.backstop_scale\n    values: [0.5, 1.5]\n"
                    "outputs: [pledged_troops]\n")
    out = tmp_path / "sw"
    assert main(["sweep", str(spec), "--no-figures", "-q", "--out", str(out), *flag]) == 0
    m = _manifest(out)
    results = pd.read_parquet(out / "results.parquet")
    if flag:
        assert m["parameter_source"] == "fixed" and "posterior" not in m
        assert "particle" not in results.columns
    else:
        assert m["parameter_source"] == "posterior" and m["posterior"]["literature"]
        np.testing.assert_array_equal(results["particle"],
                                      load_posterior("default").draw(results["seed"]))


def test_p_best_resamples_parameter_draws_whatever_the_seed_parity() -> None:
    """The verdict's resampling clusters are the parameter draws (seed pairs), also for an odd
    base seed (scenarios/base.yaml's 2025), and scenarios of both parities rank together."""
    from sim.analysis import verdict

    odd = api.load("sep-2025-paris")
    assert odd.seed % 2 == 1
    even = api.with_overrides(api.load("us-full-backstop"), {"seed": 40})
    cmp = api.compare([odd, even], replicates=6, designs=["rear-reassurance-30k", "tripwire"],
                      posterior="default")
    for r in cmp.results.values():
        s = r.summary
        per_cluster = s.groupby(verdict._clusters(s))["particle"].nunique()
        assert (per_cluster == 1).all()  # a cluster is one draw
    table = verdict.rank(cmp, resamples=200)
    for _, rows in table.groupby("scenario"):
        assert rows["p_best"].sum() == pytest.approx(1.0)
