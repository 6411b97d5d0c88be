"""The batch engine: a scenario compiled to arrays, stepped for many runs at once.

``compile_batch`` turns a scenario (and optional per-run parameter values) into a ``Batch``;
``Simulation`` steps it month by month (the Mesa model uses it with one run); ``simulate`` runs
it to the horizon and returns ``Results``. A run's numbers depend only on its scenario,
parameter values and seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.model import outcomes, rules, streams
from sim.model.parameters import MODES, PRESENCE_MODES, SUPPORT_MODES, check_value, flatten
from sim.model.world import World, months_between
from sim.scenario.designs import load_design
from sim.scenario.schema import Scenario

STEP_OUTCOMES: tuple[str, ...] = outcomes.MONTHLY_NAMES
"""Outcomes recorded every month, each (R, T) (declared in sim/model/outcomes.py)."""
SUMMARY_OUTCOMES: tuple[str, ...] = outcomes.PER_RUN_NAMES
"""Per-run outcomes at the horizon, each (R,) (declared in sim/model/outcomes.py)."""
LAST_MONTH_OUTCOMES: tuple[str, ...] = tuple(
    o.name for o in outcomes.PER_RUN if o.reduction == "last" and o.name in outcomes.MONTHLY_BY_NAME)
"""Per-run outcomes that are the monthly outcome of the same name in the last month."""


BURDEN_PCT_GDP = ("burden.air_pct_gdp", "burden.sea_pct_gdp", "burden.financing_pct_gdp",
                  "burden.arms_pct_gdp", "burden.training_pct_gdp")
"""Yearly cost of each mode after ground troops, % of GDP, in the order of MODES[1:]."""


@dataclass
class Batch:
    """Everything R runs need: world, per-run parameters, stated positions, events, keys."""

    world: World
    params: rules.Params
    positions: list[PositionsAt]  # the states' positions from month 0, then at each change
    events: list[tuple[int, dict[str, float], str]]
    seeds: np.ndarray  # (R,) int64
    keys: np.ndarray  # (R,) uint64
    horizon: int

    @property
    def runs(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class PositionsAt:
    """The states' stated positions from ``month`` on: threshold shifts (S, M), contribution
    overrides (S, 3: troops, aircraft, warships; NaN = the capacity rule), deployable shares
    (S,; NaN = the rule) and the pledges that start then (S, M)."""

    month: int
    shift: np.ndarray
    contribution: np.ndarray
    deployable_share: np.ndarray
    pledged: np.ndarray

    def same_settings(self, other: PositionsAt) -> bool:
        return (np.array_equal(self.shift, other.shift)
                and np.array_equal(self.contribution, other.contribution, equal_nan=True)
                and np.array_equal(self.deployable_share, other.deployable_share, equal_nan=True))


INITIAL_STATE_PARAMS: dict[str, str] = {
    "us.credibility0": "credibility", "us.frustration0": "frustration",
    "us.secondary_tariffs": "tariffs", "russia.growth0": "growth", "ukraine.strength0": "strength",
}
"""Parameters that set a state variable at the start; an event that sets one sets the state
variable at that month too (e.g. growth or tariffs observed at a date)."""


def position_timeline(scenario: Scenario, world: World) -> list[PositionsAt]:
    """The states' positions month by month, as the list of months where they change.

    A scenario position holds from its ``start`` (default: month 0) to its ``until``
    (default: the horizon); an event's position replaces the state's position from the
    event's month on. Positions of states outside this world have no effect."""
    S, M = world.size, len(MODES)
    spans: dict[str, list[tuple[int, int, Any]]] = {}
    for code, pos in scenario.positions.items():
        lo = months_between(scenario.start, pos.start) if pos.start else 0
        hi = months_between(scenario.start, pos.until) if pos.until else scenario.horizon
        spans.setdefault(code, []).append((max(lo, 0), hi, pos))
    for ev in sorted(scenario.events, key=lambda e: e.month):
        for code, pos in ev.positions.items():
            cut = [(lo, min(hi, ev.month - 1), p) for lo, hi, p in spans.get(code, [])
                   if lo <= ev.month - 1]
            hi = months_between(scenario.start, pos.until) if pos.until else scenario.horizon
            spans[code] = [*cut, (ev.month, hi, pos)]
    changes = sorted({0} | {m for v in spans.values() for lo, hi, _ in v
                            for m in (lo, hi + 1) if 0 <= m <= scenario.horizon})
    out: list[PositionsAt] = []
    for month in changes:
        shift = np.zeros((S, M))
        contribution = np.full((S, 3), np.nan)
        share = np.full(S, np.nan)
        pledged = np.zeros((S, M), dtype=bool)
        for code, items in spans.items():
            if code not in world.codes:
                continue
            i = world.index(code)
            for lo, hi, pos in items:
                if lo <= month <= hi:
                    for mode, x in pos.shift.items():
                        shift[i, MODES.index(mode)] = x
                    for j, value in enumerate((pos.troops, pos.aircraft, pos.warships)):
                        if value is not None:
                            contribution[i, j] = value
                    if pos.deployable_share is not None:
                        share[i] = pos.deployable_share
                    if lo == month:
                        for mode in pos.pledged:
                            pledged[i, MODES.index(mode)] = True
        step = PositionsAt(month, shift, contribution, share, pledged)
        if out and out[-1].same_settings(step) and not pledged.any():
            continue
        out.append(step)
    return out


