"""The classroom app: ``solara run sim/app/app.py`` (``coalition-sim app`` does it for you).

Mesa's SolaraViz gives the controls (Step, Play, Reset and the sliders, which take effect on
Reset); the scenario picker rebuilds the model at once. Each browser session builds its own
model (``use_memo`` inside ``Page``), so two tabs never share a run.
"""

from __future__ import annotations

import html

import solara
from mesa.visualization import SolaraViz

from sim.app.components import Dashboard
from sim.app.session import (
    SLIDERS,
    AppModel,
    initial_scenario,
    model_params,
    scenario_choices,
)
from sim.scenario import Scenario, load_scenario

TITLE = "Coalition of the willing: how an alliance tips"


def run_settings(model: AppModel) -> list[tuple[str, str]]:
    """(label, value) of every control as the running model uses it."""
    p = model.simulation.params
    rows = [(label, f"{float(p[path][0]):.2f}") for path, (label, *_rest) in SLIDERS.items()]
    rows.append(("Thresholds (x)", f"{model.threshold_scale:.2f}"))
    rows.append(("Seed", str(model.seed)))
    return rows


@solara.component
def RunSettings(model: AppModel) -> None:
    """The values this run uses (sliders act on Reset, so they may differ from the run)."""
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td style='text-align:right;"
                    f"font-weight:600'>{html.escape(v)}</td></tr>"
                    for k, v in run_settings(model))
    solara.HTML(tag="div", classes=["run-settings"], style={"font-size": "14px"},
                unsafe_innerHTML=f"<div style='color:#555'>Values this run uses "
                                 f"(sliders apply on Reset):</div><table style='width:100%'>"
                                 f"{cells}</table>")


def load_or_error(ref: str) -> tuple[Scenario | None, str]:
    """The scenario, or None and the reason it cannot be loaded (shown in the page)."""
    try:
        return load_scenario(ref), ""
    except Exception as exc:  # a broken file must not blank the page: say what is wrong
        return None, f"{ref}: {exc}"


@solara.component
def Session(ref: str, spec: Scenario) -> None:
    """One scenario in one browser session: its model, SolaraViz's controls, the dashboard.

    Keyed by the scenario, so picking another one starts a fresh session: a Play loop that
    is still running can only step the model it was started with.
    """
    first = solara.use_memo(lambda: AppModel(scenario_name=ref, rng=spec.seed), [])
    model = solara.use_reactive(first)
    with solara.Sidebar(), solara.Card("This run"):
        RunSettings(model.value)
    SolaraViz(model, components=[], model_params=model_params(spec, ref), name=TITLE,
              play_interval=400)
    Dashboard(model.value)


@solara.component
def Page() -> None:
    """A browser session: the scenario picker and the scenario's session (see Session)."""
    scenario = solara.use_reactive(initial_scenario())
    ref = scenario.value
    spec, problem = solara.use_memo(lambda: load_or_error(ref), [ref])
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select(label="Scenario", value=scenario, values=scenario_choices(ref))
        if spec is not None:
            solara.HTML(tag="div", style={"font-size": "14px"},
                        unsafe_innerHTML=html.escape(spec.description))
    if spec is None:
        solara.Error(f"This scenario cannot be loaded. {problem}", classes=["scenario-error"])
        return
    Session(ref, spec).key(f"session-{ref}")
