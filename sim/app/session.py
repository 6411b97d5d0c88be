"""The app's model: a CoalitionModel that keeps a monthly timeline and the event log.

Also the app's controls (their defaults are the chosen scenario's values; each reads with
its unit and has a one-line explanation), the force designs a class can put on the table, and
the settings ``coalition-sim app`` passes to the page through the environment:

- ``COALITION_SIM_SCENARIO``: the scenario the app starts with (``coalition-sim app SCENARIO``);
- ``COALITION_SIM_POSTERIOR``: the posterior every run draws its uncertain parameters from
  (``coalition-sim app`` sets ``default``, seeds/posterior, unless ``--fixed-parameters``;
  ``--posterior DIR``: a folder; unset: none). Each seed draws one particle
  (``sim.analysis.posterior``); a slider the user moved is an override and keeps its value.
  The classroom worlds (:data:`CLASSROOM_WORLDS`) never draw: a lesson's world is pinned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sim.analysis.posterior import Posterior, PosteriorError
from sim.analysis.posterior import load as load_posterior
from sim.app.narrate import Snapshot, narrate
from sim.engine.mesa_model import DEFAULT_SCENARIO, CoalitionModel
from sim.model.parameters import MODES, PARAM_INFO, flatten
from sim.scenario import Scenario, load_scenario, scenario_names
from sim.scenario.designs import DEFAULT_DESIGN, ForceDesign, design_names, load_design

ENV_SCENARIO = "COALITION_SIM_SCENARIO"
"""Environment variable naming the scenario (name or YAML path) the app opens with."""
ENV_POSTERIOR = "COALITION_SIM_POSTERIOR"
"""Environment variable naming the posterior folder (or ``default``) runs draw from."""
CLASSROOM = "classroom-five"
CLASSROOM_WORLDS: tuple[str, ...] = ("classroom-five", "classroom-five-tipped")
"""The classroom worlds: pinned (no parameter drawn from a posterior), as the lessons expect."""
THRESHOLD_SCALES: tuple[str, ...] = tuple(f"coalition.{m}_threshold_scale" for m in MODES)

SLIDERS: dict[str, tuple[str, float]] = {
    "us.backstop.intelligence": ("US intelligence", 0.05),
    "us.backstop.air_support": ("US air support", 0.05),
    "us.backstop.logistics": ("US logistics", 0.05),
    "us.backstop.funding": ("US funding", 0.05),
    "sanctions.scale": ("Sanctions pressure", 0.05),
    "coalition.peer_weight": ("Peer influence", 0.05),
}
"""Dotted parameter → (label, step) of each parameter slider; its range is the parameter's
declared range (``PARAM_INFO``), so a slider never offers a value the model refuses."""
THRESHOLD_LABEL = "Hard to convince"
SEED_LABEL = "Seed"
DESIGN_LABEL = "Force design"
DESIGN_HELP = "The force the states are asked to pledge. Try another, press Reset: which deters best?"


@dataclass(frozen=True)
class Control:
    """One slider of the app: what it sets, how it reads, what it means (one plain line)."""

    key: str  # AppModel keyword: a dotted parameter, 'threshold_scale' or 'rng'
    label: str
    lo: float
    hi: float
    step: float
    kind: str  # 'share' (shown as %), 'times' (×1.00), 'weight' (0.60), 'seed' (integer)
    help: str

    def text(self, value: float) -> str:
        """The value with its unit, as the page shows it: '30%', '×1.00', '0.60', '7'."""
        v = float(value)
        if self.kind == "share":
            return f"{v:.0%}"
        if self.kind == "times":
            return f"\u00d7{v:.2f}"
        if self.kind == "seed":
            return f"{int(round(v))}"
        return f"{v:.2f}"


_HELP = {
    "us.backstop.intelligence": "How much intelligence the US shares with the force "
                                "(100% = all it could).",
    "us.backstop.air_support": "How much US air defence and air power back the force.",
    "us.backstop.logistics": "How much US transport and supply help the force gets.",
    "us.backstop.funding": "How much US money goes to the force.",
    "sanctions.scale": "Strength of sanctions on Russia: \u00d71 as in the scenario, "
                       "\u00d72 twice as strong, \u00d70 none.",
    "coalition.peer_weight": "How much a state follows what the other states already do.",
}
_KIND = {"sanctions.scale": "times", "coalition.peer_weight": "weight"}


def declared_range(path: str) -> tuple[float, float]:
    """A parameter's range as declared in ``sim.model.parameters`` (what the model accepts)."""
    info = PARAM_INFO[path]
    return float(info.lo), float(info.hi)


