"""A run's numbers are the same alone (engine R = 1, CoalitionModel) as in a batch of many."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import batch as engine
from sim.engine.mesa_model import CoalitionModel
from sim.scenario import load_scenario

SC = load_scenario("sep-2025-paris")
KNOBS = ("us.backstop_scale", "sanctions.scale", "coalition.ground_threshold_scale")


def random_values(runs: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"us.backstop_scale": rng.uniform(0, 2, runs),
            "sanctions.scale": rng.uniform(0, 2, runs),
            "coalition.ground_threshold_scale": rng.uniform(0.6, 1.4, runs)}


@pytest.mark.slow
def test_batch_equals_single_runs_over_many_seeds() -> None:
    seeds = np.arange(1000, 1400)
    values = random_values(len(seeds), 1)
    big = engine.simulate(engine.compile_batch(SC, seeds=seeds, values=values),
                          record_steps=False)
    assert len(np.unique(big.summary["deterrence"])) > 5  # the runs differ
    for i, seed in enumerate(seeds):
        alone = engine.simulate(engine.compile_batch(
            SC, seeds=[seed], values={k: v[i] for k, v in values.items()}), record_steps=False)
        for k in engine.SUMMARY_OUTCOMES:
            np.testing.assert_array_equal(alone.summary[k][0], big.summary[k][i],
                                          err_msg=f"seed {seed}: {k}")


def test_batch_equals_mesa_model_over_seeds() -> None:
    seeds = np.arange(30)
    values = random_values(len(seeds), 2)
    big = engine.simulate(engine.compile_batch(SC, seeds=seeds, values=values))
    for i, seed in enumerate(seeds):
        model = CoalitionModel(scenario=SC, rng=int(seed),
                               **{k: float(v[i]) for k, v in values.items()})
        while model.running:
            model.step()
        df = model.datacollector.get_model_vars_dataframe()
        for k in ("pledged_troops", "ceasefire_in_force", "deterrence", "pledging_states", "growth"):
            np.testing.assert_array_equal(df[k].to_numpy(), big.steps[k][i],
                                          err_msg=f"seed {seed}: {k}")


@settings(max_examples=15, deadline=None)
@given(seeds=st.lists(st.integers(0, 2**40), min_size=1, max_size=12),
       pick=st.integers(0, 11), knob=st.sampled_from(KNOBS), x=st.floats(0.5, 1.5))
def test_a_run_ignores_its_neighbours(seeds: list[int], pick: int, knob: str, x: float) -> None:
    sc = SC.model_copy(update={"horizon": 12})
    i = pick % len(seeds)
    vals = np.linspace(0.5, 1.5, len(seeds))
    vals[i] = x
    batch = engine.simulate(engine.compile_batch(sc, seeds=seeds, values={knob: vals}),
                            record_steps=False)
    alone = engine.simulate(engine.compile_batch(sc, seeds=[seeds[i]], values={knob: x}),
                            record_steps=False)
    for k in engine.SUMMARY_OUTCOMES:
        np.testing.assert_array_equal(alone.summary[k][0], batch.summary[k][i], err_msg=k)
