"""The classroom app: ``coalition-sim app`` serves this Solara page.

One browser session holds one scenario, one Mesa model (an ``AppModel``), the sliders' values
and the force design picked. The page's own controls drive the model: **Reset** builds a fresh
model of the scenario picked *now* with the sliders' values and the design picked; **▶** plays
one month at a time until **❚❚**; **Step** moves one month. Picking a scenario builds its model
at once (its sliders and design back at the scenario's own) and, if the app is playing, play
goes on with the new model.
The sliders hold only the values the user moved: those are overrides. The others show the
run's own values, so with a posterior (``coalition-sim app --posterior``) a drawn parameter
shows the value drawn for the seed, and each Reset with another seed draws anew.
Every change bumps a version number; the views are HTML built from the model (see
``sim.app.components``), so a step redraws in milliseconds.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from typing import Any

import solara
import solara.lab

from sim.analysis.posterior import Posterior
from sim.app.components import (
    LARGE_WORLD_TILES,
    PAGE_CSS,
    SMALL_WORLD,
    SMALL_WORLD_TILES,
    chart_cards,
    log_html,
    model_map_html,
    status_html,
)
from sim.app.placement import place_states
from sim.app.session import (
    DESIGN_HELP,
    DESIGN_LABEL,
    AppModel,
    Control,
    controls,
    design_choices,
    initial_posterior,
    initial_scenario,
    model_values,
    scenario_choices,
    scenario_title,
)
from sim.scenario import Scenario, load_scenario

TITLE = "Coalition of the willing: how an alliance tips"
PLAY_SPEEDS: dict[str, float] = {"Slow: 1.5 s a month": 1.5, "Normal: 0.6 s a month": 0.6,
                                  "Fast: 0.2 s a month": 0.2}
"""The Play speed list: label → seconds between two months while playing."""
PLAY_SPEED = "Normal: 0.6 s a month"
DRAWN_HELP = ("Drawn from the calibrated posterior for this seed; move the slider to set your "
              "own value.")


def load_or_error(ref: str) -> tuple[Scenario | None, str]:
    """The scenario, or None and the reason it cannot be loaded (shown in the page)."""
    try:
        return load_scenario(ref), ""
    except Exception as exc:  # a broken file must not blank the page: say what is wrong
        return None, f"{ref}: {exc}"


def build_model(ref: str, values: dict[str, float], design: str | None = None,
                posterior: Posterior | None = None) -> AppModel:
    """A fresh model of scenario ``ref`` with the controls at ``values`` (those not given: the
    scenario's, or drawn from ``posterior``) and the force design ``design`` (None: the
    scenario's own)."""
    kwargs: dict[str, Any] = dict(values)
    rng = kwargs.pop("rng", None)
    return AppModel(scenario_name=ref, rng=None if rng is None else int(rng), design=design,
                    posterior=posterior, **kwargs)


class Session:
    """One browser session's mutable state, guarded by one lock (Step, Play, Reset and a
    scenario pick may come from different threads)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()


@solara.component
def ControlSlider(control: Control, value: float, used: float,
                  on_value: Callable[[float], None], drawn: bool = False) -> None:
    """One slider: its label, value and unit, a mark while it differs from the run (or, for a
    parameter drawn from the posterior, that it is drawn), and a one-line explanation."""
    moved = abs(float(value) - float(used)) > 1e-9
    slug = control.key.replace(".", "-").replace("_", "-")
    mark = ('<span class="moved-mark">changed: press Reset</span>' if moved else
            f'<span class="drawn-mark" title="{html.escape(DRAWN_HELP)}">drawn</span>'
            if drawn else "")
    with solara.Div(classes=["cs-root", "cs-control", f"control-{slug}"]
                    + (["slider-moved"] if moved else [])):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f'<div class="control-head" title="{html.escape(control.help)}">'
            f'<span class="control-label">{html.escape(control.label)}{mark}</span>'
            f'<span class="control-value">{html.escape(control.text(value))}</span></div>'))
        if control.kind == "seed":
            solara.SliderInt(label="", value=int(value), min=int(control.lo), max=int(control.hi),
                             step=1, on_value=on_value, thumb_label=False)
        else:
            solara.SliderFloat(label="", value=float(value), min=control.lo, max=control.hi,
                               step=control.step, on_value=on_value, thumb_label=False)
        solara.HTML(tag="div", classes=["cs-help", "control-help"],
                    unsafe_innerHTML=html.escape(control.help))


@solara.component
def DesignSelect(design: str, used: str, on_design: Callable[[str], None]) -> None:
    """The force design list: the design's label, a mark while it differs from the run's,
    and a one-line explanation. A pick takes effect on Reset, like a slider."""
    choices = design_choices()
    label_of = {name: label for label, name in choices.items()}
    moved = design != used
    mark = '<span class="moved-mark">changed: press Reset</span>' if moved else ""
    with solara.Div(classes=["cs-root", "cs-control", "control-design"]
                    + (["slider-moved"] if moved else [])):
        solara.HTML(tag="div", unsafe_innerHTML=(
            f'<div class="control-head" title="{html.escape(DESIGN_HELP)}">'
            f'<span class="control-label">{html.escape(DESIGN_LABEL)}{mark}</span></div>'))
        solara.Select(label="", value=label_of.get(design, design), values=list(choices),
                      on_value=lambda label: on_design(choices.get(label, label)))
        solara.HTML(tag="div", classes=["cs-help", "control-help"],
                    unsafe_innerHTML=html.escape(DESIGN_HELP))


@solara.component
def Page() -> None:
    """A browser session: controls and scenario picker in the sidebar, the views beside."""
    session = solara.use_memo(Session, [])
    posterior, posterior_problem = solara.use_memo(initial_posterior, [])
    ref = solara.use_reactive(initial_scenario())
    spec, problem = solara.use_memo(lambda: load_or_error(ref.value), [ref.value])
    first = solara.use_memo(lambda: (build_model(ref.value, {}, posterior=posterior)
                                     if spec else None), [])
    model = solara.use_reactive(first)
    values = solara.use_reactive({})  # the sliders the user moved: overrides
    design = solara.use_reactive(spec.design if spec else "")
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(PLAY_SPEED)
    m: AppModel | None = model.value

    def bump() -> None:
        version.value = version.value + 1

    def pick(name: str) -> None:
        new_spec, _ = load_or_error(name)
        with session.lock:
            ref.value = name
            if new_spec is None:
                playing.value = False
                model.value = None
            else:
                values.value = {}
                design.value = new_spec.design
                model.value = build_model(name, values.value, design.value, posterior)
            bump()

    def reset() -> None:
        with session.lock:
            playing.value = False
            if spec is not None:
                model.value = build_model(ref.value, values.value, design.value or None,
                                          posterior)
            bump()

    def step() -> None:
        with session.lock:
            current = model.value
            if current is not None and current.running:
                current.step()
                bump()

    def toggle() -> None:
        with session.lock:
            playing.value = not playing.value

    def set_value(key: str, value: float) -> None:
        with session.lock:
            values.value = {**values.value, key: value}

    def set_design(name: str) -> None:
        with session.lock:
            design.value = name

    def play(cancel: threading.Event) -> None:
        while not cancel.wait(PLAY_SPEEDS.get(speed.value, PLAY_SPEEDS[PLAY_SPEED])):
            with session.lock:
                if cancel.is_set() or not playing.value:
                    return
                current = model.value
                if current is None or not current.running:
                    playing.value = False
                    return
                current.step()
                bump()

    solara.use_thread(play if playing.value else (lambda: None), dependencies=[playing.value],
                      intrusive_cancel=False)

    solara.Style(PAGE_CSS)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
        solara.lab.ThemeToggle()

    running = m is not None and m.running
    with solara.Sidebar():
        with solara.Card(style={"padding": "6px"}):
            with solara.Row(classes=["cs-buttons"], justify="space-between"):
                solara.Button(label="Reset", color="primary", on_click=reset,
                              disabled=spec is None)
                solara.Button(label="\u275a\u275a" if playing.value else "\u25b6",
                              color="primary", on_click=toggle, disabled=not running)
                solara.Button(label="Step", color="primary", on_click=step,
                              disabled=playing.value or not running)
            solara.HTML(tag="div", classes=["cs-root", "cs-help", "buttons-help"], unsafe_innerHTML=(
                "<b>Step</b>: one month on. <b>\u25b6</b>: play month after month "
                "(<b>\u275a\u275a</b> pauses). <b>Reset</b>: start again from month 0 with the "
                "sliders below."
                + ("" if running or m is None else
                   " <b class='run-over'>The run is over: press Reset to start again.</b>")))
            choices = scenario_choices(ref.value)
            solara.Select(label="Play speed", value=speed.value, values=list(PLAY_SPEEDS),
                          on_value=speed.set, classes=["cs-speed"])
            solara.Select(label="Scenario", value=scenario_title(ref.value), values=list(choices),
                          on_value=lambda title: pick(choices.get(title, title)))
            if spec is not None:
                solara.HTML(tag="div", classes=["cs-root", "cs-help", "scenario-description"],
                            unsafe_innerHTML=html.escape(spec.description))
        if spec is not None and m is not None:
            used = model_values(m)
            with solara.Card(style={"padding": "6px"}):
                solara.HTML(tag="div", classes=["cs-root", "cs-help"], unsafe_innerHTML=(
                    "Move a slider or pick a design, then press <b>Reset</b>: the run starts "
                    "again with it. Until then it is marked."))
                DesignSelect(design.value or m.force_design.name, m.force_design.name,
                             set_design)
                for control in controls(spec):
                    ControlSlider(control, values.value.get(control.key, used[control.key]),
                                  used[control.key],
                                  lambda v, key=control.key: set_value(key, v),
                                  drawn=control.key in m.drawn)

    if posterior_problem:
        solara.Error(f"The posterior cannot be used, so every run keeps the scenario's values. "
                     f"{posterior_problem}", classes=["posterior-error"])
    if spec is None or m is None:
        solara.Error(f"This scenario cannot be loaded. {problem}", classes=["scenario-error"])
        return
    Dashboard(m, version.value)


@solara.component
def Dashboard(model: AppModel, version: int) -> None:
    """Cards, map, log and charts of ``model`` as of ``version`` (redrawn when it changes)."""
    placement = solara.use_memo(lambda: place_states(
        model.world.lat, model.world.lon,
        size=SMALL_WORLD_TILES if len(model.world.codes) <= SMALL_WORLD else LARGE_WORLD_TILES),
        [model])
    status = solara.use_memo(lambda: status_html(model), [model, version])
    world = solara.use_memo(lambda: model_map_html(model, placement), [model, version])
    log = solara.use_memo(lambda: log_html(model), [model, version])
    charts = solara.use_memo(lambda: chart_cards(model), [model, version])
    force, talks = charts
    with solara.Column(style={"padding": "4px", "width": "100%", "gap": "0px"}):
        solara.HTML(tag="div", unsafe_innerHTML=status, classes=["status-bar"])
        with solara.Columns([1, 1], gutters_dense=True):  # the force chart above the fold
            solara.HTML(tag="div", unsafe_innerHTML=world, classes=["coalition-map"])
            solara.HTML(tag="div", unsafe_innerHTML=force, classes=["charts", "force-panel"])
        with solara.Columns([1, 1], gutters_dense=True):
            solara.HTML(tag="div", unsafe_innerHTML=log, classes=["log-panel"])
            solara.HTML(tag="div", unsafe_innerHTML=talks, classes=["charts", "talks-panel"])