def compile_batch(scenario: Scenario, seeds: Sequence[int] | np.ndarray | None = None,
                  values: Mapping[str, np.ndarray | float] | None = None,
                  world: World | None = None) -> Batch:
    """Arrays for running ``scenario`` once per seed (default: its replicates).

    ``values`` overrides parameters by dotted path, with a scalar or one value per run; each
    is checked by ``parameters.check_value`` (ParameterError names the path, the range and the
    value found).
    """
    if seeds is None:
        seeds = scenario.seed + np.arange(scenario.replicates, dtype=np.int64)
    seeds = np.asarray(seeds, dtype=np.int64)
    runs = len(seeds)
    base = flatten(scenario.parameters)
    params = {k: np.full(runs, v, dtype=np.float64) for k, v in base.items()}
    for k, v in (values or {}).items():
        check_value(k, v)
        params[k] = np.broadcast_to(np.asarray(v, dtype=np.float64), (runs,)).copy()
    world = world or World.from_attributes(scenario.states(), scenario.start)
    events = [(e.month, event_values(e), e.note)
              for e in sorted(scenario.events, key=lambda e: e.month)]
    return Batch(world, params, position_timeline(scenario, world), events, seeds,
                 streams.run_keys(seeds), scenario.horizon)


def event_values(event: Any) -> dict[str, float]:
    """The parameter values an event sets: its design's ``design.*`` values (if it puts a
    design on the table), then its own ``set`` values."""
    values: dict[str, float] = {}
    if event.design:
        values.update(load_design(event.design).values())
    values.update(event.set)
    return values


def select(batch: Batch, index: np.ndarray | slice) -> Batch:
    """The runs of ``batch`` at ``index`` (a chunk)."""
    return Batch(batch.world, {k: v[index] for k, v in batch.params.items()}, batch.positions,
                 batch.events, batch.seeds[index], batch.keys[index], batch.horizon)


