"""Sensitivity: the SALib pipeline recovers known indices and is well formed on the model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from sim.analysis.sensitivity import analyse_model, run_sensitivity
from sim.analysis.sweep import SensitivitySpec, load_spec
from sim.scenario.errors import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])

SPEC = """\
kind: sensitivity
name: small
scenario: sep-2025-paris
method: {method}
samples: {samples}
replicates: 2
horizon: 12
seed: 5
parameters:
  us.backstop_scale: [0.0, 2.0]
  sanctions.scale: [0.0, 2.0]
  coalition.ground_threshold_scale: null
outputs: [pledged_troops, deterrence, us_disengaged]
"""


def test_pipeline_recovers_ishigami_sobol_indices() -> None:
    res = analyse_model(ISHIGAMI, Ishigami.evaluate, "sobol", 4096, seed=3)
    t = res.indices
    assert list(t.parameter) == ["x1", "x2", "x3"] and set(t.output) == {"y"}
    assert res.X.shape == (4096 * 5, 3)
    np.testing.assert_allclose(t.S1, S1_TRUE, atol=0.04)
    np.testing.assert_allclose(t.ST, ST_TRUE, atol=0.04)
    # the intervals are honest: each true value lies within twice the half-width
    assert (np.abs(t.S1 - S1_TRUE) <= 2 * t.S1_conf).all()
    assert (np.abs(t.ST - ST_TRUE) <= 2 * t.ST_conf).all()
    assert (t.S1_conf > 0).all() and (t.ST_conf < 0.1).all()


def test_pipeline_recovers_exact_morris_effects_of_a_linear_model() -> None:
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [5, 6]]}

    def linear(X: np.ndarray) -> dict[str, np.ndarray]:
        return {"y": 3.0 * X[:, 0] - 1.5 * X[:, 1] + 0.0 * X[:, 2]}

    t = analyse_model(problem, linear, "morris", 20, seed=1).indices
    # SALib's elementary effects are per unit of the [0, 1]-scaled input: slope x range
    np.testing.assert_allclose(t.mu, [3.0, -3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(t.mu_star, [3.0, 3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(t.sigma, 0.0, atol=1e-9)


def test_pipeline_ranks_ishigami_with_morris() -> None:
    t = analyse_model(ISHIGAMI, Ishigami.evaluate, "morris", 200, seed=2).indices
    assert (t.mu_star >= np.abs(t.mu) - 1e-12).all() and (t.sigma >= 0).all()
    # x3 acts only through its interaction with x1: mean effect near 0, large sigma
    x3 = t[t.parameter == "x3"].iloc[0]
    assert abs(x3.mu) < 0.25 * x3.mu_star and x3.sigma > 0.5 * x3.mu_star


def _spec(tmp_path: Path, method: str, samples: int) -> SensitivitySpec:
    path = tmp_path / f"{method}.yaml"
    path.write_text(SPEC.format(method=method, samples=samples))
    return load_spec(path, SensitivitySpec)


@pytest.mark.slow
def test_sobol_on_the_model_is_well_formed(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "sobol", 32)
    out = run_sensitivity(spec, tmp_path / "sobol", jobs=1)
    t = pd.read_csv(tmp_path / "sobol" / "indices.csv")
    assert list(t.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf",
                               "constant", "note"]
    assert len(t) == 3 * 3
    assert list(t.parameter[:3]) == ["us.backstop_scale", "sanctions.scale",
                                     "coalition.ground_threshold_scale"]
    varying = t[~t.constant]
    assert set(varying.output) >= {"pledged_troops", "deterrence"}
    assert np.isfinite(varying[["S1", "S1_conf", "ST", "ST_conf"]]).all().all()
    assert (varying.S1_conf >= 0).all() and (varying.ST_conf >= 0).all()
    assert (varying.ST > -0.2).all() and (varying.ST < 1.5).all()
    # US disengagement cannot happen within 12 months here: reported as constant, no indices
    dis = t[t.output == "us_disengaged"]
    assert dis.constant.all() and dis.S1.isna().all()
    runs = pd.read_parquet(tmp_path / "sobol" / "results.parquet")
    assert len(runs) == 32 * 5 * 2
    sample = pd.read_parquet(tmp_path / "sobol" / "sample.parquet")
    np.testing.assert_allclose(sample.mean_pledged_troops, runs.groupby("point").pledged_troops.mean())
    assert sample["coalition.ground_threshold_scale"].between(0, 3).all()  # documented range
    names = {p.name for p in out.figures}
    assert {"bar-pledged_troops.png", "tornado-pledged_troops.svg", "tornado-deterrence.png"} <= names


def test_morris_on_the_model_is_well_formed(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "morris", 6)
    out = run_sensitivity(spec, tmp_path / "morris", figures=False)
    t = out.result.indices
    assert out.result.X.shape == (6 * 4, 3)
    ok = t[~t.constant]
    assert (ok.mu_star >= np.abs(ok.mu) - 1e-9).all()
    assert (ok.sigma >= 0).all() and (ok.mu_star_conf >= 0).all()
    assert ok[ok.output == "pledged_troops"].mu_star.max() > 0


@pytest.mark.parametrize(("edit", "key", "words"), [
    (("samples: {samples}", "samples: 30"), None, "power of 2"),
    (("sanctions.scale: [0.0, 2.0]", "sanctions.scale: [1.0, 0.5]"), "parameters",
     "lo < hi"),
    (("sanctions.scale: [0.0, 2.0]", "sanction.scale: [0.0, 1.0]"), "parameters",
     "did you mean 'sanctions.scale'"),
    (("method: {method}", "method: fast"), "method", "'sobol' or 'morris'"),
])
def test_bad_sensitivity_specs(tmp_path: Path, edit: tuple[str, str], key: str | None,
                               words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SPEC.replace(*edit).format(method="sobol", samples=16))
    with pytest.raises(ScenarioError) as info:
        load_spec(path, SensitivitySpec)
    assert info.value.file == str(path) and info.value.line is not None
    if key:
        assert info.value.key == key
    assert words in str(info.value)


def test_example_specs_are_valid() -> None:
    sobol = load_spec(ROOT / "scenarios" / "sweeps" / "sobol-paris.yaml", SensitivitySpec)
    morris = load_spec(ROOT / "scenarios" / "sweeps" / "morris-paris.yaml", SensitivitySpec)
    assert sobol.method == "sobol" and morris.method == "morris"
    assert sobol.problem()["num_vars"] >= 3


@pytest.mark.slow
def test_cli_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SPEC.format(method="morris", samples=4))
    r = subprocess.run([sys.executable, "-m", "sim.cli", "sensitivity", str(path), "--out",
                        str(tmp_path / "o"), "--no-figures"], capture_output=True, text=True,
                       cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "mu_star" in r.stdout and (tmp_path / "o" / "indices.csv").exists()
    # the listing is what was written: every file of the folder, the manifest included
    listed = {line for line in r.stdout.splitlines() if line.startswith(str(tmp_path / "o"))}
    on_disk = {str(p) for p in (tmp_path / "o").rglob("*") if p.is_file()}
    assert listed == on_disk
    assert str(tmp_path / "o" / "results.parquet") in listed
    assert str(tmp_path / "o" / "manifest.json") in listed
    assert "merging" in r.stderr and "computing Morris indices" in r.stderr
    r = subprocess.run([sys.executable, "-m", "sim.cli", "sensitivity",
                        str(ROOT / "scenarios" / "sweeps" / "backstop-sanctions.yaml")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and "expected 'sensitivity'" in r.stderr
