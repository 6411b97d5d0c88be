"""The 2025 record as one history: record-2025 and seeds/observations.yaml."""

from __future__ import annotations

import numpy as np
import pytest

from sim import api
from sim.analysis import observations
from sim.model import record
from sim.model.facts import load_facts
from sim.scenario import load_scenario


def test_observations_are_valid_and_cite_known_facts():
    obs = record.load_observations()
    facts = load_facts()
    assert len(obs) >= 10 and len({o.id for o in obs}) == len(obs)
    for o in obs:
        assert all(f in facts for f in o.facts), o.id
        assert o.sd > 0
    # only the five articles and public statistics: every cited fact is one or the other
    assert {facts[f].kind for o in obs for f in o.facts} <= {"article", "statistic"}


def test_record_runs_february_2025_to_december_2026_with_dated_events():
    sc = load_scenario("record-2025")
    assert sc.start == "2025-02" and api.month_labels(sc.start, sc.horizon)[-1] == "2026-12"
    assert len(sc.events) >= 6 and all(e.facts for e in sc.events)
    res = api.run(sc, replicates=5)
    assert list(res.log["date"])[:2] == ["2025-05", "2025-06"]


P_MIN = 0.01
"""An observation is reproduced when its two-sided predictive p-value is above this (|z| below
2.58): z = (observed - simulated mean) / sqrt(observation sd² + variance of the runs)."""


def _far(table):
    return table.loc[table["p_value"] <= P_MIN, ["id", "role", "observed", "simulated", "z"]]


def test_the_calibrated_model_reproduces_every_observation():
    """Under the shipped posterior (200 runs drawing their parameters: parameter uncertainty
    included) every calibration target lies inside its predictive distribution, and the
    consistency checks (stances the scenarios take as inputs) hold; reported as z and p."""
    from sim.analysis import posterior

    sc = load_scenario("record-2025")
    table = observations.check(sc, posterior=posterior.load("default"))
    assert len(table) == len(record.for_scenario(sc))
    assert set(table["role"]) == {"target", "consistency"}
    assert _far(table).empty, _far(table).to_string()


def test_the_default_parameters_reproduce_every_observation():
    """With every parameter at its default (no parameter uncertainty) too."""
    table = observations.check(load_scenario("record-2025"))
    assert _far(table).empty, _far(table).to_string()


def test_a_missed_observation_is_reported_as_such():
    """The check can fail: an impossible observation is not covered."""
    obs = record.load_observations()[0].model_copy(update={"value": 30.0, "sd": 0.1})
    sc = load_scenario("record-2025")
    res = api.run(sc, replicates=20)
    table = observations.compare((obs,), res.steps, None, sc.start)
    assert not table["covered"].iloc[0] and table["p_value"].iloc[0] < P_MIN


def test_events_can_reset_a_state_variable_and_change_the_design():
    sc = api.with_overrides(load_scenario("record-2025"), {"replicates": 10})
    raw = sc.model_dump()
    raw["events"] = [{"month": 2, "set": {"russia.growth0": -3.0}, "note": "a crash",
                      "hypothetical": "test"},
                     {"month": 4, "design": "sustain-ukraine", "note": "no force",
                      "hypothetical": "test"}]
    changed = type(sc).model_validate(raw)
    res = api.run(changed, replicates=10)
    g = res.steps.groupby("month")["growth"].mean()
    assert g[2] < g[1] - 1.5  # growth set to -3 at the start of month 2, then relaxing
    pledged = res.steps.groupby("month")["pledged_troops"].mean()
    assert pledged[3] > 0 and pledged[5] == 0  # the design on the table asks no troops


@pytest.mark.parametrize("name", ["feb-2025-summit", "hague-2025-intel-only", "sep-2025-paris",
                                  "dec-2025-assets"])
def test_summit_scenarios_say_how_they_relate_to_the_record(name: str):
    text = (load_scenario.__globals__["SCENARIOS_DIR"] / f"{name}.yaml").read_text()
    assert "record-2025" in text


def test_positions_with_dates_and_events_that_change_a_state():
    sc = load_scenario("sep-2025-paris")
    raw = sc.model_dump()
    raw["positions"]["DE"] = {"shift": {"ground": -0.6}, "troops": 8000,
                              "start": "2026-03", "hypothetical": "Germany changes its mind"}
    raw["events"] = [{"month": 12, "positions": {"IT": {"shift": {"ground": -0.6},
                                                        "hypothetical": "Italy follows"}},
                      "note": "Italy changes its mind"}]
    sc2 = type(sc).model_validate(raw)
    res = api.run(sc2, replicates=30)
    de = res.states[res.states.code == "DE"]
    assert de["committed_ground"].mean() > 0.5 and (de["troops"][de.committed_ground == 1]
                                                    == 8000).all()
    # not before its start date: up to then the runs are those of the scenario without any
    # German position (the new one replaces the scenario's)
    raw.pop("events")
    raw["positions"].pop("DE")
    base = api.run(type(sc).model_validate(raw), replicates=30).steps.groupby(
        "month")["n_ground"].mean()
    changed = res.steps.groupby("month")["n_ground"].mean()
    first = min(m for m in changed.index if res.steps.date[res.steps.month == m].iloc[0]
                >= "2026-03")
    assert np.array_equal(changed[changed.index < first], base[base.index < first])
    assert changed[first] > base[first]
    assert any("Germany changes its mind" in h for h in api.hypotheticals(sc2))


def test_each_observation_gets_its_predictive_z_and_p():
    """z = (observed − simulated mean) / √(sd² + spread of runs²); p two-sided."""
    import math

    sc = load_scenario("record-2025")
    res = api.run(sc, replicates=30)
    obs = [o for o in record.for_scenario(sc) if o.outcome == "growth"][0]
    table = observations.compare((obs,), res.steps, None, sc.start).iloc[0]
    month = res.steps[res.steps.date == obs.date]["growth"].to_numpy()
    z = (obs.value - month.mean()) / math.sqrt(obs.sd ** 2 + month.std(ddof=1) ** 2)
    assert math.isclose(table["z"], z) and 0 < table["p_value"] <= 1
    assert math.isclose(table["p_value"], math.erfc(abs(z) / math.sqrt(2)))
