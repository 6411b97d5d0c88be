"""Literature priors (seeds/priors.yaml): loading with located errors, deterministic draws
inside the documented ranges, the families' moments, the join, and the shipped posterior."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.calibration import priors as lit
from sim.analysis.posterior import DEFAULT_DIR
from sim.analysis.posterior import load as load_posterior
from sim.model.parameters import PARAM_INFO
from sim.scenario.errors import ScenarioError

GOOD = """\
priors:
  deterrence.force_hazard_ratio:
    family: lognormal
    median: 0.26
    sigma: 0.334
    grade: figure
    cite: ["Fortna 2008"]
    reason: a reason
  russia.violation_floor:
    family: beta
    a: 3
    b: 7
    grade: assumption
    cite: ["Fortna 2004"]
    reason: a reason
  russia.renegotiate_months:
    family: triangular
    left: 1
    mode: 4
    right: 12
    grade: assumption
    cite: ["Fortna 2004"]
    reason: a reason
  deterrence.us_escalation:
    family: uniform
    low: 0.2
    high: 0.8
    grade: assumption
    cite: ["Huth 1988"]
    reason: a reason
left_out:
  us.breakdown_anger: no source
"""


@pytest.fixture()
def good(tmp_path: Path) -> lit.Priors:
    path = tmp_path / "priors.yaml"
    path.write_text(GOOD)
    return lit.load(path)


def test_the_shipped_priors_load_and_cite() -> None:
    priors = lit.load()
    assert "deterrence.force_hazard_ratio" in priors.names
    for name, prior in priors.priors.items():
        q_lo, q_hi = priors.quantiles(name, [0.05, 0.95])
        assert q_lo <= PARAM_INFO[name].default <= q_hi, name
        assert prior.cite and prior.reason
    assert not set(priors.names) & set(priors.left_out)


@pytest.mark.parametrize(("edit", "where", "message"), [
    (lambda t: t.replace("deterrence.us_escalation", "deterrence.us_escalate"),
     "priors.deterrence.us_escalate", "unknown parameter"),
    (lambda t: t.replace("family: beta", "family: gamma"), "priors.russia.violation_floor",
     "gamma"),
    (lambda t: t.replace("    sigma: 0.334\n", ""), "priors.deterrence.force_hazard_ratio",
     "sigma"),
    (lambda t: t.replace("median: 0.26", "median: 0.8"), "priors.deterrence.force_hazard_ratio",
     "outside the prior's central 90%"),
    (lambda t: t.replace("mode: 4", "mode: 20"), "priors.russia.renegotiate_months",
     "left <= mode <= right"),
    (lambda t: t.replace('cite: ["Huth 1988"]', "cite: []"), "priors.deterrence.us_escalation",
     "at least 1"),
    (lambda t: t.replace("left_out:", "colour: blue\nleft_out:"), "colour", "unknown key"),
])
def test_a_bad_priors_file_is_located(tmp_path: Path, edit, where: str, message: str) -> None:
    path = tmp_path / "priors.yaml"
    path.write_text(edit(GOOD))
    with pytest.raises(ScenarioError) as err:
        lit.load(path)
    text = str(err.value)
    assert str(path) in text and where in text and message in text, text
    assert err.value.line is not None


def test_a_bad_priors_file_exits_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "priors.yaml"
    path.write_text(GOOD.replace("median: 0.26", "median: -1"))
    assert lit.main(["--priors", str(path)]) == 2
    err = capsys.readouterr().err
    assert "priors.deterrence.force_hazard_ratio.median" in err and "Traceback" not in err


def test_draws_are_in_range_and_deterministic(good: lit.Priors) -> None:
    a = lit.draw(good, 5000, seed=7)
    assert list(a.columns) == good.names
    for name in good.names:
        info = PARAM_INFO[name]
        assert a[name].between(info.lo, info.hi).all(), name
    pd.testing.assert_frame_equal(a, lit.draw(good, 5000, seed=7))
    assert not np.allclose(a.to_numpy(), lit.draw(good, 5000, seed=8).to_numpy())
    # a parameter's draws do not depend on which other priors the file holds
    only = lit.Priors(priors={"russia.violation_floor": good.priors["russia.violation_floor"]})
    np.testing.assert_array_equal(lit.draw(only, 5000, seed=7)["russia.violation_floor"],
                                  a["russia.violation_floor"])


def test_the_families_moments(good: lit.Priors) -> None:
    x = lit.draw(good, 200_000, seed=3)
    # beta(3, 7) on [0.05, 1]: truncation below 0.05 moves the mean a little above 0.3
    assert x["russia.violation_floor"].mean() == pytest.approx(0.3, abs=0.01)
    assert x["russia.violation_floor"].var() == pytest.approx(3 * 7 / (100 * 11), rel=0.08)
    # triangular(1, 4, 12): mean (1 + 4 + 12) / 3
    assert x["russia.renegotiate_months"].mean() == pytest.approx(17 / 3, rel=0.01)
    # uniform(0.2, 0.8)
    assert x["deterrence.us_escalation"].mean() == pytest.approx(0.5, abs=0.005)
    assert x["deterrence.us_escalation"].var() == pytest.approx(0.36 / 12, rel=0.03)
    # lognormal: the median and the sd of the log (truncation at 0.1 and 0.9 is far out)
    h = x["deterrence.force_hazard_ratio"]
    assert h.median() == pytest.approx(0.26, rel=0.02)
    assert np.log(h).std() == pytest.approx(0.334, rel=0.05)


def test_join_adds_columns_and_refuses_overlaps(good: lit.Priors) -> None:
    particles = pd.DataFrame({"russia.pain_span": [1.0, 2.0, 3.0], "weight": [0.2, 0.3, 0.5]})
    joined = lit.join(particles, good, seed=1)
    assert list(joined.columns) == [*particles.columns, *good.names]
    pd.testing.assert_frame_equal(joined[list(particles.columns)], particles)
    with pytest.raises(ValueError, match="russia.violation_floor: already in the particles"):
        lit.join(particles.assign(**{"russia.violation_floor": 0.3}), good, seed=1)


def test_the_shipped_posterior_holds_the_literature_columns() -> None:
    post = load_posterior("default")
    priors = lit.load()
    assert list(post.literature) == priors.names
    assert set(post.calibrated).isdisjoint(priors.names) and len(post.calibrated) > 0
    manifest = json.loads((DEFAULT_DIR / "manifest.json").read_text())
    joined = manifest["literature_priors"]
    assert joined["sha256"] == priors.sha256  # joined from the file as it is now
    assert manifest["calibrated"] == post.calibrated
    again = lit.draw(priors, len(post.particles), joined["seed"])
    np.testing.assert_allclose(post.particles[priors.names].to_numpy(), again.to_numpy())
    sources = {r["parameter"]: r["source"] for r in manifest["posterior"]}
    assert {sources[n] for n in priors.names} == {"literature prior"}
    record = post.record(post.names)
    assert record["literature"] == priors.names and record["calibrated"] == post.calibrated


def test_join_folder_replaces_an_earlier_join(tmp_path: Path, good: lit.Priors) -> None:
    folder = tmp_path / "post"
    shutil.copytree(DEFAULT_DIR, folder)
    lit.join_folder(folder, good, seed=2)
    post = load_posterior(folder)
    assert list(post.literature) == good.names  # the shipped join's other columns are gone
    assert set(lit.load().names) - set(good.names) <= set(PARAM_INFO) - set(post.names)
