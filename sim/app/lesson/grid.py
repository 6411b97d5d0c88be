"""The lesson page's data: every setting of its controls, run by the batch engine in advance.

A setting is a world (``classroom-five`` or ``classroom-five-tipped``), a force design and one
value of each slider in ``SLIDERS``. For each, the engine runs the world's own seed month by
month (what the page replays: every state's pledges, the monthly outcomes, the event log in the
app's words) and ``replicates`` seeds to the end (how often a ceasefire is agreed, broken and
holding). Identical runs are stored once, and so is each sentence.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.app.narrate import LOG_OUTCOMES, Snapshot, narrate
from sim.app.palette import STRENGTH_ORDER
from sim.app.session import design_choices, scenario_title
from sim.engine import batch as engine
from sim.model.parameters import MODES, PARAM_INFO, flatten
from sim.scenario import Scenario, load_scenario
from sim.scenario.designs import load_design

WORLDS: tuple[str, ...] = ("classroom-five", "classroom-five-tipped")
"""The classroom worlds the page offers (scenarios/classroom-five*.yaml)."""


@dataclass(frozen=True)
class Slider:
    """One slider of the page: a parameter and the values it steps through."""

    key: str
    label: str
    values: tuple[float, ...]
    kind: str  # 'times' (×1.25) or 'weight' (0.60)
    help: str

    def text(self, value: float) -> str:
        return f"\u00d7{value:.2f}" if self.kind == "times" else f"{value:.2f}"


SLIDERS: tuple[Slider, ...] = (
    Slider("us.backstop_scale", "US backstop", (0.0, 0.5, 1.0, 1.25, 1.5, 2.0), "times",
           "How much of the help it announced the US gives: \u00d71 as announced, \u00d70 "
           "none (each part at most 100%)."),
    Slider("sanctions.scale", "Sanctions pressure", (0.0, 1.0, 2.0), "times",
           "Strength of sanctions on Russia: \u00d71 as in the world, \u00d72 twice as "
           "strong, \u00d70 none."),
    Slider("coalition.peer_weight", "Peer influence", (0.0, 0.3, 0.45, 0.6, 0.8, 1.0), "weight",
           "How much a state follows what the other states already do."),
)
"""The page's sliders, in the order of the grid (each value within the parameter's range)."""
SERIES: tuple[str, ...] = (
    "pledged_troops", "deployed_troops", "enabler_gap", "deterrence", "expected_deterrence",
    "willingness", "ukraine_accepts", "violation_hazard", "ceasefire_in_force", "breakdowns",
    "growth", "us_perceived", "disengaged", "tariffs")
"""Monthly outcomes the page shows (names of sim.model.outcomes.MONTHLY)."""
ODDS: tuple[str, ...] = ("ceasefire_agreed", "broken", "holds")
"""Per-run outcomes the page gives as shares of the replicate seeds."""
REPLICATES = 20


def designs() -> list[str]:
    """Every force design in the app's order: the default first, then the others from the
    articles, then the hypothetical ones."""
    return list(design_choices().values())


def setting_values(world: Scenario, design: str, values: dict[str, float]) -> dict[str, float]:
    """Parameter values of a setting: the design's (another than the world's replaces every
    ``design.*``), then the sliders'."""
    out: dict[str, float] = {}
    if design != world.design:
        out.update(load_design(design).values())
    out.update(values)
    return out


def overrides(design: str, values: dict[str, float]) -> dict[str, Any]:
    """The same setting as ``sim.api.run`` overrides (what a test reruns)."""
    return {"design": design, **values}


def _round(values: np.ndarray) -> list[float]:
    """Numbers for the page: 6 significant digits, NaN as None."""
    return [None if not np.isfinite(v) else float(f"{v:.6g}") for v in values]


