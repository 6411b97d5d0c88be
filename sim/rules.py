"""The model's rules, written once over arrays with a leading run dimension.

Every function here works on a batch of R runs: parameters are arrays of shape (R,), agent state
is (R,) for the US and Russia and (R, S, M) for coalition commitments. The Mesa model runs them
with R = 1; the batch engine with R in the thousands. Only +, -, *, /, comparisons, min/max and
sums of integers are used inside a step, so a run's numbers are bit-identical at any batch size.
Submodel names match docs/ODD.md section 7.

Memory layout (speed only, not meaning): the (R, S, M) arrays ``State.committed`` and the
thresholds are transposed views of arrays stored mode-major and run-last, (M, S, R), so that
every operation runs along long contiguous rows of runs instead of rows of six modes.
Indexing them as (R, S, M) works as usual; reductions whose order could matter (float sums over
states) are done on (R, S) rows as before, so the numbers do not change (tests/test_engine_golden.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.parameters import BACKSTOP, MODES
from sim.world import World

Params = dict[str, np.ndarray]
"""Dotted parameter path → array of shape (R,)."""

M = len(MODES)
GROUND, AIR, SEA, FINANCING, ARMS, TRAINING = range(M)
PRESENCE = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
"""1 for the presence modes (ground, air, sea)."""
INTEL, AIR_SUPPORT, LOGISTICS, FUNDING = range(len(BACKSTOP))
US_MILITARY = (INTEL, AIR_SUPPORT, LOGISTICS)
"""The military components of the US backstop (funding is not military)."""
BACKSTOP_PATHS = ("us.backstop.intelligence", "us.backstop.air_support",
                  "us.backstop.logistics", "us.backstop.funding")
"""The announced US backstop components, in the order of BACKSTOP."""
REQUIREMENT_FLOOR = 1.0
"""Smallest force requirement divided by (troops): a requirement of 0 is met by any force
(land guarantee 1) instead of 0/0 (docs/ODD.md 7.5)."""

THRESHOLD_BASE = ("coalition.ground_threshold", "coalition.air_threshold",
                  "coalition.sea_threshold", "coalition.financing_threshold",
                  "coalition.arms_threshold", "coalition.training_threshold")
"""Base threshold of each mode, in the order of MODES."""
THRESHOLD_SCALE = ("coalition.ground_threshold_scale", "coalition.air_threshold_scale",
                   "coalition.sea_threshold_scale", "coalition.financing_threshold_scale",
                   "coalition.arms_threshold_scale", "coalition.training_threshold_scale")
"""Threshold scale of each mode, in the order of MODES."""
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
STATIC_PARAMS = frozenset({*THRESHOLD_BASE, *THRESHOLD_SCALE, "coalition.capacity_weight",
                           "coalition.spending_weight", "coalition.home_defence",
                           "coalition.approval_cost", "coalition.fiscal_cost",
                           "coalition.cost_weight", "coalition.deploy_share"})
"""Parameters read by ``thresholds`` and ``ground_troops``, whose results the engine keeps
between months: an event that changes one of them makes the engine recompute both
(tests/test_rules.py checks this set is exactly what the two functions read)."""
WEIGHT_FLOOR = 1e-12
"""Smallest sum of deterrence weights divided by: all four weights may be 0 in a sensitivity
analysis, and deterrence is then 0 rather than 0/0 (docs/ODD.md 7.5)."""

SLOTS_FIXED = 8
"""Random numbers per run-month besides one per state (see ``draws_per_month``). Seven are
used (the U_* slots below); the eighth is kept free so that a new scalar draw can be added
without moving every state's draw and so re-seeding every run (docs/ODD.md 7.0)."""
U_FOLLOW, U_THREAT, U_DISENGAGE, U_RELIEF, U_GROWTH, U_CEASEFIRE, U_VIOLATION = range(7)


def draws_per_month(n_states: int) -> int:
    """Random numbers each run uses per month: SLOTS_FIXED scalars and one per state."""
    return SLOTS_FIXED + n_states


