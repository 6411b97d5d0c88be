"""The model's rules, written once over arrays with a leading run dimension.

Every function here works on a batch of R runs: parameters are arrays of shape (R,), agent state
is (R,) for the US, Russia and Ukraine and (R, S, M) for the coalition states' pledges. The
Mesa model runs them with R = 1; the batch engine with R in the thousands. Only elementwise
arithmetic, comparisons, exp, min/max and sums along fixed axes are used inside a step, so a
run's numbers are bit-identical at any batch size. Submodel names match docs/ODD.md section 7.

Memory layout (speed only, not meaning): the (R, S, M) arrays ``RunState.committed`` and the
thresholds are transposed views of arrays stored mode-major and run-last, (M, S, R), so that
every operation runs along long contiguous rows of runs. Reductions whose order could matter
(float sums over states) are done on C-ordered (R, S) rows.

One month (``step``): the US acts (7.2); sanctions pressure (7.3); the Russian economy (7.4);
Ukraine's strength (7.5); pledges (7.1); pledged and deployed forces, enablers and deterrence
(7.6); Russia and Ukraine on a ceasefire, its violation and renegotiation (7.7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.parameters import (
    AIR,
    ARMS,
    BACKSTOP,
    FINANCING,
    GROUND,
    MODES,
    PRESENCE_MODES,
    SEA,
    SUPPORT_MODES,
    TRAINING,
    US_MILITARY_BACKSTOP,
)
from sim.model.world import World

Params = dict[str, np.ndarray]
"""Dotted parameter path → array of shape (R,)."""

M = len(MODES)
PRESENCE = np.zeros(M)
PRESENCE[PRESENCE_MODES] = 1.0
"""1 for the presence modes (ground, air, sea)."""
INTEL, AIR_SUPPORT, LOGISTICS, FUNDING = (BACKSTOP.index(k) for k in BACKSTOP)
US_MILITARY = tuple(BACKSTOP.index(k) for k in US_MILITARY_BACKSTOP)
"""The military components of the US backstop (funding is not military)."""
US_ENABLERS = (INTEL, LOGISTICS)
"""The US backstop components that enable a deployment (ISR, lift and logistics). Air support
adds aircraft equivalents to denial and funding Ukraine's strength; the perceived military
backstop as a whole is also the US's commitment to respond (punishment, ODD 7.6)."""
BACKSTOP_PATHS = ("us.backstop.intelligence", "us.backstop.air_support",
                  "us.backstop.logistics", "us.backstop.funding")
"""The announced US backstop components, in the order of BACKSTOP."""
THRESHOLD_BASE = ("coalition.ground_threshold", "coalition.air_threshold",
                  "coalition.sea_threshold", "coalition.financing_threshold",
                  "coalition.arms_threshold", "coalition.training_threshold")
"""Base threshold of each mode, in the order of MODES."""
THRESHOLD_SCALE = ("coalition.ground_threshold_scale", "coalition.air_threshold_scale",
                   "coalition.sea_threshold_scale", "coalition.financing_threshold_scale",
                   "coalition.arms_threshold_scale", "coalition.training_threshold_scale")
"""Threshold scale of each mode, in the order of MODES."""
DESIGN_SIZE = ("design.ground_troops", "design.aircraft", "design.warships")
"""What the design asks for in each presence mode (troops, aircraft, warships)."""
SUPPORT_PCT_GDP = ("burden.financing_pct_gdp", "burden.arms_pct_gdp", "burden.training_pct_gdp")
"""Yearly money each support mode gives Ukraine, % of the giver's GDP."""
US_NEED = {
    GROUND: ("coalition.us_need.ground.intelligence", "coalition.us_need.ground.air_support",
             "coalition.us_need.ground.logistics", "coalition.us_need.ground.funding"),
    AIR: ("coalition.us_need.air.intelligence", "coalition.us_need.air.air_support",
          "coalition.us_need.air.logistics", "coalition.us_need.air.funding"),
    SEA: ("coalition.us_need.sea.intelligence", "coalition.us_need.sea.air_support",
          "coalition.us_need.sea.logistics", "coalition.us_need.sea.funding"),
}
"""How much each presence mode's assurance rests on each US backstop component, in the order
of BACKSTOP. Financing, arms and training need no US enabler (their row is zero)."""
STATIC_PARAMS = frozenset({*THRESHOLD_BASE, *THRESHOLD_SCALE, *DESIGN_SIZE,
                           "coalition.capacity_weight", "coalition.home_guard",
                           "coalition.approval_cost", "coalition.coalition_cost",
                           "coalition.neutral_cost", "coalition.fiscal_cost",
                           "coalition.disposition",
                           "coalition.cost_weight", "coalition.sustainable_share",
                           "coalition.readiness_reference", "coalition.readiness_floor",
                           "coalition.air_share", "coalition.sea_share"})
"""Parameters read by ``thresholds`` and ``contributions``, whose results the engine keeps
between months: an event that changes one of them makes the engine recompute both
(tests/test_rules.py checks this set is exactly what the two functions read)."""
WEIGHT_FLOOR = 1e-12
"""Smallest divisor where a design size or enabler need may be 0 (the ratio is then set
apart by a condition, never 0/0; docs/ODD.md 7.6)."""
MUSD_PER_BN = 1000.0
"""US$ million per US$ billion (troop cost is in millions, GDP in billions)."""

