"""With the US, sanctions, noise and the other assurance terms off, the cascade is Granovetter's."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.batch import Simulation, compile_batch
from sim.model.parameters import MODES
from sim.model.world import StateAttributes
from sim.scenario import Position, Scenario

OFF = {
    "coalition.us_weight": 0.0, "coalition.sanctions_weight": 0.0, "coalition.threat_weight": 0.0,
    "coalition.cost_weight": 0.0, "coalition.substitution": 0.0, "coalition.noise": 0.0,
    "coalition.hysteresis": 0.0, "coalition.capacity_weight": 0.0,
    "coalition.free_ride": 0.0, "coalition.peer_weight": 1.0, "coalition.disposition": 0.0,
    "coalition.home_guard": 0.0,
    **{f"coalition.{m}_threshold": 0.0 for m in MODES},
}


def uniform_world(n: int, ground_thresholds: list[float]) -> Scenario:
    """n identical states whose ground thresholds are set through position shifts."""
    states = [StateAttributes(code=f"S{i:02d}", name=f"State {i}", lat=50.0, lon=5.0, gdp_usd_bn=100,
                        active_personnel=20000, defence_pct_gdp=2.0, border_russia_belarus=False,
                        combat_aircraft=50, major_warships=5, deployment_approval="government")
              for i in range(n)]
    positions = {s.code: Position(shift={"ground": t}, facts=["uk_troops_offer"])
                 for s, t in zip(states, ground_thresholds, strict=False)}
    return Scenario(name="granovetter", description="Granovetter test world", world=states,
                    positions=positions, horizon=3 * n, replicates=1)


def granovetter(thresholds: np.ndarray, steps: int) -> list[int]:
    """Granovetter (1978), synchronous: join when the share already in reaches your threshold."""
    joined = np.zeros(len(thresholds), dtype=bool)
    counts = []
    for _ in range(steps):
        joined = joined.mean() >= thresholds
        counts.append(int(joined.sum()))
    return counts


def ground_counts(scenario: Scenario, seed: int = 0) -> list[int]:
    sim = Simulation(compile_batch(scenario, seeds=[seed], values=OFF))
    counts = []
    for _ in range(scenario.horizon):
        sim.step()
        counts.append(int(sim.run_state.committed[0, :, 0].sum()))
    return counts


def test_classic_riot_example_cascades_through_everyone():
    """Thresholds 0, 1/N, 2/N, ...: one joins each step until all have (Granovetter 1978)."""
    n = 20
    th = [i / n for i in range(n)]
    assert ground_counts(uniform_world(n, th)) == granovetter(np.array(th), 3 * n)
    assert ground_counts(uniform_world(n, th))[n - 1] == n


def test_removing_one_low_threshold_stops_the_cascade():
    """Move the 1/N agent to 2/N and the cascade stops after the instigator."""
    n = 20
    th = [i / n for i in range(n)]
    th[1] = 2 / n
    counts = ground_counts(uniform_world(n, th))
    assert counts == granovetter(np.array(th), 3 * n)
    assert counts[-1] == 1


@pytest.mark.parametrize("seed", range(5))
def test_random_thresholds_match_reference_whatever_the_stream(seed):
    """Any threshold distribution, any random stream: the same path as the reference model."""
    rng = np.random.default_rng(seed)
    n = 30
    th = list(np.round(rng.uniform(0, 0.6, n), 3))
    assert ground_counts(uniform_world(n, th), seed) == granovetter(np.array(th), 90)