def controls(scenario: Scenario) -> list[Control]:
    """The app's sliders for this scenario, each over its parameter's declared range ("Hard to
    convince" over the threshold scales' common range)."""
    out = [Control(path, label, *declared_range(path), step, _KIND.get(path, "share"), _HELP[path])
           for path, (label, step) in SLIDERS.items()]
    lo, hi = (max(declared_range(k)[0] for k in THRESHOLD_SCALES),
              min(declared_range(k)[1] for k in THRESHOLD_SCALES))
    out.append(Control("threshold_scale", THRESHOLD_LABEL, lo, hi, 0.01, "times",
                       "Above \u00d71 every state needs more before it commits; below, less."))
    out.append(Control("rng", SEED_LABEL, scenario.seed, scenario.seed + 99, 1, "seed",
                       "The dice: the same seed and sliders always give the same run."))
    return out


def defaults(scenario: Scenario) -> dict[str, float]:
    """Each control's value in the scenario as written (thresholds ×1, the scenario's seed)."""
    values = flatten(scenario.parameters)
    out: dict[str, float] = {path: round(values[path], 4) for path in SLIDERS}
    out["threshold_scale"] = 1.0
    out["rng"] = scenario.seed
    return out


def model_values(model: AppModel) -> dict[str, float]:
    """Each control's value as the running model uses it."""
    p = model.simulation.params
    out: dict[str, float] = {path: round(float(p[path][0]), 4) for path in SLIDERS}
    out["threshold_scale"] = round(model.threshold_scale, 4)
    out["rng"] = model.seed
    return out


def design_choices() -> dict[str, str]:
    """Label → name of every force design in scenarios/designs/: the default first, then the
    others from the articles, then the hypothetical ones."""
    designs = [load_design(name) for name in design_names()]
    designs.sort(key=lambda d: (d.name != DEFAULT_DESIGN, d.hypothetical, d.name))
    return {d.label: d.name for d in designs}


def initial_scenario() -> str:
    """The scenario the app opens with: $COALITION_SIM_SCENARIO or the default."""
    return os.environ.get(ENV_SCENARIO, "").strip() or DEFAULT_SCENARIO


def initial_posterior() -> tuple[Posterior | None, str]:
    """The posterior named by $COALITION_SIM_POSTERIOR (None if unset), or None and the
    reason it cannot be used (shown in the page)."""
    ref = os.environ.get(ENV_POSTERIOR, "").strip()
    if not ref:
        return None, ""
    try:
        return _posterior(ref), ""
    except PosteriorError as exc:
        return None, str(exc)


@lru_cache(maxsize=4)
def _posterior(ref: str) -> Posterior:
    """A posterior read once per process (every session and Reset shares it)."""
    return load_posterior(ref)


SCENARIO_TITLES: dict[str, str] = {
    "classroom-five": "Classroom: five states, not yet tipped",
    "classroom-five-tipped": "Classroom: five states, tipped",
    "feb-2025-summit": "February 2025: emergency summit in Paris",
    "hague-2025-intel-only": "May 2025: The Hague, US intelligence only",
    "sep-2025-paris": "September 2025: summit in Paris",
    "dec-2025-assets": "December 2025: Russian assets fund a loan",
    "record-2025": "2025 to 2026: the record, month by month",
    "us-full-backstop": "What if the US gives its full backstop",
    "us-withdrawal": "What if the US walks away",
    "us-backstop-erodes": "What if the US backstop erodes",
    "europe-steps-up": "What if Europe steps up",
    "max-sanctions": "What if sanctions are at their maximum",
    "sanctions-relief": "What if the US lifts its sanctions",
}
"""The scenario list's plain titles (a scenario not named here shows its file name)."""
HIDDEN_SCENARIOS: frozenset[str] = frozenset({"base"})
"""Scenarios the list leaves out: ``base`` holds the stated positions others extend; it is not
meant to be played."""