SLOTS_FIXED = 8
"""Random numbers per run-month besides one per state (see ``draws_per_month``). Seven are
used (the U_* slots below); the eighth is kept free so that a new scalar draw can be added
without moving every state's draw and so re-seeding every run (docs/ODD.md 4)."""
U_FOLLOW, U_THREAT, U_DISENGAGE, U_RELIEF, U_GROWTH, U_CEASEFIRE, U_VIOLATION = range(7)
DISPOSITION_DRAWS = 1 << 40
"""Where in a run's stream the states' dispositions are drawn (one number per state, once per
run): far beyond any month's numbers, so they move no monthly draw (docs/ODD.md 4)."""
INCUMBENT = 1e6
"""Priority added to a state that pledged a presence mode last month: it keeps its place
before any newcomer when offers meet the provision point (``provision``)."""


def draws_per_month(n_states: int) -> int:
    """Random numbers each run uses per month: SLOTS_FIXED scalars and one per state."""
    return SLOTS_FIXED + n_states


def centred(u: np.ndarray) -> np.ndarray:
    """A uniform draw on [0, 1) mapped to [-1, 1): symmetric noise of unit half-width."""
    return 2.0 * u - 1.0


def logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), the smooth step used wherever a choice has no natural cut-off."""
    return 1.0 / (1.0 + np.exp(-x))


def saturating(x: np.ndarray) -> np.ndarray:
    """1 - exp(-x) for x >= 0: rises like x at first, approaches but never reaches 1."""
    return 1.0 - np.exp(-x)


def us_need(p: Params) -> np.ndarray:
    """The US need matrix of R runs, (R, M, K): zero rows for the support modes."""
    runs = len(p["coalition.us_need.ground.intelligence"])
    need = np.zeros((runs, M, len(BACKSTOP)))
    for mode, paths in US_NEED.items():
        for k, path in enumerate(paths):
            need[:, mode, k] = p[path]
    return need


@dataclass
class RunState:
    """Agent state of R runs. Month 0 is the scenario start; each step adds a month."""

    committed: np.ndarray  # (R, S, M) bool: state s pledges mode m
    offered: np.ndarray  # (R, S, 3) troops, aircraft, warships state s offers (ODD 7.1)
    credibility: np.ndarray  # (R,) European belief that US announcements are delivered
    frustration: np.ndarray  # (R,) US frustration with Russia
    tariffs: np.ndarray  # (R,) secondary tariffs applied, 0..1
    disengaged: np.ndarray  # (R,) bool: the US has walked away
    relief: np.ndarray  # (R,) bool: the US has lifted its sanctions
    growth: np.ndarray  # (R,) Russian GDP growth, % per year
    key_rate: np.ndarray  # (R,) Bank of Russia key rate in force (a dated path, ODD 7.4)
    rate_decided: np.ndarray  # (R,) the last observed key-rate decision (russia.key_rate)
    strength: np.ndarray  # (R,) Ukraine's strength (1 = holds the line)
    ceasefire: np.ndarray  # (R,) bool: a ceasefire is in force
    ceasefire_start: np.ndarray  # (R,) month the current (or last) ceasefire was agreed, NaN
    first_ceasefire: np.ndarray  # (R,) month the first ceasefire was agreed, NaN if never
    breakdowns: np.ndarray  # (R,) number of ceasefires Russia has broken
    last_breakdown: np.ndarray  # (R,) month of the last breakdown, NaN if none
    ceasefire_months: np.ndarray  # (R,) months a ceasefire has been in force so far
    month: int = 0
    derived: dict[str, np.ndarray] = field(default_factory=dict)
    """Quantities of the last step (forces, deterrence, pressure, ...), see sim/model/outcomes.py."""
    memo: dict[str, tuple] = field(default_factory=dict, repr=False)
    """Arrays reused from month to month while their inputs stay the same (speed only)."""


def initial_state(runs: int, n_states: int, p: Params) -> RunState:
    """Month 0: nothing pledged, no ceasefire; US tariffs, Russian growth and Ukraine's
    strength as the parameters say."""
    nan = np.full(runs, np.nan)
    return RunState(
        committed=np.zeros((M, n_states, runs), dtype=bool).transpose(2, 1, 0),
        offered=np.zeros((runs, n_states, len(DESIGN_SIZE))),
        credibility=p["us.credibility0"].copy(),
        frustration=p["us.frustration0"].copy(),
        tariffs=p["us.secondary_tariffs"].copy(),
        disengaged=np.zeros(runs, dtype=bool),
        relief=np.zeros(runs, dtype=bool),
        growth=p["russia.growth0"].copy(),
        key_rate=p["russia.key_rate"].copy(),
        rate_decided=p["russia.key_rate"].copy(),
        strength=p["ukraine.strength0"].copy(),
        ceasefire=np.zeros(runs, dtype=bool),
        ceasefire_start=nan.copy(),
        first_ceasefire=nan.copy(),
        breakdowns=np.zeros(runs),
        last_breakdown=nan.copy(),
        ceasefire_months=np.zeros(runs),
    )


# --------------------------------------------------------------------------- thresholds

def asked(p: Params) -> np.ndarray:
    """(R, M) bool: the modes the design asks states to pledge (a presence mode with size 0
    is not asked; money, arms and training always are)."""
    out = np.ones((len(p["design.ground_troops"]), M), dtype=bool)
    for mode, path in enumerate(DESIGN_SIZE):
        out[:, mode] = p[path] > 0
    return out


def thresholds(world: World, p: Params, shift: np.ndarray,
               u_disposition: np.ndarray | None = None) -> np.ndarray:
    """Pledge thresholds (R, S, M) from public attributes: the one rule of ODD 7.1.

    theta = scale_m * (base_m - capacity_weight * capacity[s, m]
            + home_guard * exposure[s] * [m = ground] + cost_weight * static_cost[s, m])
            + shift + disposition * (2 u[s] - 1)
    where static_cost = (approval_cost * approval[s] + coalition_cost * coalition_govt[s]
    + neutral_cost * neutral[s]) * presence_m + fiscal_cost * fiscal[s] * [m in financing,
    arms]. Defence spending enters through capacity (and readiness), not here, so it is
    counted once. A state with no capacity in a mode, or a mode the design does not ask for,
    has an infinite threshold. ``shift`` holds the stated positions; ``u_disposition`` (R, S)
    one uniform draw per run and state (None: no disposition term).
    """
    base = np.stack([p[k] for k in THRESHOLD_BASE])[:, None, :]  # (M, 1, R)
    scale = np.stack([p[k] for k in THRESHOLD_SCALE])[:, None, :]
    money = np.zeros(M)
    money[[FINANCING, ARMS]] = 1.0
    ground = np.zeros(M)
    ground[GROUND] = 1.0
    presence_cost = (p["coalition.approval_cost"][None, :] * world.approval[:, None]
                     + p["coalition.coalition_cost"][None, :] * world.coalition_govt[:, None]
                     + p["coalition.neutral_cost"][None, :] * world.neutral[:, None])  # (S, R)
    static_cost = (presence_cost[None, :, :] * PRESENCE[:, None, None]
                   + p["coalition.fiscal_cost"][None, None, :] * world.fiscal[None, :, None]
                   * money[:, None, None])
    rule = (base
            - p["coalition.capacity_weight"][None, None, :] * world.capacity.T[:, :, None]
            + p["coalition.home_guard"][None, None, :] * world.exposure[None, :, None]
            * ground[:, None, None]
            + p["coalition.cost_weight"][None, None, :] * static_cost)
    theta = scale * rule + shift.T[:, :, None]
    if u_disposition is not None:
        theta = theta + (p["coalition.disposition"][None, :] * centred(u_disposition).T)[None]
    open_ = world.feasible.T[:, :, None] & asked(p).T[:, None, :]
    return np.where(open_, theta, np.inf).transpose(2, 1, 0)


def contributions(world: World, p: Params, stated: np.ndarray | None = None,
                  deployable_share: np.ndarray | None = None) -> np.ndarray:
    """What each state brings when it pledges a presence mode (R, S, 3): troops, aircraft,
    warships (ODD 7.6).

    Troops: NATO's sustainable share of active personnel, scaled by readiness (defence
    spending against the 2% guideline, from readiness_floor at 0% to 1 at the reference),
    whole soldiers. Aircraft and warships: a share of the state's fleet. A stated position
    replaces the rule: ``stated`` (S, 3) figures where not NaN, and ``deployable_share`` (S,)
    of active personnel where not NaN.
    """
    ready = np.clip(p["coalition.readiness_floor"][:, None]
                    + (1.0 - p["coalition.readiness_floor"][:, None])
                    * world.defence_pct[None, :] / p["coalition.readiness_reference"][:, None],
                    0.0, 1.0)
    troops = np.floor(world.personnel[None, :] * p["coalition.sustainable_share"][:, None]
                      * ready)
    aircraft = world.aircraft[None, :] * p["coalition.air_share"][:, None]
    warships = world.warships[None, :] * p["coalition.sea_share"][:, None]
    out = np.stack([troops, aircraft, warships], axis=2)
    if deployable_share is not None and not np.isnan(deployable_share).all():
        own = np.floor(world.personnel * np.nan_to_num(deployable_share))
        out[:, :, 0] = np.where(np.isnan(deployable_share)[None, :], out[:, :, 0], own[None, :])
    if stated is not None and not np.isnan(stated).all():
        out = np.where(np.isnan(stated)[None, :, :], out, np.nan_to_num(stated)[None, :, :])
    return out


# --------------------------------------------------------------------------- submodels

def us_policy(s: RunState, p: Params, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ODD 7.2. The US announces, follows through or not, tires of Russia, may walk away.

    Returns the announced backstop (R, K) and the perceived one (announced x credibility).
    """
    follow = u[:, U_FOLLOW] < p["us.follow_through"]
    s.credibility = s.credibility + p["us.credibility_learning"] * (follow - s.credibility)
    stalled = ~s.ceasefire
    s.frustration = np.where(stalled, s.frustration + p["us.frustration_rate"],
                             s.frustration * (1.0 - p["us.frustration_decay"]))
    threat_acted = (s.frustration >= p["us.threat_level"]) & (u[:, U_THREAT] < p["us.follow_through"])
    s.tariffs = np.where(threat_acted, 1.0, s.tariffs)
    walk = (s.frustration >= p["us.disengage_level"]) & (u[:, U_DISENGAGE] < p["us.disengage_prob"])
    s.disengaged = s.disengaged | (walk & stalled)
    s.relief = s.relief | (u[:, U_RELIEF] < p["us.relief_prob"])
    scale = p["us.backstop_scale"][:, None]
    announced = np.minimum(1.0, scale * np.stack([p[k] for k in BACKSTOP_PATHS], axis=1))
    keep = np.ones((len(s.disengaged), len(BACKSTOP)), dtype=bool)
    keep[:, 1:] = ~s.disengaged[:, None]  # a disengaged US keeps intelligence (us_intel_only)
    announced = announced * keep
    return announced, announced * s.credibility[:, None]


