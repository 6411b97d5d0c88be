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
SUPPORT = 1.0 - PRESENCE
INTEL, AIR_SUPPORT, LOGISTICS, FUNDING = range(len(BACKSTOP))

US_NEED = np.array([
    # intelligence, air_support, logistics, funding
    [0.25, 0.40, 0.25, 0.10],  # ground: needs air cover and logistics most (force_needs_us_enablers)
    [0.30, 0.50, 0.20, 0.00],  # air
    [0.40, 0.20, 0.40, 0.00],  # sea
    [0.00, 0.00, 0.00, 0.00],  # financing: no US enabler needed
    [0.00, 0.00, 0.00, 0.00],  # arms
    [0.00, 0.00, 0.00, 0.00],  # training
])
"""How much each mode's assurance rests on each US backstop component (rows sum to 1 or 0)."""

SLOTS_FIXED = 8
"""Random numbers per run-month besides one per state (see ``draws_per_month``)."""
U_FOLLOW, U_THREAT, U_DISENGAGE, U_RELIEF, U_GROWTH, U_CEASEFIRE, U_VIOLATION = range(7)


def draws_per_month(n_states: int) -> int:
    """Random numbers each run uses per month: 8 scalars and one per state."""
    return SLOTS_FIXED + n_states


@dataclass
class State:
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


