"""The app's views as Solara components; each reads ``update_counter`` to redraw on Step."""

from __future__ import annotations

import html
import io
import math
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from sim.app.figures import economy_figure, force_figure, map_figure
from sim.app.placement import place_states
from sim.app.session import AppModel

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def calendar_month(start: str, months: int) -> str:
    """'2025-09' + 3 → 'December 2025'."""
    y, m = (int(x) for x in start.split("-"))
    k = (m - 1) + months
    return f"{MONTH_NAMES[k % 12]} {y + k // 12}"


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", pad_inches=0.05)
    return buf.getvalue()


def _history(model: AppModel) -> dict[str, np.ndarray]:
    df = model.datacollector.get_model_vars_dataframe()
    out = {k: df[k].to_numpy(dtype=float) for k in df.columns} if len(df) else {}
    out["month"] = np.arange(1, len(df) + 1, dtype=float)
    return out


def _card(title: str, value: str, detail: str, colour: str, cls: str) -> None:
    body = (f'<div style="font-size:15px;color:#555">{html.escape(title)}</div>'
            f'<div class="{cls}" style="font-size:30px;font-weight:700;color:{colour};'
            f'line-height:1.2">{html.escape(value)}</div>'
            f'<div style="font-size:15px;color:#333">{html.escape(detail)}</div>')
    with solara.Card(style={"min-width": "210px", "flex": "1 1 0", "margin": "4px"}):
        solara.HTML(tag="div", unsafe_innerHTML=body)


@solara.component
def StatusBar(model: AppModel) -> None:
    """Month, force against the requirement, deterrence, ceasefire, the US."""
    update_counter.get()
    month = model.simulation.month
    started = month > 0
    when = calendar_month(model.spec.start, month)
    troops = model.outcome("troops") if started else 0.0
    need = model.requirement
    det = model.outcome("deterrence") if started else math.nan
    if not started:
        cease, cease_detail, cease_col = "Not yet", "press Step or \u25b6 to start", "#555"
    elif model.russia.violated:
        vm = int(model.simulation.run_state.violation_month[0])
        cease, cease_detail, cease_col = "Broken", f"Russia broke it in month {vm}", "#B00020"
    elif model.ukraine.ceasefire:
        cm = int(model.simulation.run_state.ceasefire_month[0])
        cease, cease_detail, cease_col = "Holding", f"agreed in month {cm}", "#1B7F3B"
    else:
        cease, cease_detail, cease_col = "None", "no agreement yet", "#555"
    us = model.united_states
    us_value = "Walked away" if us.disengaged else f"{model.outcome('us_perceived'):.0%}" \
        if started else f"{np.mean(list(us.backstop.values())[:3]):.0%}"
    with solara.Row(style={"flex-wrap": "wrap", "gap": "0px"}):
        _card("Month", f"{month} of {model.horizon}", when, "#222", "status-month")
        _card("Ground force", f"{troops:,.0f}", f"of {need:,.0f} troops needed",
              "#1B7F3B" if troops >= need else "#B00020", "status-force")
        _card("Deterrence", "\u2014" if math.isnan(det) else f"{det:.0%}",
              "how strongly the force deters", "#0072B2", "status-deterrence")
        _card("Ceasefire", cease, cease_detail, cease_col, "status-ceasefire")
        _card("US backstop (as Europe sees it)", us_value,
              "intelligence only" if us.disengaged else "air, intelligence, logistics",
              "#B00020" if us.disengaged else "#222", "status-us")


@solara.component
def MapView(model: AppModel) -> None:
    """The map: each state coloured by its strongest commitment this month."""
    counter = update_counter.get()
    placement = solara.use_memo(lambda: place_states(model.world.lat, model.world.lon), [model])
    month = model.simulation.month

    def draw() -> bytes:
        snap = model.timeline[-1]
        troops = {s.code: s.troops for s in model.states}
        committing = sum(1 for v in snap.commitments.values() if v)
        title = (f"Month {month}: {committing} of {len(model.states)} states commit something"
                 if month else "Month 0: nobody has committed yet")
        return png(map_figure(placement, model.world.codes, model.world.names, snap.commitments,
                              troops, title))

    image = solara.use_memo(draw, [model, month, counter])
    with solara.Card(style={"margin": "4px"}):
        solara.Image(image, width="100%", classes=["coalition-map"])
        solara.HTML(tag="div", style={"font-size": "15px", "color": "#333"}, unsafe_innerHTML=(
            "Each tile is a state, placed at its capital (or in a grid for a made-up world). "
            "Its colour is the strongest thing it commits; the small squares are its other "
            "commitments. Moved a slider? Press <b>Reset</b> to start again with it. "
            "<i>Thresholds (x)</i> above 1 makes every state harder to convince."))


@solara.component
def _HistoryChart(model: AppModel, figure: Callable[[dict[str, np.ndarray]], Figure],
                  css_class: str) -> None:
    """A chart of the run so far, redrawn each month; ``figure`` draws it from the history."""
    counter = update_counter.get()
    month = model.simulation.month

    def draw() -> bytes:
        h = _history(model)
        if not len(h["month"]):
            h = defaultdict(lambda: np.zeros(0), month=np.zeros(0))
        return png(figure(h))

    image = solara.use_memo(draw, [model, month, counter])
    with solara.Card(style={"margin": "4px"}):
        solara.Image(image, width="100%", classes=[css_class])


@solara.component
def ForceChart(model: AppModel) -> None:
    """Ground troops against the requirement, deterrence and the ceasefire over time."""
    _HistoryChart(model, lambda h: force_figure(h["month"], h["troops"], h["deterrence"],
                                                h["ceasefire"], model.requirement, model.horizon),
                  "force-chart")


@solara.component
def EconomyChart(model: AppModel) -> None:
    """Russia's growth and the sanctions pressure over time."""
    _HistoryChart(model, lambda h: economy_figure(h["month"], h["growth"], h["pressure"],
                                                  model.horizon),
                  "economy-chart")


@solara.component
def EventLog(model: AppModel) -> None:
    """What happened, newest month first, in plain words."""
    update_counter.get()
    lines = list(reversed(model.events))
    if not lines:
        lines_html = ('<div class="event-empty" style="color:#555">Nothing has happened yet. '
                      "Press <b>Step</b> to move one month on, or \u25b6 to play.</div>")
    else:
        lines_html = "".join(
            f'<div class="event-line" style="padding:5px 0;border-bottom:1px solid #eee">'
            f"{html.escape(line)}</div>" for line in lines)
    body = (f'<div style="font-size:17px;line-height:1.35;max-height:640px;overflow-y:auto">'
            f"{lines_html}</div>")
    with solara.Card("What happened", style={"margin": "4px"}):
        solara.HTML(tag="div", unsafe_innerHTML=body, classes=["event-log"])


@solara.component
def Dashboard(model: AppModel) -> None:
    """Every view of the app, laid out for a projector."""
    with solara.Column(style={"padding": "4px", "width": "100%"}):
        StatusBar(model)
        with solara.Columns([5, 3]):
            MapView(model)
            EventLog(model)
        with solara.Columns([1, 1]):
            ForceChart(model)
            EconomyChart(model)