def sanctions_pressure(s: RunState, p: Params) -> np.ndarray:
    """ODD 7.3. Pressure in [0, 1] from EU, US, secondary and oil measures, less leakage."""
    us_on = 1.0 - s.relief
    tariffs = s.tariffs * us_on
    raw = (p["sanctions.eu_weight"] * p["sanctions.eu"]
           + p["sanctions.us_weight"] * p["sanctions.us"] * us_on
           + p["sanctions.secondary_weight"] * tariffs
           + p["sanctions.oil_ban_weight"] * p["sanctions.oil_ban"]
           + p["sanctions.assets_weight"] * p["finance.assets_loan"])
    leakage = p["sanctions.leakage"] * (1.0 - p["sanctions.leakage_cut"] * tariffs)
    return np.clip(p["sanctions.scale"] * raw * (1.0 - leakage), 0.0, 1.0)


def russian_economy(s: RunState, p: Params, pressure: np.ndarray, u: np.ndarray) -> None:
    """ODD 7.4. The key rate follows its dated path; growth relaxes towards a target set by
    sanctions pressure and the key rate.

    Key rate: an observed decision (``russia.key_rate``, set at the start or by a dated event)
    holds in the month it is taken; after it the rate eases by ``rate_easing`` a month, no
    lower than ``neutral_rate`` (the assumption beyond the record).
    """
    decided = p["russia.key_rate"]
    new = decided != s.rate_decided
    eased = np.maximum(np.minimum(s.key_rate, p["russia.neutral_rate"]),
                       s.key_rate - p["russia.rate_easing"])
    s.key_rate = np.where(new, decided, eased)
    s.rate_decided = decided.copy()
    target = (p["russia.growth_war"] - p["russia.sanctions_drag"] * pressure
              - p["russia.rate_drag"] * np.maximum(0.0, s.key_rate - p["russia.neutral_rate"]))
    shock = p["russia.growth_noise"] * centred(u[:, U_GROWTH])
    s.growth = s.growth + (target - s.growth) / p["russia.adjust_months"] + shock


