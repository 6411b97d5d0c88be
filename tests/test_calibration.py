"""Calibration (issue 13): specs, recovery of known parameter values, posterior plumbing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import api
from sim.analysis import posterior
from sim.analysis.calibration import abc
from sim.analysis.calibration.simulator import RecordSimulator
from sim.analysis.calibration.spec import CalibrationSpec, load_spec
from sim.model.record import for_scenario
from sim.scenario import load_scenario
from sim.scenario.errors import ScenarioError

TRUE = {"coalition.ground_threshold": 0.8, "russia.adjust_months": 3.0,
        "russia.neutral_rate": 0.09}


@pytest.mark.slow
def test_recovery_of_three_known_parameters(tmp_path: Path):
    """Data simulated at known values of 3 parameters: the 90% credible intervals of the
    calibration contain the true values (a small budget: seconds, well under two minutes)."""
    sc = load_scenario("record-2025")
    obs = for_scenario(sc)
    names = list(TRUE)
    truth = RecordSimulator(sc, obs, names, reps=1, seed=777)
    synthetic = truth.per_run(np.tile([TRUE[n] for n in names], (400, 1)),
                              777 + np.arange(400)).mean(axis=0)
    obs = tuple(o.model_copy(update={"value": float(v)})
                for o, v in zip(obs, synthetic, strict=True))
    sim = RecordSimulator(sc, obs, names, reps=8, seed=1)
    priors = {n: (lo, hi) for n, (lo, hi) in
              CalibrationSpec(name="r", parameters=names).priors().items()}
    fit = abc.calibrate(sim, priors, tmp_path / "abc.db", population_size=500, populations=6,
                        seed=3)
    s = fit.summary().set_index("parameter")
    for n, v in TRUE.items():
        assert s.loc[n, "lo90"] <= v <= s.loc[n, "hi90"], (n, v, s.loc[n].to_dict())
    # and the data are informative: every interval is narrower than its prior
    for n in names:
        assert s.loc[n, "hi90"] - s.loc[n, "lo90"] < 0.9 * (priors[n][1] - priors[n][0])
    assert list(fit.thresholds["epsilon"]) == sorted(fit.thresholds["epsilon"], reverse=True)


def test_a_stopped_calibration_resumes_from_its_store(tmp_path: Path):
    sc = load_scenario("record-2025")
    names = ["russia.adjust_months"]
    priors = {"russia.adjust_months": (1.0, 24.0)}
    sim = RecordSimulator(sc, for_scenario(sc), names, reps=2, seed=1)
    first = abc.calibrate(sim, priors, tmp_path / "abc.db", population_size=100,
                          populations=2)
    again = abc.calibrate(sim, priors, tmp_path / "abc.db", population_size=100,
                          populations=3, resume=True)
    assert len(first.thresholds) == 2 and len(again.thresholds) == 3
    assert np.allclose(again.thresholds["epsilon"][:2], first.thresholds["epsilon"])


@pytest.mark.parametrize(("text", "key"), [
    ("name: x\nparameters: [coalition.ground_treshold]\n", "parameters"),
    ("name: x\nbudget: {populations: 0}\n", "budget.populations"),
    ("name: x\nreps: many\n", "reps"),
    ("name: x\nparameters: {russia.adjust_months: {lo: 30}}\n", "parameters"),
    ("name: x\nsurprise: 1\n", "surprise"),
])
def test_bad_specs_name_the_line_and_key(tmp_path: Path, text: str, key: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_spec(path)
    assert err.value.key == key and err.value.line is not None and "bad.yaml" in str(err.value)


def test_bad_spec_exits_2_on_the_command_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nobservations: [no_such_observation]\n")
    r = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(path), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 2 and "no_such_observation" in r.stderr


def test_until_keeps_the_observations_up_to_a_month():
    spec = CalibrationSpec(name="x", until="2025-09")
    chosen = spec.select_observations(spec.load_scenario())
    assert chosen and all(o.date <= "2025-09" for o in chosen)
    assert "assistance_dec_2025" not in {o.id for o in chosen}


def test_runs_draw_from_the_posterior_deterministically_by_seed_pairs():
    post = posterior.load("default")
    a = api.run("record-2025", replicates=40, posterior=post)
    b = api.run("record-2025", replicates=40, posterior=post)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    p = a.summary.set_index("seed")["particle"]
    seeds = a.summary["seed"].to_numpy()
    pairs = [s for s in seeds if s % 2 == 0 and s + 1 in set(seeds)]
    assert all(p[s] == p[s + 1] for s in pairs)
    assert a.summary["particle"].nunique() > 5
    u = a.uncertainty(["growth", "presence_states"])
    assert set(u.columns) >= {"sd_total", "sd_runs", "share_parameters"}
    # a parameter set by an override is not drawn
    c = api.run("record-2025", replicates=4, posterior=post,
                overrides={"coalition.ground_threshold": 0.9})
    assert "coalition.ground_threshold" not in post.drawn_names(c.scenario)


def test_a_parameter_the_scenario_file_writes_is_never_drawn(tmp_path: Path):
    """Written in a file (even at its default value, through extends), set by an override, or
    set away from its default in code: kept. The rest: drawn."""
    from sim.model.parameters import PARAM_INFO

    post = posterior.load("default")
    assert post.drawn_names(load_scenario("classroom-five")) == []  # pins every parameter
    assert set(post.drawn_names(load_scenario("sep-2025-paris"))) == set(post.names)
    default = PARAM_INFO["russia.pain_span"].default
    parent = tmp_path / "parent.yaml"
    parent.write_text("name: parent\ndescription: writes one calibrated parameter at its "
                      f"default\nextends: sep-2025-paris\nparameters:\n  russia:\n    "
                      f"pain_span: {default}\n")
    (tmp_path / "child.yaml").write_text("name: child\ndescription: extends it\n"
                                         "extends: parent\n")
    child = load_scenario(tmp_path / "child.yaml")
    assert "russia.pain_span" in child.written_parameters
    assert "russia.pain_span" not in post.drawn_names(child)
    moved = api.with_overrides(child, {"coalition.air_threshold": 0.44})
    assert moved.written_parameters == child.written_parameters
    assert not {"russia.pain_span", "coalition.air_threshold"} & set(post.drawn_names(moved))
    coded = type(child).model_validate(child.model_dump())  # built in code: values decide
    assert coded.written_parameters == frozenset()
    assert "russia.pain_span" in post.drawn_names(coded)
    raw = child.model_dump()
    raw["parameters"]["russia"]["pain_span"] = default + 1
    assert "russia.pain_span" not in post.drawn_names(type(child).model_validate(raw))
    res = api.run(child, replicates=6, posterior=post)
    assert (res.scenario.parameters.russia.pain_span == default
            and "russia.pain_span" not in post.drawn_names(res.scenario))


def test_shipped_posterior_is_valid_and_meets_its_stopping_rule():
    """The shipped posterior was tempered down to temperature 1 (exact for the noise model)
    with enough effective sample size, fitted only targets, and carries the literature priors
    for what the record cannot inform; its predictive check reports z-scores."""
    import json

    post = posterior.load("default")
    assert len(post.particles) >= 500 and np.isclose(post.weights.sum(), 1)
    manifest = json.loads((posterior.DEFAULT_DIR / "manifest.json").read_text())
    rule = manifest["stopping_rule"]
    assert rule["met"] and rule["final_temperature"] == 1.0, rule
    assert manifest["spec"]["acceptance"] == "noise"
    assert post.literature and not set(post.literature) & set(post.calibrated)
    pred = pd.read_csv(posterior.DEFAULT_DIR / "predictive.csv")
    assert set(pred["role"]) == {"fitted", "consistency"}
    assert pred["z"].notna().all() and pred["p_value"].between(0, 1).all()
    assert not set(pred.loc[pred["role"] == "consistency", "id"]) & set(manifest["observations"])


@pytest.mark.slow
def test_run_and_compare_accept_posterior(tmp_path: Path):
    r = subprocess.run([sys.executable, "-m", "sim.cli", "run", "sep-2025-paris", "-n", "20",
                        "--posterior", "default", "--no-figures", "--out",
                        str(tmp_path / "run")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "parameters" in r.stdout and (tmp_path / "run" / "uncertainty.csv").exists()
    r = subprocess.run([sys.executable, "-m", "sim.cli", "run", "sep-2025-paris", "-n", "4",
                        "--posterior", str(tmp_path), "--out", str(tmp_path / "x")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "posterior.parquet" in r.stderr


@pytest.mark.slow
def test_compare_report_splits_uncertainty_with_a_posterior(tmp_path: Path):
    """The report says the runs drew from the posterior and how much of each key outcome's
    spread is the parameters'; uncertainty.csv is in the manifest. Without one: neither."""
    import json

    from sim.analysis.assess import assess
    from sim.output.report import write_comparison

    names = ["sep-2025-paris", "us-full-backstop"]
    scenarios = [api.with_overrides(load_scenario(n), {"replicates": 40}) for n in names]
    cmp = api.compare(scenarios, posterior="default")
    report = write_comparison(cmp, tmp_path / "post", assess(cmp, screen=False)).read_text()
    assert "## Parameter uncertainty (calibrated posterior)" in report
    shipped = len(posterior.load("default").particles)
    assert f"`seeds/posterior` ({shipped:,} weighted particles" in report
    table = pd.read_csv(tmp_path / "post" / "uncertainty.csv")
    assert set(table.scenario) == set(names)
    growth = table[(table.scenario == "sep-2025-paris") & (table.outcome == "growth")].iloc[0]
    assert growth.share_parameters > 0.5  # the posterior is wide on Russia's economy
    assert f"{growth.share_parameters:.0%} parameters" in report
    manifest = json.loads((tmp_path / "post" / "manifest.json").read_text())
    assert "uncertainty.csv" in manifest["outputs"]
    assert manifest["posterior"]["drawn"]["us-full-backstop"]
    plain_cmp = api.compare(scenarios)
    plain = write_comparison(plain_cmp, tmp_path / "plain", assess(plain_cmp, screen=False))
    assert "Parameter uncertainty" not in plain.read_text()
    assert not (tmp_path / "plain" / "uncertainty.csv").exists()