class _Strings:
    """Each sentence once; runs refer to it by index."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]


def _columns(world: Scenario, settings: Sequence[dict[str, float]]) -> dict[str, np.ndarray]:
    """One array per parameter any setting sets: each setting's value (the world's where a
    setting leaves it)."""
    base = flatten(world.parameters)
    keys = sorted({k for s in settings for k in s})
    return {k: np.array([s.get(k, base[k]) for s in settings], dtype=np.float64) for k in keys}


def replay_runs(world: Scenario, settings: Sequence[dict[str, float]],
                strings: _Strings) -> list[dict[str, Any]]:
    """One run per setting with the world's seed, month by month: what the page replays."""
    runs = len(settings)
    values = _columns(world, settings)
    batch = engine.compile_batch(world, seeds=np.full(runs, world.seed), values=values)
    sim = engine.Simulation(batch)
    codes, names = list(batch.world.codes), list(batch.world.names)
    T = batch.horizon
    series = {k: np.empty((runs, T)) for k in SERIES}
    log_values = {k: np.empty((runs, T)) for k in LOG_OUTCOMES}
    pledges = np.empty((runs, T + 1, len(codes)), dtype=np.int64)
    troops = np.empty((runs, T + 1, len(codes)))
    notes: dict[int, list[str]] = {}

    bit = np.left_shift(1, np.arange(len(MODES)), dtype=np.int64)

    def record(t: int) -> None:
        """Month ``t``'s pledges (one number per state: bit i for MODES[i]) and troops."""
        c = sim.run_state.committed  # (R, S, M)
        pledges[:, t] = (c.astype(np.int64) * bit).sum(axis=2)
        troops[:, t] = c[:, :, 0] * sim.contribution[:, :, 0]

    record(0)
    for t in range(1, T + 1):
        before = len(sim.log)
        sim.step()
        notes[t] = [n for _, n in sim.log[before:]]
        out = sim.outcomes()
        for k in SERIES:
            series[k][:, t - 1] = out[k]
        for k in LOG_OUTCOMES:
            log_values[k][:, t - 1] = out[k]
        record(t)
    ask = batch.params["design.ground_troops"]
    result = []
    for r in range(runs):
        snaps = [Snapshot(t, {code: frozenset(m for i, m in enumerate(MODES)
                                              if pledges[r, t, s] >> i & 1)
                              for s, code in enumerate(codes)},
                          {} if t == 0 else {k: float(log_values[k][r, t - 1])
                                             for k in LOG_OUTCOMES},
                          tuple(notes.get(t, ())))
                 for t in range(T + 1)]
        log = [[t, strings(line)] for t in range(1, T + 1)
               for line in narrate(snaps[t - 1], snaps[t], dict(zip(codes, names, strict=True)),
                                   float(ask[r]))]
        result.append({
            "series": {k: _round(series[k][r]) for k in SERIES},
            "pledges": pledges[r].tolist(),
            "troops": [[round(float(x)) for x in row] for row in troops[r]],
            "log": log,
            "ask": float(ask[r]),
        })
    return result


def odds(world: Scenario, settings: Sequence[dict[str, float]], replicates: int) -> list[dict]:
    """Share of ``replicates`` seeds (the world's seed on) in which each of ``ODDS`` happens."""
    runs = len(settings)
    values = {k: np.repeat(v, replicates) for k, v in _columns(world, settings).items()}
    seeds = np.tile(world.seed + np.arange(replicates, dtype=np.int64), runs)
    res = engine.simulate(engine.compile_batch(world, seeds=seeds, values=values),
                          record_steps=False)
    return [{k: round(float(res.summary[k][r * replicates:(r + 1) * replicates].mean()), 4)
             for k in ODDS} for r in range(runs)]


def precompute(worlds: Sequence[str] = WORLDS, replicates: int = REPLICATES) -> dict[str, Any]:
    """Every setting of the page for ``worlds``, as plain data (JSON-able).

    ``runs`` holds each distinct run once; ``grid[world][design]`` is a nested list indexed by
    the sliders' value indices (in ``SLIDERS`` order) giving the run's index.
    """
    for s in SLIDERS:
        info = PARAM_INFO[s.key]
        assert all(info.lo <= v <= info.hi for v in s.values), s.key
    strings = _Strings()
    runs: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    grid: dict[str, dict[str, Any]] = {}
    world_data: dict[str, Any] = {}
    design_list = designs()
    combos = list(itertools.product(*(range(len(s.values)) for s in SLIDERS)))
    for name in worlds:
        world = load_scenario(name)
        settings, where = [], []
        for design in design_list:
            for combo in combos:
                values = {s.key: s.values[i] for s, i in zip(SLIDERS, combo, strict=True)}
                settings.append(setting_values(world, design, values))
                where.append((design, combo))
        replayed = replay_runs(world, settings, strings)
        chances = odds(world, settings, replicates)
        grid[name] = {d: np.zeros([len(s.values) for s in SLIDERS], dtype=int).tolist()
                      for d in design_list}
        for (design, combo), run, odd in zip(where, replayed, chances, strict=True):
            run["odds"] = odd
            key = repr(run)
            if key not in seen:
                seen[key] = len(runs)
                runs.append(run)
            cell = grid[name][design]
            for i in combo[:-1]:
                cell = cell[i]
            cell[combo[-1]] = seen[key]
        states = world.states()
        params = flatten(world.parameters)
        asks = {}
        for design in design_list:
            v = {**params, **setting_values(world, design, {})}
            asks[design] = {k: v[f"design.{k}"] for k in ("ground_troops", "aircraft", "warships",
                                                          "lead_time")}
        world_data[name] = {
            "title": scenario_title(name),
            "description": world.description, "start": world.start, "horizon": world.horizon,
            "seed": world.seed, "design": world.design,
            "codes": [s.code for s in states], "names": [s.name for s in states],
            "lat": [s.lat for s in states], "lon": [s.lon for s in states],
            "defaults": {s.key: float(params[s.key]) for s in SLIDERS},
            "asks": asks, "renegotiate": params["russia.renegotiate_months"],
            "us0": float(np.mean([params[f"us.backstop.{k}"]
                                  for k in ("intelligence", "air_support", "logistics")])),
        }
    return {
        "worlds": world_data,
        "designs": [{"name": d, "label": load_design(d).label,
                     "description": " ".join(load_design(d).description.split())}
                    for d in design_list],
        "sliders": [{"key": s.key, "label": s.label, "help": s.help, "values": list(s.values),
                     "texts": [s.text(v) for v in s.values]} for s in SLIDERS],
        "modes": list(MODES), "order": list(STRENGTH_ORDER), "odds_seeds": replicates,
        "strings": strings.items, "runs": runs, "grid": grid,
    }