def centred(u: np.ndarray) -> np.ndarray:
    """A uniform draw on [0, 1) mapped to [-1, 1): symmetric noise of unit half-width."""
    return 2.0 * u - 1.0


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

    committed: np.ndarray  # (R, S, M) bool: state s commits to mode m
    credibility: np.ndarray  # (R,) European belief that US announcements are delivered
    frustration: np.ndarray  # (R,) US frustration with Russia
    tariffs: np.ndarray  # (R,) secondary tariffs applied, 0..1
    disengaged: np.ndarray  # (R,) bool: the US has walked away
    relief: np.ndarray  # (R,) bool: the US has lifted its sanctions
    growth: np.ndarray  # (R,) Russian GDP growth, % per year
    ceasefire: np.ndarray  # (R,) bool: a ceasefire is in force
    ceasefire_month: np.ndarray  # (R,) month it was agreed, NaN if never
    violated: np.ndarray  # (R,) bool: Russia has broken the ceasefire
    violation_month: np.ndarray  # (R,) month it was broken, NaN if never
    month: int = 0
    derived: dict[str, np.ndarray] = field(default_factory=dict)
    """Quantities of the last step (troops, deterrence, pressure, ...), see ``OUTCOMES``."""
    memo: dict[str, tuple] = field(default_factory=dict, repr=False)
    """Arrays reused from month to month while their inputs stay the same (speed only)."""


def initial_state(runs: int, n_states: int, p: Params) -> RunState:
    """Month 0: nothing committed, no ceasefire, US tariffs and growth as the parameters say."""
    nan = np.full(runs, np.nan)
    return RunState(
        committed=np.zeros((M, n_states, runs), dtype=bool).transpose(2, 1, 0),
        credibility=p["us.credibility0"].copy(),
        frustration=np.zeros(runs),
        tariffs=p["us.secondary_tariffs"].copy(),
        disengaged=np.zeros(runs, dtype=bool),
        relief=np.zeros(runs, dtype=bool),
        growth=p["russia.growth0"].copy(),
        ceasefire=np.zeros(runs, dtype=bool),
        ceasefire_month=nan.copy(),
        violated=np.zeros(runs, dtype=bool),
        violation_month=nan,
    )


# --------------------------------------------------------------------------- thresholds

def thresholds(world: World, p: Params, shift: np.ndarray) -> np.ndarray:
    """Commitment thresholds (R, S, M) from public attributes: the one rule of ODD 7.1.

    theta = scale_m * (base_m - capacity_weight * capacity[s, m] - spending_weight * defence_pct[s]
            + home_defence * border[s] * [m = ground] + cost_weight * static_cost[s, m]) + shift[s, m]
    where static_cost = approval_cost * approval[s] * presence_m + fiscal_cost * fiscal[s]
    * [m in financing, arms]. A state with no capacity in a mode can never commit to it (inf).
    ``shift`` holds the per-state overrides that cite a seed article.
    """
    # computed in (M, S, R) layout, element by element exactly as the formula reads
    base = np.stack([p[k] for k in THRESHOLD_BASE])[:, None, :]  # (M, 1, R)
    scale = np.stack([p[k] for k in THRESHOLD_SCALE])[:, None, :]
    money = np.zeros(M)
    money[[FINANCING, ARMS]] = 1.0
    ground = np.zeros(M)
    ground[GROUND] = 1.0
    static_cost = (p["coalition.approval_cost"][None, None, :] * world.approval[None, :, None]
                   * PRESENCE[:, None, None]
                   + p["coalition.fiscal_cost"][None, None, :] * world.fiscal[None, :, None]
                   * money[:, None, None])
    rule = (base
            - p["coalition.capacity_weight"][None, None, :] * world.capacity.T[:, :, None]
            - p["coalition.spending_weight"][None, None, :] * world.defence_pct[None, :, None]
            + p["coalition.home_defence"][None, None, :] * world.border[None, :, None]
            * ground[:, None, None]
            + p["coalition.cost_weight"][None, None, :] * static_cost)
    theta = scale * rule + shift.T[:, :, None]
    return np.where(world.feasible.T[:, :, None], theta, np.inf).transpose(2, 1, 0)


def ground_troops(world: World, p: Params) -> np.ndarray:
    """Troops each state sends when it commits ground troops (R, S), whole soldiers."""
    return np.floor(world.personnel[None, :] * p["coalition.deploy_share"][:, None])


# --------------------------------------------------------------------------- submodels

