"""One hand-computed case per submodel of sim/model/rules.py, and the completeness of derived sets.

Each case sets a handful of parameters to round numbers, runs one submodel on one run, and
compares with the value worked out by hand in the comment above the assertion.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import batch as engine
from sim.model import outcomes, rules
from sim.model.parameters import PARAM_INFO, ParameterError
from sim.model.world import World
from sim.scenario import load_scenario


def params(**changes: float) -> rules.Params:
    """Every parameter at its default for one run, with ``changes`` (``a__b`` = ``a.b``)."""
    p = {k: np.array([info.default]) for k, info in PARAM_INFO.items()}
    for k, v in changes.items():
        p[k.replace("__", ".")] = np.array([float(v)])
    return p


def world2() -> World:
    """Two states: A (bordering Russia, parliament approval, coalition government) and B
    (neutral); both in one peer group."""
    one = np.ones(2)
    return World(
        codes=("AA", "BB"), names=("Aland", "Bland"), lat=one * 50, lon=one * 10,
        gdp=np.array([1000.0, 500.0]), personnel=np.array([100_000.0, 20_000.0]),
        defence_pct=np.array([2.0, 1.0]), border=np.array([True, False]),
        aircraft=np.array([100.0, 20.0]), warships=np.array([10.0, 0.0]),
        approval=np.array([True, False]), fiscal=np.array([False, True]),
        election_offset=np.array([99, 2]), exposure=np.array([0.8, 0.2]),
        capacity=np.array([[0.5] * 6, [0.2] * 6]), feasible=np.ones((2, 6), dtype=bool),
        coalition_govt=np.array([True, False]), neutral=np.array([False, True]),
        groups=np.ones((1, 2), dtype=bool))


def state(runs: int = 1, n_states: int = 2, **changes: float) -> rules.RunState:
    s = rules.initial_state(runs, n_states, params(**changes))
    return s


def test_thresholds_hand_case():
    w = world2()
    p = params(coalition__ground_threshold=1.0, coalition__ground_threshold_scale=2.0,
               coalition__capacity_weight=0.4, coalition__home_guard=0.5,
               coalition__cost_weight=0.5, coalition__approval_cost=0.6,
               coalition__coalition_cost=0.2, coalition__neutral_cost=0.4,
               coalition__fiscal_cost=0.2, coalition__financing_threshold=0.7,
               coalition__financing_threshold_scale=1.0, coalition__disposition=0.2)
    shift = np.zeros((2, 6))
    shift[1, 0] = 0.25
    theta = rules.thresholds(w, p, shift)
    # A, ground: 2 * (1.0 - 0.4*0.5 + 0.5*0.8 (exposure) + 0.5*(0.6 + 0.2)) = 2 * 1.6 = 3.2
    assert theta[0, 0, 0] == pytest.approx(3.2)
    # B, ground: 2 * (1.0 - 0.4*0.2 + 0.5*0.2 + 0.5*0.4 (neutral)) + 0.25 = 2 * 1.22 + 0.25
    assert theta[0, 1, 0] == pytest.approx(2.69)
    # B, financing: 1 * (0.7 - 0.4*0.2 + 0.5*(0.2*1)) = 0.72 (neutrality costs presence only)
    assert theta[0, 1, 3] == pytest.approx(0.72)
    # dispositions u = 0.75, 0.25: +0.2*(2*0.75 - 1) = +0.1 on every mode of A, -0.1 on B
    drawn = rules.thresholds(w, p, shift, np.array([[0.75, 0.25]]))
    np.testing.assert_allclose(drawn[0] - theta[0], [[0.1] * 6, [-0.1] * 6])


def test_thresholds_infinite_without_capacity_or_when_the_design_asks_nothing():
    w = world2()
    feasible = w.feasible.copy()
    feasible[1, 2] = False
    w = World(**{**w.__dict__, "feasible": feasible})
    theta = rules.thresholds(w, params(), np.zeros((2, 6)))
    assert np.isinf(theta[0, 1, 2]) and np.isfinite(theta[0, 0, 2])
    no_ground = rules.thresholds(w, params(design__ground_troops=0), np.zeros((2, 6)))
    assert np.isinf(no_ground[0, :, 0]).all() and np.isfinite(no_ground[0, :, 3]).all()


def test_contributions_hand_case():
    p = params(coalition__sustainable_share=0.08, coalition__readiness_floor=0.5,
               coalition__readiness_reference=2.0, coalition__air_share=0.1,
               coalition__sea_share=0.2)
    c = rules.contributions(world2(), p)
    # A spends 2% -> ready 1: floor(100,000 * 0.08) = 8,000; B spends 1% -> 0.5 + 0.5*0.5 =
    # 0.75: floor(20,000 * 0.08 * 0.75) = 1,200
    np.testing.assert_array_equal(c[0, :, 0], [8000.0, 1200.0])
    np.testing.assert_allclose(c[0, :, 1], [10.0, 2.0])  # 10% of 100 and of 20 aircraft
    np.testing.assert_allclose(c[0, :, 2], [2.0, 0.0])  # 20% of 10 and of 0 warships


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
    p = params(russia__growth_war=4.0, russia__sanctions_drag=3.0, russia__rate_drag=5.0,
               russia__key_rate=0.2, russia__neutral_rate=0.1, russia__growth_noise=0.0,
               russia__adjust_months=4.0, russia__growth0=3.0)
    s = rules.initial_state(1, 2, p)
    u = np.full((1, rules.draws_per_month(2)), 0.5)
    rules.russian_economy(s, p, np.array([0.5]), u)
    # target = 4 - 3*0.5 - 5*(0.2-0.1) = 2.0; growth = 3 + (2.0 - 3)/4 = 2.75
    assert s.growth[0] == pytest.approx(2.75)


def test_key_rate_follows_its_dated_path():
    """An observed decision holds in its month; the rate then eases towards neutral."""
    p = params(russia__key_rate=0.21, russia__neutral_rate=0.1, russia__rate_easing=0.05,
               russia__growth_noise=0.0)
    s = rules.initial_state(1, 2, p)
    u = np.full((1, rules.draws_per_month(2)), 0.5)
    rates = []
    for month in (1, 2, 3):
        if month == 2:
            p["russia.key_rate"] = np.array([0.18])  # a dated event: a new decision
        rules.russian_economy(s, p, np.array([0.0]), u)
        rates.append(float(s.key_rate[0]))
    # month 1: 0.21 - 0.05 = 0.16; month 2: the decision 0.18 holds; month 3: max(0.1, 0.13)
    assert rates == pytest.approx([0.16, 0.18, 0.13])
    for _ in range(5):  # never below neutral
        rules.russian_economy(s, p, np.array([0.0]), u)
    assert s.key_rate[0] == pytest.approx(0.1)


def test_support_and_ukraine_army_hand_case():
    w = world2()
    p = params(burden__financing_pct_gdp=0.1, burden__arms_pct_gdp=0.2,
               burden__training_pct_gdp=0.0, design__ukraine_boost=0.1,
               finance__assets_loan=1.0, finance__assets_loan_usd_bn=10.0,
               ukraine__us_funding_usd_bn=20.0, ukraine__support_need_usd_bn=20.0,
               ukraine__adjust_months=4.0, ukraine__strength0=1.0,
               ukraine__absorptive_capacity=3.0)
    s = rules.initial_state(1, 2, p)
    c = np.zeros((1, 2, 6), dtype=bool)
    c[0, 0, rules.FINANCING] = True  # A (GDP 1,000) finances: 0.1% -> 1.0 bn
    c[0, 1, rules.ARMS] = True  # B (GDP 500) arms: 0.2% -> 1.0 bn
    s.committed = c
    announced = np.array([[0.0, 0.0, 0.0, 0.5]])
    support = rules.support_usd_bn(s, p, w, announced)
    # 1.0 + 1.0 + boost 0.1% of 1,500 = 1.5 + loan 10 + US 0.5 * 20 = 10 -> 23.5
    assert support[0] == pytest.approx(23.5)
    rules.ukraine_army(s, p, support)
    # target 1 + 2 * (1 - exp(-0.175 / 2)) (absorptive capacity 3); strength 1 + that / 4
    assert s.strength[0] == pytest.approx(1 + 2 * (1 - np.exp(-0.0875)) / 4)


def test_absorptive_capacity_hand_case():
    p = params(ukraine__absorptive_capacity=1.5)
    ratio = np.array([0.5, 1.0, 2.0, 100.0])
    # up to the need, strength follows support; above it 1 + 0.5 * (1 - exp(-(x - 1) / 0.5))
    expected = [0.5, 1.0, 1 + 0.5 * (1 - np.exp(-2.0)), 1.5]
    assert rules.absorbed(p, ratio) == pytest.approx(expected)
    s = rules.initial_state(1, 2, params(ukraine__absorptive_capacity=1.5,
                                         ukraine__adjust_months=4.0, ukraine__strength0=1.0,
                                         ukraine__support_need_usd_bn=50.0))
    rules.ukraine_army(s, params(ukraine__absorptive_capacity=1.5, ukraine__adjust_months=4.0,
                                 ukraine__support_need_usd_bn=50.0), np.array([100.0]))
    # target 1 + 0.5 * (1 - exp(-2)) = 1.4323; strength 1 + 0.4323 / 4
    assert s.strength[0] == pytest.approx(1 + 0.5 * (1 - np.exp(-2.0)) / 4)


def test_need_met_hand_case():
    p = params(design__ground_troops=10000, design__aircraft=0, design__warships=4,
               ukraine__support_need_usd_bn=50.0)
    s = rules.initial_state(1, 2, p)
    c = np.zeros((1, 2, 6), dtype=bool)
    c[0, 0, rules.GROUND] = True
    c[0, 0, rules.SEA] = True
    s.committed = c
    s.offered = np.array([[[8000.0, 0.0, 2.0], [0.0, 0.0, 0.0]]])  # A offers troops and ships
    met = rules.need_met(s, p, np.array([25.0]))
    # ground 8,000 / 10,000; air not asked -> 1; sea 2 / 4; support 25 / 50 for money modes
    np.testing.assert_allclose(met[0], [0.8, 1.0, 0.5, 0.5, 0.5, 0.5])


def test_commitment_cascade_hand_case():
    w = world2()
    zero_need = {k: 0.0 for paths in rules.US_NEED.values() for k in paths}
    p = params(coalition__peer_weight=1.0, coalition__us_weight=0.0,
               coalition__sanctions_weight=0.5, coalition__threat_weight=0.5,
               coalition__noise=0.0, coalition__hysteresis=0.1, coalition__election_window=4,
               coalition__formation_months=0, coalition__cost_weight=0.5,
               coalition__election_cost=0.4, coalition__substitution=0.0,
               coalition__free_ride=0.2, finance__assets_loan=0.0,
               **{k.replace(".", "__"): v for k, v in zero_need.items()})
    s = rules.initial_state(1, 2, p)
    committed = np.zeros((1, 2, 6), dtype=bool)
    committed[0, 0, 0] = True  # A already pledges ground troops: peers[ground] = 1/2
    s.committed = committed
    theta = np.full((1, 2, 6), 0.8)
    u = np.full((1, 2), 0.5)
    met = np.zeros((1, 6))
    met[0, 0] = 0.5  # half the ground force is pledged
    rules.commitment_cascade(s, p, w, theta, np.zeros((1, 4)), np.array([0.4]), met, u)
    # A ground: 0.5*0.4 + 0.5*0.8 + 1*0.5 - 0.2*0.5 = 1.0 >= 0.8 -> stays
    # B ground: 0.2 + 0.1 + 0.5 - 0.1 - 0.5*0.4 (election in 2 <= 4 months) = 0.5 < 0.8
    # A air: 0.2 + 0.4 + 0 = 0.6 < 0.8; B financing: 0.2 + 0.1 = 0.3 < 0.8
    expected = np.zeros((2, 6), dtype=bool)
    expected[0, 0] = True
    np.testing.assert_array_equal(s.committed[0], expected)
    s2 = rules.initial_state(1, 2, p)
    s2.committed = committed.copy()
    rules.commitment_cascade(s2, p, w, np.full((1, 2, 6), 1.05), np.zeros((1, 4)),
                             np.array([0.4]), met, u)
    assert s2.committed[0, 0, 0]  # 1.0 >= 1.05 - 0.1: a pledging state stays
    s3 = rules.initial_state(1, 2, p)
    rules.commitment_cascade(s3, p, w, np.full((1, 2, 6), 1.05), np.zeros((1, 4)),
                             np.array([0.4]), met, u)
    assert not s3.committed[0, 0, 0]  # 0.5 (no peers) < 1.05: a new one does not
    s4 = rules.initial_state(1, 2, p)
    s4.committed = committed.copy()
    contribution = np.array([[[8000.0, 10.0, 2.0], [1200.0, 2.0, 0.0]]])
    p4 = {**p, "coalition.offer_span": np.array([0.6])}
    rules.commitment_cascade(s4, p4, w, theta, np.zeros((1, 4)), np.array([0.4]), met, u,
                             contribution)
    # A ground: 1.0 above its withdrawal point 0.8 - 0.1 by 0.3: depth 0.3 / 0.6 = 0.5 of
    # 8,000 troops, within the 30,000 the design asks
    assert s4.offered[0, 0, 0] == pytest.approx(4000.0) and s4.offered[0, 1].sum() == 0
    s5 = rules.initial_state(1, 2, p)
    s5.committed = committed.copy()
    stated = np.zeros((2, 3), dtype=bool)
    stated[0, 0] = True  # A's troops are a stated figure: offered in full, whatever its depth
    rules.commitment_cascade(s5, p4, w, theta, np.zeros((1, 4)), np.array([0.4]), met, u,
                             contribution, stated)
    assert s5.offered[0, 0, 0] == 8000.0


def test_group_peers_hand_case():
    """A and B form a group; C is only in the coalition. A pledges ground troops."""
    groups = np.array([[True, True, True], [True, True, False]])
    w = World(**{**world2().__dict__, "groups": groups})
    committedT = np.zeros((6, 3, 1), dtype=bool)
    committedT[0, 0, 0] = True
    peers = rules.group_peers(w, committedT)
    # A and B: mean of 1/3 (coalition) and 1/2 (their group) = 5/12; C: 1/3
    np.testing.assert_allclose(peers[0, :, 0], [5 / 12, 5 / 12, 1 / 3])
    assert (peers[1:] == 0).all()


def test_provision_hand_case():
    """Offers 8,000, 6,000, 5,000 for a design of 12,000, taken by priority B, C, A."""
    offers = np.array([[8000.0], [6000.0], [5000.0]])
    priority = np.array([[0.1], [0.3], [0.2]])
    given = rules.provision(offers, priority, np.array([12000.0]))
    # B 6,000, C 5,000 (11,000 so far), A the 1,000 still needed
    np.testing.assert_allclose(given[:, 0], [1000.0, 6000.0, 5000.0])


def test_election_cost_applies_while_a_government_forms():
    """The February 2025 German election (month 0) still weighs in months 1-3."""
    w = world2()
    w = World(**{**w.__dict__, "election_offset": np.array([0, 99])})
    zero_need = {k.replace(".", "__"): 0.0 for paths in rules.US_NEED.values() for k in paths}
    p = params(coalition__formation_months=3, coalition__election_window=4,
               coalition__cost_weight=0.5, coalition__election_cost=1.0, coalition__noise=0.0,
               coalition__peer_weight=0.0, coalition__sanctions_weight=0.0,
               coalition__threat_weight=0.0, coalition__free_ride=0.0, **zero_need)
    theta = np.full((1, 2, 6), -0.25)
    seen = []
    for month in (1, 3, 4):
        s = rules.initial_state(1, 2, p)
        s.month = month
        rules.commitment_cascade(s, p, w, theta, np.zeros((1, 4)), np.array([0.0]),
                                 np.zeros((1, 6)), np.full((1, 2), 0.5))
        seen.append(bool(s.committed[0, 0, 0]))
    # assurance 0 - 0.5 while the government forms (< -0.25), then 0 (>= -0.25)
    assert seen == [False, False, True]


def test_forces_hand_case():
    p = params(design__ground_troops=10000, design__aircraft=20, design__warships=0,
               design__enabler_need=0.8, design__lead_time=2, design__distance_km=0,
               coalition__eu_enablers=0.2)
    s = rules.initial_state(1, 2, p)
    c = np.zeros((1, 2, 6), dtype=bool)
    c[0, :, rules.GROUND] = True
    c[0, 0, rules.AIR] = True
    s.committed = c
    contribution = np.array([[[8000.0, 10.0, 0.0], [6000.0, 2.0, 0.0]]])
    s.offered = np.array([[[8000.0, 10.0, 0.0], [6000.0, 0.0, 0.0]]])
    perceived = np.array([[0.4, 0.0, 0.2, 0.0]])
    # pledged troops min(14,000, 10,000) = 10,000; aircraft 10; enablers (0.4+0.2)/2 + 0.2
    # = 0.5 of 0.8 needed -> 0.625 deploy, enabler gap 0.375
    f = rules.forces(s, p, contribution, perceived)
    assert f["pledged_troops"][0] == 10000 and f["pledged_aircraft"][0] == 10
    assert f["enabler_gap"][0] == pytest.approx(0.375)
    assert f["deployed_troops"][0] == 0  # no ceasefire: nothing deploys
    expected = rules.deterrence_of(p, [np.array([6250.0]), np.array([6.25]), np.array([0.0])],
                                   perceived, s.strength)
    assert f["expected_deterrence"][0] == pytest.approx(expected["deterrence"][0])
    s.ceasefire = np.array([True])
    s.ceasefire_start = np.array([0.0])
    s.month = 2  # the ceasefire is two months old: the force is in place
    f = rules.forces(s, p, contribution, perceived)
    assert f["deployed_troops"][0] == pytest.approx(6250.0)
    assert f["deterrence"][0] == pytest.approx(f["expected_deterrence"][0])
    s.month = 1  # one month old: not yet
    assert rules.forces(s, p, contribution, perceived)["deployed_troops"][0] == 0


def test_deterrence_by_denial_and_punishment_hand_case():
    p = params(design__distance_km=100, deterrence__reach_km=100, deterrence__army_troops=200000,
               deterrence__army_aircraft=400, deterrence__army_warships=100,
               deterrence__us_air_equivalent=100, deterrence__tripwire_troops=1000,
               deterrence__force_hazard_ratio=0.25, deterrence__european_commitment=0.8,
               deterrence__us_reliance=0.5, deterrence__us_escalation=0.5,
               russia__offensive_power=2.0)
    perceived = np.array([[0.6, 0.4, 0.2, 0.0]])  # military backing (0.6+0.4+0.2)/3 = 0.4
    troops = 20000 * np.e  # exp(-100/100) of it holds the line: 20,000
    out = rules.deterrence_of(p, [np.array([troops]), np.array([60.0]), np.array([10.0])],
                              perceived, np.array([1.0]))
    # denial: defence = 1 + 20,000/200,000 + (60 + 0.4*100)/400 + 10/100 = 1.45;
    # success = 2 / (2 + 1.45)
    success = 2 / 3.45
    assert out["success"][0] == pytest.approx(success)
    # punishment: presence = 1 - exp(-54.4) ~ 1; us = 0.5*0.4 = 0.2;
    # europe = 0.8 * (1 - 0.5*(1 - 0.4)) = 0.56; escalation = 1 - 0.44*0.8 = 0.648
    assert out["escalation"][0] == pytest.approx(0.648)
    assert out["deterrence"][0] == pytest.approx(1 - success * 0.25 ** 0.648)
    # no force: no one in the way, deterrence is Ukraine's army (and US air) alone
    none = rules.deterrence_of(p, [np.array([0.0])] * 3, perceived, np.array([1.0]))
    assert none["escalation"][0] == 0
    assert none["deterrence"][0] == pytest.approx(1 - 2 / (2 + 1 + 0.1))
    # the hazard ratio of the force against none, at the same strength: the Fortna prior
    # (0.25) to the power of escalation, times the denial ratio
    ratio = (1 - out["deterrence"][0]) / (1 - none["deterrence"][0])
    assert ratio == pytest.approx(success / (2 / 3.1) * 0.25 ** 0.648)


def test_objection_by_kind_size_and_distance_hand_case():
    p = params(design__russia_hostility=0.5, design__distance_km=300,
               russia__objection_troops=30000, russia__objection_aircraft=100,
               russia__objection_warships=10, russia__objection_range_km=300)
    force = [np.array([15000.0]), np.array([30.0]), np.array([2.0])]
    # size = 1 - exp(-(0.5 + 0.3 + 0.2)) = 1 - 1/e; nearness exp(-1); kind 0.5
    assert rules.objection(p, force)[0] == pytest.approx(0.5 * (1 - np.exp(-1)) * np.exp(-1))
    near = params(design__russia_hostility=0.5, design__distance_km=0,
                  russia__objection_troops=30000, russia__objection_aircraft=100,
                  russia__objection_warships=10, russia__objection_range_km=300)
    assert rules.objection(near, force)[0] > rules.objection(p, force)[0]  # nearer provokes more
    assert rules.objection(p, [np.array([0.0])] * 3)[0] == 0


def test_ukraine_terms_hand_case():
    p = params(russia__offensive_power=3.0, ukraine__ready=4.0, ukraine__refusal_weight=16.0,
               ukraine__trust_weight=10.0, russia__demands=0.9)
    strength = np.array([1.0])
    # holding = 1 / (1 + 3) = 0.25; alone, Russia's offensive succeeds with chance 0.75
    assert rules.holding(p, strength)[0] == pytest.approx(0.25)
    # expected deterrence 0.7: 1 - 0.3/0.75 = 0.6 of the offensive's appeal removed
    g = rules.guarantee(p, strength, np.array([0.7]))
    assert g[0] == pytest.approx(0.6)
    # wariness 16*0.25 - 10*0.6 = -2: guarantees outweigh; terms = demands 0.9
    assert rules.settlement_terms(p, strength, g)[0] == pytest.approx(0.9)
    assert rules.ukraine_acceptance(p, strength, g, np.array([0.9]))[0] == pytest.approx(
        1 / (1 + np.exp(-(4 + 0.9 * 2))))
    # no guarantee: wariness 4, so Ukraine concedes at most 4/4 = 1 -> still 0.9 asked, but
    # accepted at logistic(4 - 0.9*4) = logistic(0.4)
    none = rules.guarantee(p, strength, np.array([0.25]))  # Ukraine's army alone
    assert none[0] == pytest.approx(0.0)
    assert rules.ukraine_acceptance(p, strength, none, np.array([0.9]))[0] == pytest.approx(
        1 / (1 + np.exp(-0.4)))
    # a stronger Ukraine can refuse more: strength 3, holding 0.5, wariness 8 -> limit 0.5
    assert rules.settlement_terms(p, np.array([3.0]), none)[0] == pytest.approx(0.5)


def test_concessions_need_guarantees_a_ceasefire_on_the_line_does_not():
    """ukraine_ready_ceasefire, ukraine_wary_ceasefire: at default parameters, Ukraine's
    acceptance of a settlement asking concessions falls when the guarantees on offer are
    removed; a ceasefire on the line of contact stays acceptable without them."""
    p = params()
    strength = np.array([1.0])
    guaranteed = rules.guarantee(p, strength, np.array([0.8]))
    bare = rules.guarantee(p, strength, rules.holding(p, strength))  # Ukraine alone
    assert guaranteed[0] > 0.5 and bare[0] == pytest.approx(0.0)
    concessions = np.array([0.8])
    with_g = rules.ukraine_acceptance(p, strength, guaranteed, concessions)[0]
    without = rules.ukraine_acceptance(p, strength, bare, concessions)[0]
    assert with_g > 0.9 and without < with_g - 0.4
    line = np.array([0.0])
    for g in (guaranteed, bare):
        assert rules.ukraine_acceptance(p, strength, g, line)[0] > 0.95


def test_russia_and_ukraine_hand_case():
    p = params(russia__growth_war=4.0, russia__pain_span=4.0, russia__willingness0=-2.0,
               russia__pain_weight=2.0, russia__terms_weight=1.0, russia__demands=0.5,
               russia__prospects_weight=2.0, russia__troop_hostility=1.0,
               russia__offensive_power=3.0, russia__negotiation_rate=0.5, russia__resolve=0.5,
               russia__violation_base=0.2, russia__violation_floor=0.5,
               russia__violation_ageing=12, russia__renegotiate_months=3,
               ukraine__ready=4.0, ukraine__refusal_weight=16.0, ukraine__trust_weight=10.0,
               us__breakdown_anger=0.5)
    s = rules.initial_state(1, 2, p)
    s.growth = np.array([2.0])
    s.strength = np.array([1.0])
    s.frustration = np.array([0.5])
    s.month = 3
    force = {"expected_deterrence": np.array([0.7]), "deterrence": np.array([0.5]),
             "objection": np.array([0.5])}
    u = np.full((1, rules.draws_per_month(2)), 0.9)
    u[0, rules.U_CEASEFIRE] = 0.01
    out = rules.russia_and_ukraine(s, p, force, u)
    # pain (4-2)/4 = 0.5; prospects 1 - 1/(1+3) = 0.75; guarantee 0.6 (test above): terms
    # = demands 0.5; willingness = logistic(-2 + 2*0.5 + 1*0.5 - 2*0.75 - 1*0.5) = logistic(-2.5)
    assert out["terms"][0] == pytest.approx(0.5)
    assert out["willingness"][0] == pytest.approx(1 / (1 + np.exp(2.5)))
    # Ukraine accepts with logistic(4 - 0.5*(16*0.25 - 10*0.6)) = logistic(5)
    assert out["ukraine_accepts"][0] == pytest.approx(1 / (1 + np.exp(-5.0)))
    # 0.01 < 0.5 * 0.0759 * 0.9933 = 0.0377: agreed in month 3
    assert s.ceasefire[0] and s.first_ceasefire[0] == 3
    # month 4: hazard 0.2 * 0.5 * (1 - 0.5) * (0.5 + 0.5 * exp(-1/12)) = 0.0480
    s.month = 4
    u[0, rules.U_VIOLATION] = 0.047
    out = rules.russia_and_ukraine(s, p, force, u)
    assert out["violation_hazard"][0] == pytest.approx(0.05 * (0.5 + 0.5 * np.exp(-1 / 12)))
    assert not s.ceasefire[0] and s.breakdowns[0] == 1 and s.last_breakdown[0] == 4
    assert s.frustration[0] == pytest.approx(1.0)  # 0.5 + breakdown anger 0.5
    # talks resume only renegotiate_months after the breakdown, then a new ceasefire
    u[0, rules.U_VIOLATION] = 0.99
    for month, expect in ((5, False), (6, False), (7, True)):
        s.month = month
        rules.russia_and_ukraine(s, p, force, u)
        assert bool(s.ceasefire[0]) is expect, month
    assert s.first_ceasefire[0] == 3 and s.ceasefire_start[0] == 7


class _Recorder(dict):
    """A Params dict that records which keys are read."""

    def __init__(self, base: rules.Params):
        super().__init__(base)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> np.ndarray:
        self.read.add(key)
        return super().__getitem__(key)


def test_static_params_are_exactly_what_thresholds_and_contributions_read():
    rec = _Recorder(params())
    rules.thresholds(world2(), rec, np.zeros((2, 6)), np.full((1, 2), 0.5))
    rules.contributions(world2(), rec)
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
        np.testing.assert_array_equal(sim.contribution, ref.contribution, err_msg=key)


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
