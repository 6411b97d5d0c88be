"""The batch engine: a scenario compiled to arrays, stepped for many runs at once.

``compile_batch`` turns a scenario (and optional per-run parameter values) into a ``Batch``;
``Simulation`` steps it month by month (the Mesa model uses it with one run); ``simulate`` runs
it to the horizon and returns ``Results``. A run's numbers depend only on its scenario,
parameter values and seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim import rules, streams
from sim.parameters import MODES, PARAM_INFO, flatten
from sim.scenario.schema import Scenario
from sim.world import World

STEP_OUTCOMES: tuple[str, ...] = (
    "troops", "deterrence", "pressure", "willingness", "growth", "ceasefire", "violated",
    "us_backstop", "us_perceived", "credibility", "tariffs", "disengaged", "land_guarantee",
    "air_guarantee", "sea_guarantee", "cohesion", "committing_states", "presence_states",
    *(f"n_{m}" for m in MODES),
)
"""Outcomes recorded every month, each (R, T)."""

SUMMARY_OUTCOMES: tuple[str, ...] = (
    "troops", "troops_max", "force_met", "presence_states", "committing_states",
    *(f"n_{m}" for m in MODES), "deterrence", "deterrence_mean", "ceasefire",
    "ceasefire_month", "violated", "violation_month", "holds", "growth", "pressure",
    "us_disengaged", "tariffs_applied",
)
"""Per-run outcomes at the horizon, each (R,)."""

_THRESHOLD_KEYS = frozenset(
    k for k in PARAM_INFO if k.startswith("coalition.") and (
        k.endswith("_threshold") or k.endswith("_threshold_scale") or k in {
            "coalition.capacity_weight", "coalition.spending_weight", "coalition.home_defence",
            "coalition.approval_cost", "coalition.fiscal_cost", "coalition.cost_weight",
            "coalition.deploy_share"}))


@dataclass
class Batch:
    """Everything R runs need: world, per-run parameters, stated positions, events, keys."""

    world: World
    params: rules.Params
    shift: np.ndarray  # (S, M)
    events: list[tuple[int, dict[str, float], str]]
    seeds: np.ndarray  # (R,) int64
    keys: np.ndarray  # (R,) uint64
    horizon: int

    @property
    def runs(self) -> int:
        return len(self.keys)


def position_shift(scenario: Scenario, world: World) -> np.ndarray:
    """Threshold shifts (S, M) from the scenario's stated positions."""
    shift = np.zeros((world.size, len(MODES)))
    for code, pos in scenario.positions.items():
        if code not in world.codes:
            continue  # a position for a state outside this world has no effect
        for mode, x in pos.shift.items():
            shift[world.index(code), MODES.index(mode)] = x
    return shift


def compile_batch(scenario: Scenario, seeds: Sequence[int] | np.ndarray | None = None,
                  values: Mapping[str, np.ndarray | float] | None = None,
                  world: World | None = None) -> Batch:
    """Arrays for running ``scenario`` once per seed (default: its replicates).

    ``values`` overrides parameters by dotted path, with a scalar or one value per run.
    """
    if seeds is None:
        seeds = scenario.seed + np.arange(scenario.replicates, dtype=np.int64)
    seeds = np.asarray(seeds, dtype=np.int64)
    runs = len(seeds)
    base = flatten(scenario.parameters)
    params = {k: np.full(runs, v, dtype=np.float64) for k, v in base.items()}
    for k, v in (values or {}).items():
        if k not in params:
            raise KeyError(f"unknown parameter {k!r}")
        params[k] = np.broadcast_to(np.asarray(v, dtype=np.float64), (runs,)).copy()
    world = world or World.from_specs(scenario.states(), scenario.start)
    events = [(e.month, dict(e.set), e.note) for e in sorted(scenario.events, key=lambda e: e.month)]
    return Batch(world, params, position_shift(scenario, world), events, seeds,
                 streams.run_keys(seeds), scenario.horizon)


def select(batch: Batch, index: np.ndarray | slice) -> Batch:
    """The runs of ``batch`` at ``index`` (a chunk)."""
    return Batch(batch.world, {k: v[index] for k, v in batch.params.items()}, batch.shift,
                 batch.events, batch.seeds[index], batch.keys[index], batch.horizon)