def us_policy(s: RunState, p: Params, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ODD 7.2. The US announces, follows through or not, tires of Russia, may walk away.

    Returns the announced backstop (R, K) and the perceived one (announced x credibility).
    """
    follow = u[:, U_FOLLOW] < p["us.follow_through"]
    s.credibility = s.credibility + p["us.credibility_learning"] * (follow - s.credibility)
    stalled = ~s.ceasefire
    s.frustration = s.frustration + p["us.frustration_rate"] * stalled
    threat_acted = (s.frustration >= p["us.threat_level"]) & (u[:, U_THREAT] < p["us.follow_through"])
    s.tariffs = np.where(threat_acted, 1.0, s.tariffs)
    walk = (s.frustration >= p["us.disengage_level"]) & (u[:, U_DISENGAGE] < p["us.disengage_prob"])
    s.disengaged = s.disengaged | (walk & stalled)
    s.relief = s.relief | (u[:, U_RELIEF] < p["us.relief_prob"])
    scale = p["us.backstop_scale"][:, None]
    announced = np.minimum(1.0, scale * np.stack([p[k] for k in BACKSTOP_PATHS], axis=1))
    keep = np.ones((len(s.disengaged), len(BACKSTOP)), dtype=bool)
    keep[:, 1:] = ~s.disengaged[:, None]  # a disengaged US keeps intelligence only (us_intel_only)
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
    """ODD 7.4. Growth relaxes towards a target set by sanctions pressure and the key rate."""
    target = (p["russia.growth_war"] - p["russia.sanctions_drag"] * pressure
              - p["russia.rate_drag"] * np.maximum(0.0, p["russia.key_rate"] - p["russia.neutral_rate"]))
    shock = p["russia.growth_noise"] * centred(u[:, U_GROWTH])
    s.growth = s.growth + (target - s.growth) / p["russia.adjust_months"] + shock


def commitment_cascade(s: RunState, p: Params, world: World, theta: np.ndarray,
                       perceived: np.ndarray, pressure: np.ndarray, u_states: np.ndarray) -> None:
    """ODD 7.1. Granovetter threshold cascade with hysteresis, one month, all states at once.

    assurance[s, m] = us_weight * US_NEED[m] . perceived + peer_weight * peers[m]
                      + sanctions_weight * pressure + threat_weight * exposure[s]
                      - cost_weight * election_cost * [election near] * presence_m
                      + substitution * [no presence] * support_m
                      + assets_cost_relief * cost_weight * assets_loan * [m = financing] + noise[s]
    A state commits when assurance >= theta and stays until assurance < theta - hysteresis.
    """
    cT = s.committed.transpose(2, 1, 0)  # (M, S, R), contiguous
    n_states = cT.shape[1]
    peers = (cT.sum(axis=1).astype(np.float64) / n_states).T  # (R, M), = committed.mean(axis=1)
    mode_term = (p["coalition.us_weight"][:, None] * (perceived[:, None, :] * us_need(p)).sum(axis=2)
                 + p["coalition.peer_weight"][:, None] * peers)
    mode_term[:, FINANCING] += (p["coalition.cost_weight"] * p["finance.assets_cost_relief"]
                                * p["finance.assets_loan"])
    months_to_vote = world.election_offset[:, None] - s.month  # (S, 1)
    near = (months_to_vote >= 0) & (months_to_vote <= p["coalition.election_window"][None, :])  # (S, R)
    noise = p["coalition.noise"][None, :] * centred(u_states.T)
    state_term = (p["coalition.sanctions_weight"][None, :] * pressure[None, :]
                  + p["coalition.threat_weight"][None, :] * world.exposure[:, None] + noise)  # (S, R)
    no_presence = ~(cT[GROUND] | cT[AIR] | cT[SEA])
    assurance = state_term[None, :, :] + np.ascontiguousarray(mode_term.T)[:, None, :]
    assurance[:3] += -(p["coalition.cost_weight"] * p["coalition.election_cost"])[None, :] * near
    assurance[3:] += p["coalition.substitution"][None, :] * no_presence
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
    s.committed = committed.transpose(2, 1, 0)


def force_and_guarantees(s: RunState, p: Params, world: World, troops_by_state: np.ndarray,
                         perceived: np.ndarray) -> dict[str, np.ndarray]:
    """ODD 7.5. Committed force, guarantees on land, at sea and in the air, deterrence."""
    cT = s.committed.transpose(2, 1, 0)  # (M, S, R)
    # float sums over states stay on C-ordered (R, S) rows: the same summation order as ever
    ground, air, sea = (np.ascontiguousarray(cT[m].T) for m in (GROUND, AIR, SEA))
    troops = (ground * troops_by_state).sum(axis=1)
    air_cap = (air * world.aircraft[None, :]).sum(axis=1)
    sea_cap = (sea * world.warships[None, :]).sum(axis=1)
    land_g = np.minimum(1.0, troops / np.maximum(p["deterrence.force_requirement"], REQUIREMENT_FLOOR))
    air_g = np.minimum(1.0, air_cap / p["deterrence.air_requirement"] + perceived[:, AIR_SUPPORT])
    sea_g = np.minimum(1.0, sea_cap / p["deterrence.sea_requirement"])
    us_mil = (perceived[:, INTEL] + perceived[:, AIR_SUPPORT] + perceived[:, LOGISTICS]) / len(
        US_MILITARY)
    cohesion = (cT[GROUND] | cT[AIR] | cT[SEA] | cT[FINANCING] | cT[ARMS] | cT[TRAINING]).sum(
        axis=0).astype(np.float64) / cT.shape[1]  # = committed.any(axis=2).mean(axis=1)
    weights = (p["deterrence.force_weight"] + p["deterrence.air_weight"] + p["deterrence.us_weight"]
               + p["deterrence.cohesion_weight"])
    deterrence = (p["deterrence.force_weight"] * land_g + p["deterrence.air_weight"] * air_g
                  + p["deterrence.us_weight"] * us_mil
                  + p["deterrence.cohesion_weight"] * cohesion) / np.maximum(weights, WEIGHT_FLOOR)
    return {"troops": troops, "air_capacity": air_cap, "sea_capacity": sea_cap,
            "land_guarantee": land_g, "air_guarantee": air_g, "sea_guarantee": sea_g,
            "cohesion": cohesion, "deterrence": deterrence}


def russia_and_ukraine(s: RunState, p: Params, pressure: np.ndarray, force: dict[str, np.ndarray],
                       u: np.ndarray) -> np.ndarray:
    """ODD 7.6. Willingness to negotiate, ceasefire agreement, and violation under deterrence.

    Returns Russia's willingness to negotiate (R,).
    """
    pain = np.clip((p["russia.growth_war"] - s.growth) / p["russia.pain_span"], 0.0, 1.0)
    willing = np.clip(p["russia.negotiate0"] + p["russia.pain_weight"] * pain
                      + p["russia.pressure_weight"] * pressure
                      - p["russia.troop_hostility"] * force["land_guarantee"], 0.0, 1.0) * (
        1.0 - p["russia.resolve"])
    ukraine_accepts = ((force["land_guarantee"] >= p["ukraine.land_required"])
                       & (force["sea_guarantee"] >= p["ukraine.sea_required"])
                       & (force["air_guarantee"] >= p["ukraine.air_required"]))
    agree = (~s.ceasefire & ~s.violated & ukraine_accepts
             & (u[:, U_CEASEFIRE] < p["russia.accept_rate"] * willing))
    violate = s.ceasefire & (
        u[:, U_VIOLATION] < p["russia.violation_base"] * p["russia.resolve"] * (1.0 - force["deterrence"]))
    s.ceasefire_month = np.where(agree, s.month, s.ceasefire_month)
    s.violation_month = np.where(violate, s.month, s.violation_month)
    s.ceasefire = (s.ceasefire | agree) & ~violate
    s.violated = s.violated | violate
    return willing


def step(s: RunState, p: Params, world: World, theta: np.ndarray, troops_by_state: np.ndarray,
         u: np.ndarray) -> None:
    """Advance R runs by one month. ``u`` holds the month's uniforms, shape (R, draws_per_month)."""
    s.month += 1
    announced, perceived = us_policy(s, p, u)
    pressure = sanctions_pressure(s, p)
    russian_economy(s, p, pressure, u)
    commitment_cascade(s, p, world, theta, perceived, pressure, u[:, SLOTS_FIXED:])
    force = force_and_guarantees(s, p, world, troops_by_state, perceived)
    willing = russia_and_ukraine(s, p, pressure, force, u)
    s.derived = {
        **force,
        "pressure": pressure,
        "willingness": willing,
        "us_backstop": announced[:, :len(US_MILITARY)].mean(axis=1),  # the military components
        "us_perceived": perceived[:, :len(US_MILITARY)].mean(axis=1),
    }