def initial_state(runs: int, n_states: int, p: Params) -> State:
    """Month 0: nothing committed, no ceasefire, US tariffs and growth as the parameters say."""
    nan = np.full(runs, np.nan)
    return State(
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
    c = "coalition."
    # computed in (M, S, R) layout, element by element exactly as the formula reads
    base = np.stack([p[f"{c}{m}_threshold"] for m in MODES])[:, None, :]  # (M, 1, R)
    scale = np.stack([p[f"{c}{m}_threshold_scale"] for m in MODES])[:, None, :]
    money = np.zeros(M)
    money[[FINANCING, ARMS]] = 1.0
    ground = np.zeros(M)
    ground[GROUND] = 1.0
    static_cost = (p[c + "approval_cost"][None, None, :] * world.approval[None, :, None]
                   * PRESENCE[:, None, None]
                   + p[c + "fiscal_cost"][None, None, :] * world.fiscal[None, :, None]
                   * money[:, None, None])
    rule = (base
            - p[c + "capacity_weight"][None, None, :] * world.capacity.T[:, :, None]
            - p[c + "spending_weight"][None, None, :] * world.defence_pct[None, :, None]
            + p[c + "home_defence"][None, None, :] * world.border[None, :, None]
            * ground[:, None, None]
            + p[c + "cost_weight"][None, None, :] * static_cost)
    theta = scale * rule + shift.T[:, :, None]
    return np.where(world.feasible.T[:, :, None], theta, np.inf).transpose(2, 1, 0)


def ground_troops(world: World, p: Params) -> np.ndarray:
    """Troops each state sends when it commits ground troops (R, S), whole soldiers."""
    return np.floor(world.personnel[None, :] * p["coalition.deploy_share"][:, None])


# --------------------------------------------------------------------------- submodels

def us_policy(s: State, p: Params, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    announced = np.minimum(1.0, scale * np.stack([p[f"us.backstop.{k}"] for k in BACKSTOP], axis=1))
    keep = np.ones((len(s.disengaged), len(BACKSTOP)), dtype=bool)
    keep[:, 1:] = ~s.disengaged[:, None]  # a disengaged US keeps intelligence only (us_intel_only)
    announced = announced * keep
    return announced, announced * s.credibility[:, None]


def sanctions_pressure(s: State, p: Params) -> np.ndarray:
    """ODD 7.3. Pressure in [0, 1] from EU, US, secondary and oil measures, less leakage."""
    q = "sanctions."
    us_on = 1.0 - s.relief
    tariffs = s.tariffs * us_on
    raw = (p[q + "eu_weight"] * p[q + "eu"]
           + p[q + "us_weight"] * p[q + "us"] * us_on
           + p[q + "secondary_weight"] * tariffs
           + p[q + "oil_ban_weight"] * p[q + "oil_ban"]
           + p[q + "assets_weight"] * p["finance.assets_loan"])
    leakage = p[q + "leakage"] * (1.0 - p[q + "leakage_cut"] * tariffs)
    return np.clip(p[q + "scale"] * raw * (1.0 - leakage), 0.0, 1.0)


def russian_economy(s: State, p: Params, pressure: np.ndarray, u: np.ndarray) -> None:
    """ODD 7.4. Growth relaxes towards a target set by sanctions pressure and the key rate."""
    r = "russia."
    target = (p[r + "growth_war"] - p[r + "sanctions_drag"] * pressure
              - p[r + "rate_drag"] * np.maximum(0.0, p[r + "key_rate"] - p[r + "neutral_rate"]))
    shock = p[r + "growth_noise"] * (2.0 * u[:, U_GROWTH] - 1.0)
    s.growth = s.growth + (target - s.growth) / p[r + "adjust_months"] + shock


def commitment_cascade(s: State, p: Params, world: World, theta: np.ndarray,
                       perceived: np.ndarray, pressure: np.ndarray, u_states: np.ndarray) -> None:
    """ODD 7.1. Granovetter threshold cascade with hysteresis, one month, all states at once.

    assurance[s, m] = us_weight * US_NEED[m] . perceived + peer_weight * peers[m]
                      + sanctions_weight * pressure + threat_weight * exposure[s]
                      - cost_weight * election_cost * [election near] * presence_m
                      + substitution * [no presence] * support_m
                      + assets_cost_relief * cost_weight * assets_loan * [m = financing] + noise[s]
    A state commits when assurance >= theta and stays until assurance < theta - hysteresis.
    """
    c = "coalition."
    cT = s.committed.transpose(2, 1, 0)  # (M, S, R), contiguous
    n_states = cT.shape[1]
    peers = (cT.sum(axis=1).astype(np.float64) / n_states).T  # (R, M), = committed.mean(axis=1)
    mode_term = (p[c + "us_weight"][:, None] * (perceived[:, None, :] * US_NEED[None]).sum(axis=2)
                 + p[c + "peer_weight"][:, None] * peers)
    mode_term[:, FINANCING] += (p[c + "cost_weight"] * p["finance.assets_cost_relief"]
                                * p["finance.assets_loan"])
    months_to_vote = world.election_offset[:, None] - s.month  # (S, 1)
    near = (months_to_vote >= 0) & (months_to_vote <= p[c + "election_window"][None, :])  # (S, R)
    noise = p[c + "noise"][None, :] * (2.0 * u_states.T - 1.0)
    state_term = (p[c + "sanctions_weight"][None, :] * pressure[None, :]
                  + p[c + "threat_weight"][None, :] * world.exposure[:, None] + noise)  # (S, R)
    no_presence = ~(cT[GROUND] | cT[AIR] | cT[SEA])
    assurance = state_term[None, :, :] + np.ascontiguousarray(mode_term.T)[:, None, :]
    assurance[:3] += -(p[c + "cost_weight"] * p[c + "election_cost"])[None, :] * near
    assurance[3:] += p[c + "substitution"][None, :] * no_presence
    # assurance >= theta - hysteresis * committed, with theta - hysteresis kept between months
    thetaT = theta.transpose(2, 1, 0)
    h = p[c + "hysteresis"]
    memo = s.memo.get("theta_low")
    if memo is None or memo[0] is not theta or not np.array_equal(memo[1], h):
        memo = (theta, h.copy(), thetaT - h[None, None, :])
        s.memo["theta_low"] = memo
    if (h >= 0).all():  # then theta - h <= theta, and the two comparisons below are the rule
        committed = assurance >= thetaT
        committed |= cT & (assurance >= memo[2])
    else:
        committed = assurance >= thetaT - h[None, None, :] * cT
    s.committed = committed.transpose(2, 1, 0)


def force_and_guarantees(s: State, p: Params, world: World, troops_by_state: np.ndarray,
                         perceived: np.ndarray) -> dict[str, np.ndarray]:
    """ODD 7.5. Committed force, guarantees on land, at sea and in the air, deterrence."""
    d = "deterrence."
    cT = s.committed.transpose(2, 1, 0)  # (M, S, R)
    # float sums over states stay on C-ordered (R, S) rows: the same summation order as ever
    ground, air, sea = (np.ascontiguousarray(cT[m].T) for m in (GROUND, AIR, SEA))
    troops = (ground * troops_by_state).sum(axis=1)
    air_cap = (air * world.aircraft[None, :]).sum(axis=1)
    sea_cap = (sea * world.warships[None, :]).sum(axis=1)
    land_g = np.minimum(1.0, troops / np.maximum(p[d + "force_requirement"], 1.0))
    air_g = np.minimum(1.0, air_cap / p[d + "air_requirement"] + perceived[:, AIR_SUPPORT])
    sea_g = np.minimum(1.0, sea_cap / p[d + "sea_requirement"])
    us_mil = (perceived[:, INTEL] + perceived[:, AIR_SUPPORT] + perceived[:, LOGISTICS]) / 3.0
    cohesion = (cT[GROUND] | cT[AIR] | cT[SEA] | cT[FINANCING] | cT[ARMS] | cT[TRAINING]).sum(
        axis=0).astype(np.float64) / cT.shape[1]  # = committed.any(axis=2).mean(axis=1)
    weights = (p[d + "force_weight"] + p[d + "air_weight"] + p[d + "us_weight"]
               + p[d + "cohesion_weight"])
    deterrence = (p[d + "force_weight"] * land_g + p[d + "air_weight"] * air_g
                  + p[d + "us_weight"] * us_mil + p[d + "cohesion_weight"] * cohesion) / np.maximum(
        weights, 1e-12)
    return {"troops": troops, "air_capacity": air_cap, "sea_capacity": sea_cap,
            "land_guarantee": land_g, "air_guarantee": air_g, "sea_guarantee": sea_g,
            "cohesion": cohesion, "deterrence": deterrence}


def russia_and_ukraine(s: State, p: Params, pressure: np.ndarray, force: dict[str, np.ndarray],
                       u: np.ndarray) -> np.ndarray:
    """ODD 7.6. Willingness to negotiate, ceasefire agreement, and violation under deterrence.

    Returns Russia's willingness to negotiate (R,).
    """
    r, k = "russia.", "ukraine."
    pain = np.clip((p[r + "growth_war"] - s.growth) / p[r + "pain_span"], 0.0, 1.0)
    willing = np.clip(p[r + "negotiate0"] + p[r + "pain_weight"] * pain
                      + p[r + "pressure_weight"] * pressure
                      - p[r + "troop_hostility"] * force["land_guarantee"], 0.0, 1.0) * (
        1.0 - p[r + "resolve"])
    ukraine_accepts = ((force["land_guarantee"] >= p[k + "land_required"])
                       & (force["sea_guarantee"] >= p[k + "sea_required"])
                       & (force["air_guarantee"] >= p[k + "air_required"]))
    agree = (~s.ceasefire & ~s.violated & ukraine_accepts
             & (u[:, U_CEASEFIRE] < p[r + "accept_rate"] * willing))
    violate = s.ceasefire & (
        u[:, U_VIOLATION] < p[r + "violation_base"] * p[r + "resolve"] * (1.0 - force["deterrence"]))
    s.ceasefire_month = np.where(agree, s.month, s.ceasefire_month)
    s.violation_month = np.where(violate, s.month, s.violation_month)
    s.ceasefire = (s.ceasefire | agree) & ~violate
    s.violated = s.violated | violate
    return willing


def step(s: State, p: Params, world: World, theta: np.ndarray, troops_by_state: np.ndarray,
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
        "us_backstop": announced[:, :3].mean(axis=1),
        "us_perceived": perceived[:, :3].mean(axis=1),
    }