class Simulation:
    """R runs stepped month by month; the state is open for inspection between steps."""

    def __init__(self, batch: Batch):
        self.batch = batch
        self.params = {k: v.copy() for k, v in batch.params.items()}
        self.run_state = rules.initial_state(batch.runs, batch.world.size, self.params)
        self._draws = rules.draws_per_month(batch.world.size)
        self.dispositions = streams.uniforms(batch.keys, rules.DISPOSITION_DRAWS, batch.world.size)
        self.positions = batch.positions[0]
        self._pledge(self.positions)
        self._rebuild()
        self.log: list[tuple[int, str]] = []

    def _rebuild(self) -> None:
        self.theta = rules.thresholds(self.batch.world, self.params, self.positions.shift,
                                      self.dispositions)
        self.contribution = rules.contributions(self.batch.world, self.params,
                                                self.positions.contribution,
                                                self.positions.deployable_share)
        self.stated = ~np.isnan(self.positions.contribution)
        self.stated[:, 0] |= ~np.isnan(self.positions.deployable_share)

    def _pledge(self, positions: PositionsAt) -> None:
        """The pledges a position starts with (initial conditions), in every run."""
        if positions.pledged.any():
            committed = self.run_state.committed.copy()
            committed |= positions.pledged[None, :, :]
            self.run_state.committed = np.ascontiguousarray(
                committed.transpose(2, 1, 0)).transpose(2, 1, 0)

    @property
    def month(self) -> int:
        return self.run_state.month

    def step(self) -> None:
        """Apply the next month's events, then advance one month."""
        month = self.run_state.month + 1
        changed = False
        for at, values, note in self.batch.events:
            if at == month:
                for k, v in values.items():
                    self.params[k] = np.full(self.batch.runs, v)
                    changed |= k in rules.STATIC_PARAMS
                    if k in INITIAL_STATE_PARAMS:  # a state variable observed at this date
                        setattr(self.run_state, INITIAL_STATE_PARAMS[k], self.params[k].copy())
                self.log.append((month, note))
        for positions in self.batch.positions[1:]:
            if positions.month == month:
                self.positions = positions
                self._pledge(positions)
                changed = True
        if changed:
            self._rebuild()
        u = streams.uniforms(self.batch.keys, (month - 1) * self._draws, self._draws)
        rules.step(self.run_state, self.params, self.batch.world, self.theta, self.contribution, u,
                   self.stated)

    def outcomes(self) -> dict[str, np.ndarray]:
        """This month's outcomes, each (R,) (see STEP_OUTCOMES)."""
        s, d = self.run_state, self.run_state.derived
        cT = s.committed.transpose(2, 1, 0)  # (M, S, R): see sim/model/rules.py on the layout
        by_mode = cT.sum(axis=1)  # (M, R) counts
        presence = cT[PRESENCE_MODES].any(axis=0)
        anything = cT.any(axis=0)
        out = {k: d[k] for k in STEP_OUTCOMES if k in d}  # what the rules derived
        out.update(growth=s.growth, ukraine_strength=s.strength, ceasefire_in_force=s.ceasefire,
                   breakdowns=s.breakdowns, credibility=s.credibility, tariffs=s.tariffs,
                   disengaged=s.disengaged, pledging_states=anything.sum(axis=0),
                   presence_states=presence.sum(axis=0))
        for i, m in enumerate(MODES):
            out[f"n_{m}"] = by_mode[i]
        return {k: out[k] for k in STEP_OUTCOMES}


@dataclass
class Results:
    """What R runs produced: monthly outcomes, per-run summary, final commitments, burden."""

    seeds: np.ndarray
    steps: dict[str, np.ndarray] | None  # name -> (R, T), None if not recorded
    summary: dict[str, np.ndarray]  # name -> (R,)
    committed: np.ndarray  # (R, S, M) at the horizon
    burden_pct_gdp: np.ndarray  # (R, S) yearly cost of the final commitments, % of GDP
    log: list[tuple[int, str]] = field(default_factory=list)
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)  # month -> (R, S, M) pledges
    offered: np.ndarray | None = None  # (R, S, 3) troops, aircraft, warships offered at the horizon


def positions_at(batch: Batch, month: int) -> PositionsAt:
    """The states' positions in force at ``month``."""
    return [p for p in batch.positions if p.month <= month][-1]


def contributions_at(batch: Batch, params: rules.Params, month: int) -> np.ndarray:
    """Each state's contribution (R, S, 3) at ``month``, with the stated positions then."""
    pos = positions_at(batch, month)
    return rules.contributions(batch.world, params, pos.contribution, pos.deployable_share)