@pytest.mark.slow
def test_a_run_with_a_posterior_repeats_from_its_manifest(tmp_path: Path):
    """--from-manifest draws again from the recorded posterior, keeps what the scenario file
    wrote, and refuses a posterior that changed since."""
    import json

    from sim.model.parameters import PARAM_INFO

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True,
                              text=True, timeout=300)

    post_dir = tmp_path / "post"
    post_dir.mkdir()
    df = pd.read_parquet(posterior.DEFAULT_DIR / "posterior.parquet")
    df.to_parquet(post_dir / "posterior.parquet")
    path = tmp_path / "pinned.yaml"
    path.write_text("name: pinned\ndescription: writes pain_span at its default\n"
                    "extends: sep-2025-paris\nreplicates: 12\nparameters:\n  russia:\n"
                    f"    pain_span: {PARAM_INFO['russia.pain_span'].default}\n")
    r = cli("run", str(path), "--posterior", str(post_dir), "--no-figures",
            "--out", str(tmp_path / "a"))
    assert r.returncode == 0, r.stderr
    recorded = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert "russia.pain_span" not in recorded["posterior"]["drawn"]
    assert "uncertainty.csv" in recorded["outputs"]
    r = cli("run", "--from-manifest", str(tmp_path / "a" / "manifest.json"), "--no-figures",
            "--out", str(tmp_path / "b"))
    assert r.returncode == 0, r.stderr
    assert "identical to the recorded run" in r.stdout and "summary.csv" in r.stdout
    df["weight"] = np.arange(1, len(df) + 1, dtype=float)
    df.to_parquet(post_dir / "posterior.parquet")
    r = cli("run", "--from-manifest", str(tmp_path / "a" / "manifest.json"), "--no-figures",
            "--out", str(tmp_path / "c"))
    assert r.returncode == 2 and "has changed" in r.stderr and "Traceback" not in r.stderr