def support_usd_bn(s: RunState, p: Params, world: World, perceived: np.ndarray) -> np.ndarray:
    """Yearly support reaching Ukraine's army (R,), USD bn: the coalition's money, arms and
    training (pledged now: money flows without a ceasefire), the extra a design that sustains
    Ukraine asks of each supporting state, the assets loan and US funding as Europe expects
    it delivered (announced x credibility)."""
    cT = s.committed.transpose(2, 1, 0)
    gdp = world.gdp[None, :]
    given = np.zeros(len(s.growth))
    for mode, path in zip((FINANCING, ARMS, TRAINING), SUPPORT_PCT_GDP, strict=True):
        rows = np.ascontiguousarray(cT[mode].T)  # (R, S)
        given = given + (rows * gdp).sum(axis=1) * p[path] / 100.0
    supporters = np.ascontiguousarray((cT[FINANCING] | cT[ARMS] | cT[TRAINING]).T)
    boost = (supporters * gdp).sum(axis=1) * p["design.ukraine_boost"] / 100.0
    return (given + boost + p["finance.assets_loan"] * p["finance.assets_loan_usd_bn"]
            + perceived[:, FUNDING] * p["ukraine.us_funding_usd_bn"])


def absorbed(p: Params, ratio: np.ndarray) -> np.ndarray:
    """Strength that support of ``ratio`` times the need can build: the ratio up to 1, then
    1 + room * (1 - exp(-(ratio - 1) / room)), room = absorptive_capacity - 1 (slope 1 at the
    need, never above the capacity)."""
    room = p["ukraine.absorptive_capacity"] - 1.0
    return np.where(ratio <= 1.0, ratio, 1.0 + room * saturating((ratio - 1.0) / room))


def ukraine_army(s: RunState, p: Params, support: np.ndarray) -> None:
    """ODD 7.5. Ukraine's strength relaxes towards what its support can build (1 = holds the
    line at the support it needs; saturating towards its absorptive capacity above it)."""
    target = absorbed(p, support / p["ukraine.support_need_usd_bn"])
    s.strength = s.strength + (target - s.strength) / p["ukraine.adjust_months"]