def burden(batch: Batch, committed: np.ndarray, params: rules.Params,
           month: int | None = None, offered: np.ndarray | None = None) -> np.ndarray:
    """Yearly cost of each state's pledges as % of its GDP (R, S), at ``month`` (default: the
    horizon). Ground troops cost what a state offers (``offered``, R x S x 3); without it,
    its full contribution."""
    if offered is not None:
        troops = offered[:, :, rules.GROUND]
    else:
        troops = committed[:, :, rules.GROUND] * contributions_at(
            batch, params, batch.horizon if month is None else month)[:, :, rules.GROUND]
    ground_musd = troops * params["burden.troop_cost_musd"][:, None]
    pct = 100.0 * (ground_musd / rules.MUSD_PER_BN) / batch.world.gdp[None, :]
    for i, path in enumerate(BURDEN_PCT_GDP, start=1):
        pct = pct + committed[:, :, i] * params[path][:, None]
    supporting = committed[:, :, SUPPORT_MODES].any(axis=2)
    return pct + supporting * params["design.ukraine_boost"][:, None]


SUB_BATCH = 10_000
"""Runs stepped at once: a larger batch is simulated in sub-batches of this size (as a sweep
chunks), so its arrays stay in cache and the per-run rate of R = 10,000 holds at any R; runs do
not depend on what runs beside them, so the results are the same bit for bit."""


def simulate(batch: Batch, record_steps: bool = True,
             snapshot_months: Sequence[int] = ()) -> Results:
    """Run every run of ``batch`` to its horizon; ``snapshot_months`` keeps every state's
    pledges at those months (``Results.snapshots``). More than ``SUB_BATCH`` runs are stepped
    in sub-batches and joined."""
    if batch.runs <= SUB_BATCH:
        return _simulate(batch, record_steps, snapshot_months)
    parts = [_simulate(select(batch, slice(lo, lo + SUB_BATCH)), record_steps, snapshot_months)
             for lo in range(0, batch.runs, SUB_BATCH)]
    return Results(
        seeds=np.concatenate([p.seeds for p in parts]),
        steps=(None if parts[0].steps is None else
               {k: np.concatenate([p.steps[k] for p in parts]) for k in parts[0].steps}),
        summary={k: np.concatenate([p.summary[k] for p in parts]) for k in parts[0].summary},
        committed=np.concatenate([p.committed for p in parts]),
        burden_pct_gdp=np.concatenate([p.burden_pct_gdp for p in parts]),
        log=parts[0].log,
        snapshots={m: np.concatenate([p.snapshots[m] for p in parts])
                   for m in parts[0].snapshots})


def _simulate(batch: Batch, record_steps: bool, snapshot_months: Sequence[int]) -> Results:
    sim = Simulation(batch)
    T, R = batch.horizon, batch.runs
    steps = {k: np.empty((R, T)) for k in STEP_OUTCOMES} if record_steps else None
    deployed_max = np.zeros(R)
    deterrence_sum = np.zeros(R)
    snapshots: dict[int, np.ndarray] = {}
    for t in range(T):
        sim.step()
        d = sim.run_state.derived
        deployed_max = np.maximum(deployed_max, d["deployed_troops"])
        if t + 1 in snapshot_months:
            snapshots[t + 1] = sim.run_state.committed.copy()
        deterrence_sum = deterrence_sum + d["deterrence"]
        if steps is not None:
            out = sim.outcomes()
            for k in STEP_OUTCOMES:
                steps[k][:, t] = out[k]
    out = sim.outcomes()
    s = sim.run_state
    summary = {k: np.asarray(out[k], dtype=np.float64) for k in LAST_MONTH_OUTCOMES}
    summary.update(
        deployed_troops_max=deployed_max,
        deterrence_avg=deterrence_sum / T,
        ceasefire_agreed=(~np.isnan(s.first_ceasefire)).astype(float),
        first_ceasefire_month=s.first_ceasefire,
        ceasefire_months=s.ceasefire_months.astype(float),
        broken=(s.breakdowns > 0).astype(float),
        holds=s.ceasefire.astype(float),
        us_disengaged=s.disengaged.astype(float),
        tariffs_applied=(s.tariffs > 0).astype(float),
    )
    summary = {k: summary[k] for k in SUMMARY_OUTCOMES}
    return Results(batch.seeds, steps, summary, s.committed.copy(),
                   burden(batch, s.committed, sim.params, offered=s.offered), sim.log, snapshots,
                   s.offered.copy())