def test_observations_table_of_a_posterior_run_checks_those_runs():
    """write_run's observations table re-runs the scenario with the run's posterior draws:
    its simulated means are the run's own."""
    from sim.analysis import observations

    post = posterior.load("default")
    res = api.run("record-2025", replicates=30, posterior=post)
    table = observations.check(res.scenario, replicates=30, posterior=post).set_index("id")
    growth = res.steps[res.steps.date == "2025-06"]["growth"].mean()
    assert np.isclose(table.loc["growth_2025_q2", "simulated"], growth)
    plain = observations.check(res.scenario, replicates=30).set_index("id")
    assert not np.isclose(plain.loc["growth_2025_q2", "simulated"], growth)


GROWTH = ["growth_2025_q1", "growth_2025_q2", "growth_2025_q3"]


def _fit_with_sd_scale(tmp_path: Path, scale: float) -> pd.DataFrame:
    spec = CalibrationSpec(name="sds", sd_scale=scale, observations=GROWTH)
    sc = spec.load_scenario()
    obs = spec.select_observations(sc)
    priors = {"russia.adjust_months": (1.0, 24.0), "russia.neutral_rate": (0.04, 0.12)}
    sim = RecordSimulator(sc, obs, list(priors), reps=8, seed=11, sd_scale=scale)
    fit = abc.calibrate(sim, priors, tmp_path / f"abc{scale}.db", population_size=200,
                        populations=30, seed=4)
    assert fit.thresholds["epsilon"].iloc[-1] == 1.0  # tempered down to the noise model
    return fit.summary().set_index("parameter")