def need_met(s: RunState, p: Params, support: np.ndarray) -> np.ndarray:
    """(R, M) share of each need already met by the offers in force: for a presence mode the
    offered force against the design's ask (1 if it asks none), for the support modes the
    support Ukraine receives against its need (capped at 1)."""
    out = np.ones((len(support), M))
    for mode, path in zip((GROUND, AIR, SEA), DESIGN_SIZE, strict=True):
        offered = np.ascontiguousarray(s.offered[:, :, mode]).sum(axis=1)
        out[:, mode] = np.where(p[path] > 0, np.minimum(1.0, offered / np.maximum(
            p[path], WEIGHT_FLOOR)), 1.0)
    out[:, SUPPORT_MODES] = np.minimum(1.0, support / p["ukraine.support_need_usd_bn"])[:, None]
    return out


def group_peers(world: World, committedT: np.ndarray) -> np.ndarray:
    """(M, S, R) peer signal: for each state, the mean over the groups it belongs to of the
    share of each group's members pledging the mode (ODD 7.1; Watts 2002). In a world with one
    group (everyone) it is the share of all states, Granovetter's global mean. Integer counts
    and a fixed order of groups keep it bit-identical at any batch size."""
    acc = np.zeros(committedT.shape)
    for row in world.groups:
        idx = np.flatnonzero(row)
        share = committedT[:, idx, :].sum(axis=1) / float(len(idx))  # (M, R)
        acc[:, idx, :] += share[:, None, :]
    return acc / world.groups.sum(axis=0)[None, :, None]


