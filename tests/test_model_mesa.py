"""The Mesa model runs the engine's rules unchanged: batch_run, agents, data collection."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.engine.batch import STEP_OUTCOMES, compile_batch, simulate
from sim.engine.mesa_model import CoalitionModel
from sim.scenario import load_scenario


def run_model(seed: int, scenario: str = "sep-2025-paris", **overrides: float) -> CoalitionModel:
    model = CoalitionModel(scenario=scenario, rng=seed, **overrides)
    while model.running:
        model.step()
    return model


def test_batch_run_works_on_the_model_unchanged():
    rows = mesa.batch_run(
        CoalitionModel,
        parameters={"scenario": "sep-2025-paris", "us.backstop_scale": [0.5, 1.5]},
        rng=[11, 12, 13],
        max_steps=100,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    model_rows = {(r["RunId"], r["us.backstop_scale"], r["pledged_troops"]) for r in rows}
    assert len(model_rows) == 6  # 2 parameter values x 3 seeds, one final step each
    assert {r["Step"] for r in rows} == {36}  # runs stop at the scenario horizon
    # each row equals the batch engine's result for the same seed and parameter value
    sc = load_scenario("sep-2025-paris")
    for scale in (0.5, 1.5):
        res = simulate(compile_batch(sc, seeds=[11, 12, 13], values={"us.backstop_scale": scale}))
        expected = sorted(res.summary["pledged_troops"])
        got = sorted({(r["RunId"], r["pledged_troops"]) for r in rows if r["us.backstop_scale"] == scale})
        assert sorted(t for _, t in got) == expected


@pytest.mark.parametrize("seed", [0, 1, 7, 2025, 99991])
def test_single_mesa_run_equals_its_row_in_a_batch(seed):
    model = run_model(seed)
    frame = model.datacollector.get_model_vars_dataframe()
    sc = load_scenario("sep-2025-paris")
    seeds = np.array([3, seed, 5, 8, 13, 21])
    res = simulate(compile_batch(sc, seeds=seeds))
    for name in STEP_OUTCOMES:
        np.testing.assert_array_equal(frame[name].to_numpy(), res.steps[name][1], err_msg=name)


def test_agents_expose_the_array_state():
    model = run_model(4)
    by_code = {a.code: a for a in model.states}
    assert len(by_code) == 34
    gb = by_code["GB"]
    assert gb.commitments["ground"] and gb.troops > 0
    assert gb.thresholds["ground"] < by_code["PL"].thresholds["ground"]
    assert np.isinf(by_code["IS"].thresholds["air"])  # Iceland has no combat aircraft
    total = sum(a.troops for a in model.states)  # each state's contribution, capped at the ask
    assert min(total, model.coalition_scenario.parameters.design.ground_troops) == model.outcome(
        "pledged_troops")
    assert 0.0 <= model.united_states.credibility <= 1.0
    assert model.russia.growth < 4.3
    assert model.ukraine.strength > 0.0 and 0.0 <= model.ukraine.acceptance <= 1.0
    assert model.russia.breakdowns >= 0
    modes = model.datacollector.get_agent_vars_dataframe()["modes"]
    assert (modes == "none").any() or (modes != "none").all()
    assert len(model.committed_modes()["ground"]) == model.outcome("n_ground")


def test_dotted_overrides_reach_the_rules():
    weak = run_model(3, **{"us.backstop_scale": 0.0})
    strong = run_model(3, **{"us.backstop_scale": 2.0})
    assert strong.outcome("us_backstop") > weak.outcome("us_backstop")
    assert strong.outcome("presence_states") >= weak.outcome("presence_states")


def test_scheduled_events_change_parameters_and_are_logged():
    from sim.scenario import Event

    sc = load_scenario("sep-2025-paris").model_copy(update={"events": [Event(
        month=6, set={"us.backstop.air_support": 0.0, "us.backstop.logistics": 0.0},
        note="The US backstop falls to intelligence only.", facts=["us_intel_only"])]})
    model = CoalitionModel(scenario=sc, rng=1)
    for _ in range(5):
        model.step()
    assert model.log == [] and model.united_states.backstop["air_support"] > 0
    model.step()
    assert model.log == [(6, "The US backstop falls to intelligence only.")]
    assert model.united_states.backstop["air_support"] == 0.0


def test_a_run_depends_only_on_its_seed():
    a, b = run_model(42), run_model(42)
    fa = a.datacollector.get_model_vars_dataframe()
    fb = b.datacollector.get_model_vars_dataframe()
    assert fa.equals(fb)
    c = run_model(43).datacollector.get_model_vars_dataframe()
    assert not fa.equals(c)


def test_mesa_scenario_objects_are_accepted():
    """SolaraViz's Reset passes a mesa Scenario; its rng is the seed."""
    from mesa.experimental.scenarios import Scenario as MesaScenario

    model = CoalitionModel(scenario=MesaScenario(rng=5))
    assert model.seed == 5 and model.coalition_scenario.name == "sep-2025-paris"
    tipped = CoalitionModel(scenario=MesaScenario(rng=2, coalition_scenario="classroom-five"))
    assert tipped.coalition_scenario.name == "classroom-five" and tipped.world.size == 5
