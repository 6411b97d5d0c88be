"""The app's model: a CoalitionModel that keeps a monthly timeline and the event log.

Also the app's controls as Mesa ``model_params`` (their defaults are the chosen scenario's
values), and the scenario the app starts with (``COALITION_SIM_SCENARIO``, set by
``coalition-sim app SCENARIO``).
"""

from __future__ import annotations

import os
from typing import Any

from sim.app.narrate import Snapshot, narrate
from sim.model import DEFAULT_SCENARIO, CoalitionModel
from sim.parameters import MODES, PARAM_INFO, flatten
from sim.scenario import Scenario, load_scenario, scenario_names

ENV_SCENARIO = "COALITION_SIM_SCENARIO"
"""Environment variable naming the scenario (name or YAML path) the app opens with."""
CLASSROOM = "classroom-five"
THRESHOLD_SCALES: tuple[str, ...] = tuple(f"coalition.{m}_threshold_scale" for m in MODES)

SLIDERS: dict[str, tuple[str, float, float, float]] = {
    "us.backstop.intelligence": ("US intelligence", 0.0, 1.0, 0.05),
    "us.backstop.air_support": ("US air support", 0.0, 1.0, 0.05),
    "us.backstop.logistics": ("US logistics", 0.0, 1.0, 0.05),
    "us.backstop.funding": ("US funding", 0.0, 1.0, 0.05),
    "sanctions.scale": ("Sanctions pressure (x)", 0.0, 2.0, 0.05),
    "coalition.peer_weight": ("Peer influence", 0.0, 2.0, 0.05),
}
"""Dotted parameter → (label, min, max, step) of each parameter slider."""
THRESHOLD_LABEL = "Thresholds (x)"
SEED_LABEL = "Seed"


def initial_scenario() -> str:
    """The scenario the app opens with: $COALITION_SIM_SCENARIO or the default."""
    return os.environ.get(ENV_SCENARIO, "").strip() or DEFAULT_SCENARIO


def scenario_choices(current: str) -> list[str]:
    """Every scenario in scenarios/, plus ``current`` if it is a file elsewhere."""
    names = scenario_names()
    return names if current in names else [current, *names]


def model_params(scenario: Scenario, scenario_ref: str) -> dict[str, Any]:
    """Mesa SolaraViz ``model_params``: the sliders, defaulting to the scenario's values."""
    values = flatten(scenario.parameters)
    params: dict[str, Any] = {"scenario_name": scenario_ref}
    for path, (label, lo, hi, step) in SLIDERS.items():
        params[path] = {"type": "SliderFloat", "label": label, "value": round(values[path], 4),
                        "min": lo, "max": max(hi, values[path]), "step": step}
    params["threshold_scale"] = {"type": "SliderFloat", "label": THRESHOLD_LABEL, "value": 1.0,
                                 "min": 0.5, "max": 1.5, "step": 0.01}
    params["rng"] = {"type": "SliderInt", "label": SEED_LABEL, "value": scenario.seed,
                     "min": scenario.seed, "max": scenario.seed + 99, "step": 1}
    return params


class AppModel(CoalitionModel):
    """A CoalitionModel for the app, built from the app's controls.

    ``threshold_scale`` multiplies the scenario's six ``coalition.*_threshold_scale``; other
    dotted keyword arguments override parameters. ``scenario`` is ignored: Mesa's Reset passes
    its own (empty) scenario object there, so the coalition scenario comes in
    ``scenario_name``.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, rng: int | None = None,
                 threshold_scale: float = 1.0, scenario: Any = None, **overrides: float):
        spec = load_scenario(scenario_name)
        values = {k: float(v) for k, v in overrides.items()}
        for key in values:
            if key not in PARAM_INFO:
                raise KeyError(f"unknown parameter {key!r}")
        base = flatten(spec.parameters)
        for key in THRESHOLD_SCALES:
            info = PARAM_INFO[key]
            values[key] = min(info.hi, max(info.lo, base[key] * float(threshold_scale)))
        super().__init__(scenario=spec, rng=None if rng is None else int(rng), **values)
        self.scenario_name = scenario_name
        self.threshold_scale = float(threshold_scale)
        self.names = dict(zip(self.world.codes, self.world.names, strict=True))
        self.requirement = float(self.simulation.params["deterrence.force_requirement"][0])
        self.timeline: list[Snapshot] = [Snapshot(0, {c: frozenset() for c in self.world.codes})]
        self.events: list[str] = []

    def snapshot(self) -> Snapshot:
        """This month as the event log sees it."""
        month = self.simulation.month
        return Snapshot(
            month=month,
            commitments={s.code: frozenset(m for m, on in s.commitments.items() if on)
                         for s in self.states},
            outcomes={k: float(v[0]) for k, v in self.simulation.outcomes().items()},
            notes=tuple(note for at, note in self.log if at == month),
        )

    def step(self) -> None:
        """One month, then the month's sentences for the event log."""
        if not self.running:
            return
        super().step()
        snap = self.snapshot()
        self.events.extend(narrate(self.timeline[-1], snap, self.names, self.requirement))
        self.timeline.append(snap)
