"""One hand-computed case per submodel of sim/rules.py, and the completeness of derived sets.

Each case sets a handful of parameters to round numbers, runs one submodel on one run, and
compares with the value worked out by hand in the comment above the assertion.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import engine, outcomes, rules
from sim.parameters import PARAM_INFO, ParameterError
from sim.scenario import load_scenario
from sim.world import World


def params(**changes: float) -> rules.Params:
    """Every parameter at its default for one run, with ``changes`` (``a__b`` = ``a.b``)."""
    p = {k: np.array([info.default]) for k, info in PARAM_INFO.items()}
    for k, v in changes.items():
        p[k.replace("__", ".")] = np.array([float(v)])
    return p


def world2() -> World:
    """Two states: A (bordering Russia, parliament approval) and B (neither)."""
    one = np.ones(2)
    return World(
        codes=("AA", "BB"), names=("Aland", "Bland"), lat=one * 50, lon=one * 10,
        gdp=np.array([1000.0, 500.0]), personnel=np.array([100_000.0, 20_000.0]),
        defence_pct=np.array([2.0, 1.0]), border=np.array([True, False]),
        aircraft=np.array([100.0, 20.0]), warships=np.array([10.0, 0.0]),
        approval=np.array([True, False]), fiscal=np.array([False, True]),
        election_offset=np.array([99, 2]), exposure=np.array([0.8, 0.2]),
        capacity=np.array([[0.5] * 6, [0.2] * 6]), feasible=np.ones((2, 6), dtype=bool))


def state(runs: int = 1, n_states: int = 2, **changes: float) -> rules.RunState:
    s = rules.initial_state(runs, n_states, params(**changes))
    return s


def test_thresholds_hand_case():
    w = world2()
    p = params(coalition__ground_threshold=1.0, coalition__ground_threshold_scale=2.0,
               coalition__capacity_weight=0.4, coalition__spending_weight=0.05,
               coalition__home_defence=0.3, coalition__cost_weight=0.5,
               coalition__approval_cost=0.6, coalition__fiscal_cost=0.2,
               coalition__financing_threshold=0.7, coalition__financing_threshold_scale=1.0)
    shift = np.zeros((2, 6))
    shift[1, 0] = 0.25
    theta = rules.thresholds(w, p, shift)
    # A, ground: 2 * (1.0 - 0.4*0.5 - 0.05*2 + 0.3*1 + 0.5*(0.6*1)) = 2 * 1.3 = 2.6
    assert theta[0, 0, 0] == pytest.approx(2.6)
    # B, ground: 2 * (1.0 - 0.4*0.2 - 0.05*1 + 0 + 0) + 0.25 = 2 * 0.87 + 0.25 = 1.99
    assert theta[0, 1, 0] == pytest.approx(1.99)
    # B, financing: 1 * (0.7 - 0.4*0.2 - 0.05*1 + 0.5*(0.2*1)) = 0.67
    assert theta[0, 1, 3] == pytest.approx(0.67)


def test_thresholds_infinite_without_capacity():
    w = world2()
    feasible = w.feasible.copy()
    feasible[1, 2] = False
    w = World(**{**w.__dict__, "feasible": feasible})
    theta = rules.thresholds(w, params(), np.zeros((2, 6)))
    assert np.isinf(theta[0, 1, 2]) and np.isfinite(theta[0, 0, 2])


def test_ground_troops_hand_case():
    # floor(100,000 * 0.05) = 5,000; floor(20,000 * 0.05) = 1,000
    troops = rules.ground_troops(world2(), params(coalition__deploy_share=0.05))
    np.testing.assert_array_equal(troops, [[5000.0, 1000.0]])


def test_us_policy_hand_case():
    p = params(us__follow_through=0.5, us__credibility_learning=0.2, us__credibility0=0.6,
               us__frustration_rate=0.1, us__threat_level=0.1, us__disengage_level=5,
               us__relief_prob=0.0, us__backstop_scale=2.0, us__backstop__intelligence=0.3,
               us__backstop__air_support=0.6, us__backstop__logistics=0.2,
               us__backstop__funding=0.1)
    s = rules.initial_state(1, 2, p)
    u = np.full((1, rules.draws_per_month(2)), 0.9)
    u[0, rules.U_FOLLOW] = 0.1  # follows through
    u[0, rules.U_THREAT] = 0.2  # acts on the tariff threat
    announced, perceived = rules.us_policy(s, p, u)
    # credibility 0.6 + 0.2 * (1 - 0.6) = 0.68; frustration 0.1 >= threat level -> tariffs
    assert s.credibility[0] == pytest.approx(0.68)
    assert s.frustration[0] == pytest.approx(0.1) and s.tariffs[0] == 1.0
    # announced = min(1, 2 * (0.3, 0.6, 0.2, 0.1)) = (0.6, 1, 0.4, 0.2); perceived x 0.68
    np.testing.assert_allclose(announced[0], [0.6, 1.0, 0.4, 0.2])
    np.testing.assert_allclose(perceived[0], [0.408, 0.68, 0.272, 0.136])


def test_sanctions_pressure_hand_case():
    p = params(sanctions__eu_weight=0.5, sanctions__eu=0.8, sanctions__us_weight=0.3,
               sanctions__us=0.5, sanctions__secondary_weight=0.2, sanctions__oil_ban_weight=0.1,
               sanctions__oil_ban=1.0, sanctions__assets_weight=0.0, finance__assets_loan=0.0,
               sanctions__leakage=0.4, sanctions__leakage_cut=0.5, sanctions__scale=1.0)
    s = rules.initial_state(1, 2, p)
    s.tariffs = np.array([1.0])
    # raw = 0.5*0.8 + 0.3*0.5 + 0.2*1 + 0.1*1 = 0.85; leakage = 0.4*(1 - 0.5) = 0.2
    # pressure = 0.85 * 0.8 = 0.68
    assert rules.sanctions_pressure(s, p)[0] == pytest.approx(0.68)


def test_russian_economy_hand_case():
    p = params(russia__growth_war=4.0, russia__sanctions_drag=3.0, russia__rate_drag=0.5,
               russia__key_rate=20.0, russia__neutral_rate=10.0, russia__growth_noise=0.0,
               russia__adjust_months=4.0, russia__growth0=3.0)
    s = rules.initial_state(1, 2, p)
    u = np.full((1, rules.draws_per_month(2)), 0.5)
    rules.russian_economy(s, p, np.array([0.5]), u)
    # target = 4 - 3*0.5 - 0.5*(20-10) = -2.5; growth = 3 + (-2.5 - 3)/4 = 1.625
    assert s.growth[0] == pytest.approx(1.625)


def test_commitment_cascade_hand_case():
    w = world2()
    zero_need = {k: 0.0 for paths in rules.US_NEED.values() for k in paths}
    p = params(coalition__peer_weight=1.0, coalition__us_weight=0.0,
               coalition__sanctions_weight=0.5, coalition__threat_weight=0.5,
               coalition__noise=0.0, coalition__hysteresis=0.1, coalition__election_window=4,
               coalition__cost_weight=0.5, coalition__election_cost=0.4,
               coalition__substitution=0.0, finance__assets_loan=0.0,
               **{k.replace(".", "__"): v for k, v in zero_need.items()})
    s = rules.initial_state(1, 2, p)
    committed = np.zeros((1, 2, 6), dtype=bool)
    committed[0, 0, 0] = True  # A already commits ground troops: peers[ground] = 1/2
    s.committed = committed
    theta = np.full((1, 2, 6), 0.8)
    u = np.full((1, 2), 0.5)
    rules.commitment_cascade(s, p, w, theta, np.zeros((1, 4)), np.array([0.4]), u)
    # A ground: 0.5*0.4 + 0.5*0.8 + 1*0.5 = 1.1 >= 0.8 -> stays
    # B ground: 0.5*0.4 + 0.5*0.2 + 0.5 - 0.5*0.4 (election in 2 <= 4 months) = 0.6 < 0.8
    # A air: 0.2 + 0.4 + 0 = 0.6 < 0.8; B financing: 0.2 + 0.1 = 0.3 < 0.8
    expected = np.zeros((2, 6), dtype=bool)
    expected[0, 0] = True
    np.testing.assert_array_equal(s.committed[0], expected)
    # hysteresis: theta 1.05 > 1.1 - 0.1 = 1.0... A stays while 1.1 >= 1.05 - 0.1
    s2 = rules.initial_state(1, 2, p)
    s2.committed = committed.copy()
    rules.commitment_cascade(s2, p, w, np.full((1, 2, 6), 1.15), np.zeros((1, 4)),
                             np.array([0.4]), u)
    assert s2.committed[0, 0, 0]  # 1.1 >= 1.15 - 0.1: a committed state stays
    s3 = rules.initial_state(1, 2, p)
    rules.commitment_cascade(s3, p, w, np.full((1, 2, 6), 1.15), np.zeros((1, 4)),
                             np.array([0.4]), u)
    assert not s3.committed[0, 0, 0]  # 0.6 (no peers) < 1.15: an uncommitted one does not


def test_force_and_guarantees_hand_case():
    w = world2()
    p = params(deterrence__force_requirement=12000, deterrence__air_requirement=200,
               deterrence__sea_requirement=20, deterrence__force_weight=0.4,
               deterrence__air_weight=0.2, deterrence__us_weight=0.2,
               deterrence__cohesion_weight=0.2)
    s = rules.initial_state(1, 2, p)
    c = np.zeros((1, 2, 6), dtype=bool)
    c[0, :, 0] = True  # both send ground troops: 5,000 + 1,000
    c[0, 0, 1] = True  # A air: 100 aircraft
    c[0, 0, 2] = True  # A sea: 10 warships
    s.committed = c
    troops = np.array([[5000.0, 1000.0]])
    perceived = np.array([[0.3, 0.1, 0.2, 0.0]])
    f = rules.force_and_guarantees(s, p, w, troops, perceived)
    # land = 6000/12000 = 0.5; air = 100/200 + 0.1 = 0.6; sea = 10/20 = 0.5
    # us_military = (0.3+0.1+0.2)/3 = 0.2; cohesion = 2/2 = 1
    # deterrence = (0.4*0.5 + 0.2*0.6 + 0.2*0.2 + 0.2*1) / 1.0 = 0.56
    assert f["troops"][0] == 6000
    assert f["land_guarantee"][0] == pytest.approx(0.5)
    assert f["air_guarantee"][0] == pytest.approx(0.6)
    assert f["sea_guarantee"][0] == pytest.approx(0.5)
    assert f["cohesion"][0] == pytest.approx(1.0)
    assert f["deterrence"][0] == pytest.approx(0.56)


def test_russia_and_ukraine_hand_case():
    p = params(russia__growth_war=4.0, russia__pain_span=4.0, russia__negotiate0=0.2,
               russia__pain_weight=0.4, russia__pressure_weight=0.2,
               russia__troop_hostility=0.1, russia__resolve=0.5, russia__accept_rate=0.5,
               russia__violation_base=0.2, ukraine__land_required=0.4,
               ukraine__sea_required=0.3, ukraine__air_required=0.3)
    s = rules.initial_state(1, 2, p)
    s.growth = np.array([2.0])
    s.month = 3
    force = {"land_guarantee": np.array([0.5]), "sea_guarantee": np.array([0.5]),
             "air_guarantee": np.array([0.5]), "deterrence": np.array([0.5])}
    u = np.full((1, rules.draws_per_month(2)), 0.9)
    u[0, rules.U_CEASEFIRE] = 0.05
    willing = rules.russia_and_ukraine(s, p, np.array([0.5]), force, u)
    # pain = (4-2)/4 = 0.5; willing = clip(0.2 + 0.4*0.5 + 0.2*0.5 - 0.1*0.5) * (1-0.5) = 0.225
    # agree: 0.05 < 0.5 * 0.225 = 0.1125 -> ceasefire agreed in month 3
    assert willing[0] == pytest.approx(0.225)
    assert s.ceasefire[0] and s.ceasefire_month[0] == 3
    # next month: violation chance 0.2 * 0.5 * (1 - 0.5) = 0.05; a draw of 0.04 breaks it
    s.month = 4
    u[0, rules.U_VIOLATION] = 0.04
    rules.russia_and_ukraine(s, p, np.array([0.5]), force, u)
    assert s.violated[0] and not s.ceasefire[0] and s.violation_month[0] == 4


class _Recorder(dict):
    """A Params dict that records which keys are read."""

    def __init__(self, base: rules.Params):
        super().__init__(base)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> np.ndarray:
        self.read.add(key)
        return super().__getitem__(key)


def test_static_params_are_exactly_what_thresholds_and_troops_read():
    rec = _Recorder(params())
    rules.thresholds(world2(), rec, np.zeros((2, 6)))
    rules.ground_troops(world2(), rec)
    assert rec.read == set(rules.STATIC_PARAMS)


def test_an_event_on_any_static_param_takes_effect():
    """Every parameter the engine keeps between months is rebuilt when an event changes it."""
    sc = load_scenario("sep-2025-paris")
    for key in sorted(rules.STATIC_PARAMS):
        raw = sc.model_dump()
        raw["horizon"] = 3
        lo, hi = PARAM_INFO[key].lo, PARAM_INFO[key].hi
        new = hi if PARAM_INFO[key].default != hi else lo
        raw["events"] = [{"month": 1, "set": {key: new}, "note": "change"}]
        with_event = type(sc).model_validate(raw)
        sim = engine.Simulation(engine.compile_batch(with_event, seeds=[1]))
        sim.step()
        direct = engine.compile_batch(type(sc).model_validate({**sc.model_dump(),
                                                               "horizon": 3, "events": []}),
                                      seeds=[1], values={key: new})
        ref = engine.Simulation(direct)
        np.testing.assert_array_equal(sim.theta, ref.theta, err_msg=key)
        np.testing.assert_array_equal(sim.troops_by_state, ref.troops_by_state, err_msg=key)


def test_engine_produces_exactly_the_declared_outcomes():
    sc = load_scenario("sep-2025-paris")
    res = engine.simulate(engine.compile_batch(sc, seeds=[0, 1]))
    assert tuple(res.steps) == outcomes.MONTHLY_NAMES
    assert tuple(res.summary) == outcomes.PER_RUN_NAMES
    for o in outcomes.PER_RUN:
        x = res.summary[o.name]
        if o.is_probability:
            assert set(np.unique(x)) <= {0.0, 1.0}, o.name
    sim = engine.Simulation(engine.compile_batch(sc, seeds=[0]))
    sim.step()
    assert tuple(sim.outcomes()) == outcomes.MONTHLY_NAMES


def test_compile_batch_refuses_values_outside_the_documented_range():
    sc = load_scenario("sep-2025-paris")
    with pytest.raises(ParameterError, match="coalition.hysteresis.*out of range"):
        engine.compile_batch(sc, seeds=[0, 1], values={"coalition.hysteresis": [-0.05, 0.1]})
    with pytest.raises(ParameterError, match="unknown parameter.*did you mean"):
        engine.compile_batch(sc, seeds=[0], values={"coalition.hysteresys": 0.1})
    with pytest.raises(ParameterError, match="not a finite number"):
        engine.compile_batch(sc, seeds=[0], values={"us.backstop_scale": float("nan")})