def provision(offers: np.ndarray, priority: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Offers (S, R) of one presence mode after the provision point (ODD 7.1): states are
    taken in order of ``priority`` (S, R), highest first, and each offers what it would, but
    no more than the design still needs once the states before it have offered; the design's
    ``size`` (R,) is the provision point (Bagnoli and Lipman 1989)."""
    order = np.argsort(-priority, axis=0, kind="stable")
    ranked = np.take_along_axis(offers, order, axis=0)
    before = np.cumsum(ranked, axis=0) - ranked
    given = np.clip(size[None, :] - before, 0.0, ranked)
    out = np.empty_like(given)
    np.put_along_axis(out, order, given, axis=0)
    return out


def commitment_cascade(s: RunState, p: Params, world: World, theta: np.ndarray,
                       perceived: np.ndarray, pressure: np.ndarray, met: np.ndarray,
                       u_states: np.ndarray, contribution: np.ndarray | None = None,
                       stated: np.ndarray | None = None) -> None:
    """ODD 7.1. Threshold cascade on the peer groups with hysteresis, one month, all states
    at once; then what each pledging state offers in each presence mode.

    assurance[s, m] = us_weight * US_NEED[m] . perceived + peer_weight * peers[s, m]
                      + sanctions_weight * pressure + threat_weight * exposure[s]
                      - cost_weight * election_cost * [election near] * presence_m
                      + substitution * [no presence] * support_m
                      + assets_cost_relief * cost_weight * assets_loan * [m = financing]
                      - free_ride * met[m] + noise[s]
    where peers[s, m] is the group-averaged share pledging m (``group_peers``) and met[m] the
    share of the need for m already met (``need_met``; Olson and Zeckhauser 1966). A state
    pledges when assurance >= theta and stays until assurance < theta - hysteresis.

    Offers (``contribution`` given): a pledging state offers depth * contribution[s, m] of a
    presence mode, depth = min(1, (assurance - theta + hysteresis) / offer_span), its net
    benefit against the full offer (joint products, Sandler and Hartley 2001); offers then
    meet the design's size as a provision point (``provision``: states that pledged last
    month first, then by assurance above threshold). A pledging state whose offer the design
    no longer needs still pledges the mode, conditionally: it offers 0 until others withdraw.
    A figure a stated position gives (``stated``, (S, 3) bool) is an input: that state offers
    it in full whenever it pledges, and the others fill what remains of the design.
    """
    cT = s.committed.transpose(2, 1, 0)  # (M, S, R), contiguous
    mode_term = (p["coalition.us_weight"][:, None] * (perceived[:, None, :] * us_need(p)).sum(axis=2)
                 - p["coalition.free_ride"][:, None] * met)
    mode_term[:, FINANCING] += (p["coalition.cost_weight"] * p["finance.assets_cost_relief"]
                                * p["finance.assets_loan"])
    months_to_vote = world.election_offset[:, None] - s.month  # (S, 1)
    near = ((months_to_vote >= -p["coalition.formation_months"][None, :])
            & (months_to_vote <= p["coalition.election_window"][None, :]))  # (S, R)
    noise = p["coalition.noise"][None, :] * centred(u_states.T)
    state_term = (p["coalition.sanctions_weight"][None, :] * pressure[None, :]
                  + p["coalition.threat_weight"][None, :] * world.exposure[:, None] + noise)
    no_presence = ~(cT[GROUND] | cT[AIR] | cT[SEA])
    assurance = state_term[None, :, :] + np.ascontiguousarray(mode_term.T)[:, None, :]
    assurance += p["coalition.peer_weight"][None, None, :] * group_peers(world, cT)
    assurance[PRESENCE_MODES] += -(p["coalition.cost_weight"]
                                   * p["coalition.election_cost"])[None, :] * near
    assurance[SUPPORT_MODES] += p["coalition.substitution"][None, :] * no_presence
    # assurance >= theta - hysteresis * committed, with theta - hysteresis kept between months;
    # hysteresis >= 0 (parameters.check_value) makes theta - h <= theta, so the two
    # comparisons below are the rule
    thetaT = theta.transpose(2, 1, 0)
    h = p["coalition.hysteresis"]
    memo = s.memo.get("theta_low")
    if memo is None or memo[0] is not theta or not np.array_equal(memo[1], h):
        memo = (theta, h.copy(), thetaT - h[None, None, :])
        s.memo["theta_low"] = memo
    committed = assurance >= thetaT
    committed |= cT & (assurance >= memo[2])
    if contribution is not None:
        span = p["coalition.offer_span"]
        offered = np.zeros(s.offered.shape)
        for mode, path in zip((GROUND, AIR, SEA), DESIGN_SIZE, strict=True):
            above = assurance[mode] - memo[2][mode]  # (S, R), >= 0 where committed
            depth = np.where(span[None, :] > 0,
                             np.clip(above / np.maximum(span, WEIGHT_FLOOR)[None, :], 0.0, 1.0),
                             1.0)
            fixed = (np.zeros(depth.shape[0], dtype=bool) if stated is None
                     else stated[:, mode])[:, None]  # (S, 1)
            wish = committed[mode] * np.where(fixed, 1.0, depth) * contribution[:, :, mode].T
            given = wish * fixed
            rest = np.maximum(p[path] - given.sum(axis=0), 0.0)
            priority = np.where(committed[mode], above + INCUMBENT * cT[mode], -1.0)
            offered[:, :, mode] = (given + provision(wish * ~fixed, priority, rest)).T
        s.offered = offered
    s.committed = committed.transpose(2, 1, 0)


def forces(s: RunState, p: Params, contribution: np.ndarray,
           perceived: np.ndarray) -> dict[str, np.ndarray]:
    """ODD 7.6. Pledged and deployed forces, the enabler gap, deterrence and Russia's objection.

    Pledged: the sum of the states' offers (``commitment_cascade``), never more than the design
    asks.
    Deployed: only while a ceasefire has been in force for the design's lead time, and only
    as far as enablers (US intelligence and logistics as Europe perceives them, announced x
    credibility, or European substitutes) cover the design's need. Deterrence is computed
    twice from the same function: on the deployed force (what deters a violation) and on
    the pledged force as it would deploy (what Russia and Ukraine expect when they weigh a
    ceasefire).
    """
    cT = s.committed.transpose(2, 1, 0)  # (M, S, R)
    pledged = []
    for mode, path in zip((GROUND, AIR, SEA), DESIGN_SIZE, strict=True):
        offered = np.ascontiguousarray(s.offered[:, :, mode]).sum(axis=1)
        pledged.append(np.minimum(offered, p[path]))
    troops, aircraft, warships = pledged
    us_enable = (perceived[:, INTEL] + perceived[:, LOGISTICS]) / len(US_ENABLERS)
    available = np.minimum(1.0, us_enable + p["coalition.eu_enablers"])
    need = p["design.enabler_need"]
    enabled = np.where(need > 0, np.minimum(1.0, available / np.maximum(need, WEIGHT_FLOOR)), 1.0)
    age = np.where(s.ceasefire, s.month - s.ceasefire_start, -1.0)
    in_place = s.ceasefire & (age >= p["design.lead_time"])
    deployed = [x * enabled * in_place for x in pledged]
    expected = [x * enabled for x in pledged]
    now = deterrence_of(p, deployed, perceived, s.strength)
    ahead = deterrence_of(p, expected, perceived, s.strength)
    presence = np.ascontiguousarray((cT[GROUND] | cT[AIR] | cT[SEA]).T)
    parts = [np.where(p[path] > 0, x / np.maximum(p[path], WEIGHT_FLOOR), 0.0)
             for x, path in zip(pledged, DESIGN_SIZE, strict=True)]
    n_parts = sum((p[path] > 0).astype(float) for path in DESIGN_SIZE)
    fill = np.where(n_parts > 0, (parts[0] + parts[1] + parts[2]) / np.maximum(n_parts, 1.0), 0.0)
    return {
        "pledged_troops": troops, "pledged_aircraft": aircraft, "pledged_warships": warships,
        "deployed_troops": deployed[0], "deployed_aircraft": deployed[1],
        "deployed_warships": deployed[2], "enabler_gap": 1.0 - enabled,
        "design_fill": fill, "deterrence": now["deterrence"],
        "offensive_success": now["success"], "escalation": now["escalation"],
        "expected_deterrence": ahead["deterrence"], "expected_success": ahead["success"],
        "objection": objection(p, pledged),
        "presence_share": presence.sum(axis=1) / presence.shape[1],
    }


def objection(p: Params, force: list[np.ndarray]) -> np.ndarray:
    """Russia's objection to the force on offer, in [0, 1): kind x size x nearness (ODD 7.7).

    kind = design.russia_hostility (1: European troops on the ground in Ukraine);
    size = 1 - exp(-(troops / objection_troops + aircraft / objection_aircraft
                     + warships / objection_warships));
    nearness = exp(-distance_km / objection_range_km).
    ``russia.troop_hostility`` turns it into a cost in log-odds of agreeing.
    """
    troops, aircraft, warships = force
    size = saturating(troops / p["russia.objection_troops"]
                      + aircraft / p["russia.objection_aircraft"]
                      + warships / p["russia.objection_warships"])
    near = np.exp(-p["design.distance_km"] / p["russia.objection_range_km"])
    return p["design.russia_hostility"] * size * near


def deterrence_of(p: Params, force: list[np.ndarray], perceived: np.ndarray,
                  strength: np.ndarray) -> dict[str, np.ndarray]:
    """Deterrence by denial and by punishment of a force (troops, aircraft, warships) in place.

    Denial (Mearsheimer 1983; Snyder 1961): defence = strength + troops * exp(-distance /
    reach_km) / army_troops + (aircraft + perceived US air support * us_air_equivalent) /
    army_aircraft + warships / army_warships, in Ukrainian armies; a renewed offensive
    succeeds with chance success = power / (power + defence), power = russia.offensive_power.
    Punishment (Schelling 1966; Huth 1988): escalation = presence * (1 - (1 - europe) * (1 -
    us)), presence = 1 - exp(-troops / tripwire_troops), us = us_escalation * backing, europe
    = european_commitment * (1 - us_reliance * (1 - backing)), backing = the perceived US
    military backstop: the chance that an offensive meets a response from those whose
    soldiers stand in its way, the Europeans readier with the US behind them; it multiplies
    the hazard by force_hazard_ratio ** escalation (Fortna 2008). deterrence = 1 - success *
    force_hazard_ratio ** escalation: the share of a sure, unpunished offensive's appeal that
    what stands there removes.
    """
    troops, aircraft, warships = force
    reach = np.exp(-p["design.distance_km"] / p["deterrence.reach_km"])
    defence = (strength + troops * reach / p["deterrence.army_troops"]
               + (aircraft + perceived[:, AIR_SUPPORT] * p["deterrence.us_air_equivalent"])
               / p["deterrence.army_aircraft"]
               + warships / p["deterrence.army_warships"])
    power = p["russia.offensive_power"]
    success = power / (power + np.maximum(defence, 0.0))
    backing = perceived[:, list(US_MILITARY)].mean(axis=1)
    us = p["deterrence.us_escalation"] * backing
    europe = p["deterrence.european_commitment"] * (1.0 - p["deterrence.us_reliance"] * (1.0 - backing))
    presence = saturating(troops / p["deterrence.tripwire_troops"])
    escalation = presence * (1.0 - (1.0 - europe) * (1.0 - us))
    punished = p["deterrence.force_hazard_ratio"] ** escalation
    return {"deterrence": 1.0 - success * punished, "success": success, "escalation": escalation}


def holding(p: Params, strength: np.ndarray) -> np.ndarray:
    """Ukraine's chance of holding Russia's offensive with its own army alone, strength /
    (strength + russia.offensive_power): the battlefield trajectory both sides weigh."""
    return strength / (strength + p["russia.offensive_power"])


def guarantee(p: Params, strength: np.ndarray, expected_deterrence: np.ndarray) -> np.ndarray:
    """Share of a renewed offensive's appeal that the guarantees on offer remove, in [0, 1):
    1 - (1 - expected deterrence) / (chance the offensive succeeds against Ukraine alone).
    0 with no force and no US backstop; it rises with the force (denial), the commitment of
    those who would be there and the US behind them (punishment)."""
    alone = 1.0 - holding(p, strength)
    return np.clip(1.0 - (1.0 - expected_deterrence) / alone, 0.0, 1.0)


def ukraine_acceptance(p: Params, strength: np.ndarray, guaranteed: np.ndarray,
                       terms: np.ndarray) -> np.ndarray:
    """ODD 7.7. Ukraine's acceptance of a settlement asking ``terms`` (0 a ceasefire on the
    line, 1 all of Russia's demands): logistic(ready - terms * wariness), wariness =
    refusal_weight * holding - trust_weight * guarantee. A ceasefire on the line is accepted at
    logistic(ready) whatever the guarantees; a settlement asking concessions only as far as the
    guarantees it trusts outweigh what its own army could hold (Walter 1997; Fearon 1995)."""
    return logistic(p["ukraine.ready"] - terms * wariness(p, strength, guaranteed))


def wariness(p: Params, strength: np.ndarray, guaranteed: np.ndarray) -> np.ndarray:
    """Log-odds Ukraine loses per unit of concessions: refusal_weight * holding -
    trust_weight * guarantee (negative when the guarantees outweigh its own prospects)."""
    return (p["ukraine.refusal_weight"] * holding(p, strength)
            - p["ukraine.trust_weight"] * guaranteed)


def settlement_terms(p: Params, strength: np.ndarray, guaranteed: np.ndarray) -> np.ndarray:
    """The terms on offer: Russia's demands (``russia.demands``), cut to the most Ukraine
    accepts at even odds, ready / wariness (Powell 2006: the bargaining range). Guarantees
    Ukraine trusts widen what it can concede; its own strength narrows it."""
    limit = p["ukraine.ready"] / np.maximum(wariness(p, strength, guaranteed), WEIGHT_FLOOR)
    return np.minimum(p["russia.demands"], limit)


def russia_and_ukraine(s: RunState, p: Params, force: dict[str, np.ndarray],
                       u: np.ndarray) -> dict[str, np.ndarray]:
    """ODD 7.7. A ceasefire as a bargain; its breakdown as deterrence (7.6); renegotiation.

    Russia compares fighting on with the settlement on offer: willingness = logistic(
    willingness0 + pain_weight * pain + terms_weight * terms - prospects_weight *
    (1 - holding) - troop_hostility * objection), where
    1 - holding is its chance of gaining by force against Ukraine's army (the war goes on:
    no foreign force stands there yet) and objection the force on offer by kind, size and
    distance (``objection``); terms are Russia's demands cut to what Ukraine can accept
    (``settlement_terms``). Ukraine accepts as ``ukraine_acceptance`` says, trusting the
    guarantees as far as ``guarantee``. A ceasefire is agreed with probability
    negotiation_rate * willingness * acceptance, unless one broke down less than
    renegotiate_months ago. Russia breaks a ceasefire with probability violation_base *
    resolve * (1 - deterrence) * ageing, where 1 - deterrence is its chance of success times
    the share of the hazard left by punishment, and ageing falls from 1 to violation_floor as
    the ceasefire ages (Fortna 2004).
    """
    pain = np.clip((p["russia.growth_war"] - s.growth) / p["russia.pain_span"], 0.0, 1.0)
    prospects = 1.0 - holding(p, s.strength)
    guaranteed = guarantee(p, s.strength, force["expected_deterrence"])
    terms = settlement_terms(p, s.strength, guaranteed)
    willing = logistic(p["russia.willingness0"] + p["russia.pain_weight"] * pain
                       + p["russia.terms_weight"] * terms
                       - p["russia.prospects_weight"] * prospects
                       - p["russia.troop_hostility"] * force["objection"])
    accept = ukraine_acceptance(p, s.strength, guaranteed, terms)
    since = s.month - s.last_breakdown
    talks = np.isnan(s.last_breakdown) | (since >= p["russia.renegotiate_months"])
    agree = (~s.ceasefire & talks
             & (u[:, U_CEASEFIRE] < p["russia.negotiation_rate"] * willing * accept))
    age = s.month - s.ceasefire_start
    ageing = p["russia.violation_floor"] + (1.0 - p["russia.violation_floor"]) * np.exp(
        -np.nan_to_num(age) / p["russia.violation_ageing"])
    hazard = p["russia.violation_base"] * p["russia.resolve"] * (1.0 - force["deterrence"]) * ageing
    violate = s.ceasefire & (u[:, U_VIOLATION] < hazard)
    s.ceasefire_months = s.ceasefire_months + s.ceasefire
    s.breakdowns = s.breakdowns + violate
    s.last_breakdown = np.where(violate, s.month, s.last_breakdown)
    s.ceasefire_start = np.where(agree, s.month, s.ceasefire_start)
    s.first_ceasefire = np.where(agree & np.isnan(s.first_ceasefire), s.month, s.first_ceasefire)
    s.frustration = s.frustration + p["us.breakdown_anger"] * violate
    s.ceasefire = (s.ceasefire & ~violate) | agree
    return {"willingness": willing, "ukraine_accepts": accept, "guarantee": guaranteed,
            "terms": terms,
            "violation_hazard": hazard}


def step(s: RunState, p: Params, world: World, theta: np.ndarray, contribution: np.ndarray,
         u: np.ndarray, stated: np.ndarray | None = None) -> None:
    """Advance R runs by one month. ``u`` holds the month's uniforms, shape (R, draws_per_month);
    ``stated`` (S, 3) marks the contributions a stated position gives (offered in full)."""
    s.month += 1
    announced, perceived = us_policy(s, p, u)
    pressure = sanctions_pressure(s, p)
    russian_economy(s, p, pressure, u)
    support = support_usd_bn(s, p, world, perceived)
    ukraine_army(s, p, support)
    met = need_met(s, p, support)
    commitment_cascade(s, p, world, theta, perceived, pressure, met, u[:, SLOTS_FIXED:],
                       contribution, stated)
    force = forces(s, p, contribution, perceived)
    talks = russia_and_ukraine(s, p, force, u)
    s.derived = {
        **force,
        **talks,
        "pressure": pressure,
        "support_usd_bn": support,
        "us_backstop": announced[:, list(US_MILITARY)].mean(axis=1),  # the military components
        "us_perceived": perceived[:, list(US_MILITARY)].mean(axis=1),
    }