def test_the_stated_sds_reach_the_posterior(tmp_path: Path):
    """The noise model uses each observation's sd: with every sd divided by 10 the posterior
    is narrower (under the old distance threshold the adaptive epsilon absorbed any scale and
    the intervals stayed the same). Growth in 2025, whose run noise over 8 runs is well below
    a tenth of its sd, against the two parameters that set it."""
    wide = _fit_with_sd_scale(tmp_path, 1.0)
    narrow = _fit_with_sd_scale(tmp_path, 0.1)
    width = lambda s, n: s.loc[n, "hi90"] - s.loc[n, "lo90"]  # noqa: E731
    for n in ("russia.adjust_months", "russia.neutral_rate"):
        assert width(narrow, n) < 0.5 * width(wide, n), (n, width(narrow, n), width(wide, n))


def test_stances_written_in_as_inputs_are_not_calibration_targets(tmp_path: Path):
    """A stance the scenarios take as a position (GB's troops, the refusals of PL, DE, IT and
    ES) is a consistency check: never fitted, and naming it in a spec is refused."""
    spec = CalibrationSpec(name="x")
    chosen = {o.id for o in spec.select_observations(spec.load_scenario())}
    inputs = {o.id for o in for_scenario(load_scenario("record-2025")) if o.role != "target"}
    assert inputs == {"uk_ground_feb_2025", "pl_no_troops_2025", "de_no_troops_sep_2025",
                      "it_no_troops_sep_2025", "es_no_troops_sep_2025"}
    assert not chosen & inputs and "presence_sep_2025" in chosen
    path = tmp_path / "spec.yaml"
    path.write_text("name: x\nobservations: [presence_sep_2025, pl_no_troops_2025]\n")
    with pytest.raises(ScenarioError) as err:
        load_spec(path).select_observations(spec.load_scenario())
    assert "consistency check" in str(err.value) and "pl_no_troops_2025" in str(err.value)


def test_the_december_count_is_of_states_pledging_anything():
    """26 states said they would provide equipment and assistance after a truce: compared with
    the states pledging any contribution, not with those pledging a presence."""
    dec = {o.id: o for o in for_scenario(load_scenario("record-2025"))}["assistance_dec_2025"]
    assert dec.outcome == "pledging_states" and dec.value == 26


def test_a_bad_literature_priors_file_is_refused_before_calibrating(tmp_path: Path):
    path = tmp_path / "spec.yaml"
    path.write_text("name: x\nliterature_priors: no/such/priors.yaml\n")
    r = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(path), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 2 and "priors.yaml" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()