def scenario_title(name: str) -> str:
    """The scenario's title in plain words (its file name if it has none)."""
    return SCENARIO_TITLES.get(name, name)


def scenario_choices(current: str) -> dict[str, str]:
    """Title → name of every playable scenario in scenarios/ (``base`` left out), in the
    order of ``SCENARIO_TITLES``, then any other; ``current`` first if it is not among them."""
    names = [n for n in scenario_names() if n not in HIDDEN_SCENARIOS]
    names.sort(key=lambda n: (list(SCENARIO_TITLES).index(n) if n in SCENARIO_TITLES
                              else len(SCENARIO_TITLES), n))
    if current not in names:
        names.insert(0, current)
    return {scenario_title(n): n for n in names}


def _scaled_thresholds(spec: Scenario, scale: float) -> dict[str, float]:
    """The six threshold scales times ``scale`` (within their bounds); none at ×1, so a
    posterior may still draw them."""
    if scale == 1.0:
        return {}
    base = flatten(spec.parameters)
    return {key: min(PARAM_INFO[key].hi, max(PARAM_INFO[key].lo, base[key] * scale))
            for key in THRESHOLD_SCALES}


def pinned(scenario_name: str) -> bool:
    """Whether ``scenario_name`` is a classroom world, whose runs never draw parameters."""
    return scenario_name in CLASSROOM_WORLDS


class AppModel(CoalitionModel):
    """A CoalitionModel for the app, built from the app's controls.

    ``threshold_scale`` multiplies the scenario's six ``coalition.*_threshold_scale``;
    ``design`` names the force design on the table (default: the scenario's own; another one
    replaces every ``design.*`` value); other dotted keyword arguments override parameters.
    With a ``posterior`` the calibrated parameters no override sets are drawn for the seed
    (``CoalitionModel``), except in a classroom world (:func:`pinned`); the thresholds'
    scales are overrides only when ``threshold_scale`` is not 1. ``scenario`` is ignored:
    Mesa's Reset passes its own (empty) scenario object there, so the coalition scenario
    comes in ``scenario_name``.
    """

    def __init__(self, scenario_name: str = DEFAULT_SCENARIO, rng: int | None = None,
                 threshold_scale: float = 1.0, design: str | None = None, scenario: Any = None,
                 posterior: Posterior | None = None, **overrides: float):
        spec = load_scenario(scenario_name)
        values = {k: float(v) for k, v in overrides.items()}
        for key in values:
            if key not in PARAM_INFO:
                raise KeyError(f"unknown parameter {key!r}")
        design = design or spec.design
        if design != spec.design:
            values = {**load_design(design).values(), **values}
        values.update(_scaled_thresholds(spec, float(threshold_scale)))
        super().__init__(scenario=spec, rng=None if rng is None else int(rng),
                         posterior=None if pinned(scenario_name) else posterior, **values)
        self.posterior = posterior  # shown on the page (a classroom world drew nothing)
        self.scenario_name = scenario_name
        self.threshold_scale = float(threshold_scale)
        self.names = dict(zip(self.world.codes, self.world.names, strict=True))
        self.force_design: ForceDesign = load_design(design)
        self.ask = float(self.simulation.params["design.ground_troops"][0])
        """Ground troops the design asks for (pledges count up to it)."""
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
        self.events.extend(narrate(self.timeline[-1], snap, self.names, self.ask))
        self.timeline.append(snap)