class Simulation:
    """R runs stepped month by month; the state is open for inspection between steps."""

    def __init__(self, batch: Batch):
        self.batch = batch
        self.params = {k: v.copy() for k, v in batch.params.items()}
        self.state = rules.initial_state(batch.runs, batch.world.size, self.params)
        self._draws = rules.draws_per_month(batch.world.size)
        self._rebuild()
        self.log: list[tuple[int, str]] = []

    def _rebuild(self) -> None:
        self.theta = rules.thresholds(self.batch.world, self.params, self.batch.shift)
        self.troops_by_state = rules.ground_troops(self.batch.world, self.params)

    @property
    def month(self) -> int:
        return self.state.month

    def step(self) -> None:
        """Apply the next month's events, then advance one month."""
        month = self.state.month + 1
        changed = False
        for at, values, note in self.batch.events:
            if at == month:
                for k, v in values.items():
                    self.params[k] = np.full(self.batch.runs, v)
                    changed |= k in _THRESHOLD_KEYS
                self.log.append((month, note))
        if changed:
            self._rebuild()
        u = streams.uniforms(self.batch.keys, (month - 1) * self._draws, self._draws)
        rules.step(self.state, self.params, self.batch.world, self.theta, self.troops_by_state, u)

    def outcomes(self) -> dict[str, np.ndarray]:
        """This month's outcomes, each (R,) (see STEP_OUTCOMES)."""
        s, d = self.state, self.state.derived
        cT = s.committed.transpose(2, 1, 0)  # (M, S, R): see sim/rules.py on the layout
        by_mode = cT.sum(axis=1)  # (M, R) counts
        presence = cT[0] | cT[1] | cT[2]
        anything = presence | cT[3] | cT[4] | cT[5]
        out = {k: d[k] for k in ("troops", "deterrence", "pressure", "willingness", "us_backstop",
                                 "us_perceived", "land_guarantee", "air_guarantee",
                                 "sea_guarantee", "cohesion")}
        out.update(growth=s.growth, ceasefire=s.ceasefire, violated=s.violated,
                   credibility=s.credibility, tariffs=s.tariffs, disengaged=s.disengaged,
                   committing_states=anything.sum(axis=0), presence_states=presence.sum(axis=0))
        for i, m in enumerate(MODES):
            out[f"n_{m}"] = by_mode[i]
        return out


@dataclass
class Results:
    """What R runs produced: monthly outcomes, per-run summary, final commitments, burden."""

    seeds: np.ndarray
    steps: dict[str, np.ndarray] | None  # name -> (R, T), None if not recorded
    summary: dict[str, np.ndarray]  # name -> (R,)
    committed: np.ndarray  # (R, S, M) at the horizon
    burden_pct_gdp: np.ndarray  # (R, S) yearly cost of the final commitments, % of GDP
    log: list[tuple[int, str]] = field(default_factory=list)


def burden(batch: Batch, committed: np.ndarray, params: rules.Params) -> np.ndarray:
    """Yearly cost of each state's commitments as % of its GDP (R, S)."""
    b = "burden."
    troops = rules.ground_troops(batch.world, params)
    ground = committed[:, :, 0] * troops * params[b + "troop_cost_musd"][:, None] / 1000.0
    pct = 100.0 * ground / batch.world.gdp[None, :]
    for i, m in enumerate(MODES[1:], start=1):
        pct = pct + committed[:, :, i] * params[f"{b}{m}_pct_gdp"][:, None]
    return pct


def simulate(batch: Batch, record_steps: bool = True) -> Results:
    """Run every run of ``batch`` to its horizon."""
    sim = Simulation(batch)
    T, R = batch.horizon, batch.runs
    steps = {k: np.empty((R, T)) for k in STEP_OUTCOMES} if record_steps else None
    troops_max = np.zeros(R)
    deterrence_sum = np.zeros(R)
    for t in range(T):
        sim.step()
        d = sim.state.derived
        troops_max = np.maximum(troops_max, d["troops"])
        deterrence_sum = deterrence_sum + d["deterrence"]
        if steps is not None:
            out = sim.outcomes()
            for k in STEP_OUTCOMES:
                steps[k][:, t] = out[k]
    out = sim.outcomes()
    s = sim.state
    summary = {k: np.asarray(out[k], dtype=np.float64) for k in (
        "troops", "presence_states", "committing_states", "deterrence", "growth", "pressure",
        *(f"n_{m}" for m in MODES))}
    summary.update(
        troops_max=troops_max,
        force_met=(out["troops"] >= sim.params["deterrence.force_requirement"]).astype(float),
        deterrence_mean=deterrence_sum / T,
        ceasefire=(~np.isnan(s.ceasefire_month)).astype(float),
        ceasefire_month=s.ceasefire_month,
        violated=s.violated.astype(float),
        violation_month=s.violation_month,
        holds=s.ceasefire.astype(float),
        us_disengaged=s.disengaged.astype(float),
        tariffs_applied=(s.tariffs > 0).astype(float),
    )
    summary = {k: summary[k] for k in SUMMARY_OUTCOMES}
    return Results(batch.seeds, steps, summary, s.committed.copy(),
                   burden(batch, s.committed, sim.params), sim.log)
