"""The app's views as HTML text, built from the model in a few milliseconds.

Pure functions (model in, HTML out), so they are tested without a browser; ``sim.app.app``
puts them on the page. Colours come from CSS variables (``PAGE_CSS``) that have a light and a
dark set, so every number keeps its contrast in both themes. Every card, map tile and chart
carries a one-line plain explanation (a caption, and the same text on hover).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np

from sim.app.palette import COLOURS, LABELS, NOTHING, PHRASES, STRENGTH_ORDER, strongest
from sim.app.placement import Placement
from sim.app.session import AppModel
from sim.app.svg import Line, Panel, chart_svg

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
SMALL_WORLD = 8
"""Worlds with at most this many states show full names on their tiles; larger ones codes."""

PAGE_CSS = """
.cs-root { --cs-bg:#ffffff; --cs-fg:#1a1a1a; --cs-muted:#4d4d4d; --cs-line:#cfcfcf;
  --cs-good:#17692f; --cs-bad:#b00020; --cs-blue:#005a8f; --cs-mark:#8a4b00;
  --cs-mark-bg:#fff2d6; color:var(--cs-fg); }
.v-application.theme--dark .cs-root { --cs-bg:#1f1f1f; --cs-fg:#f2f2f2; --cs-muted:#cfcfcf;
  --cs-line:#5a5a5a; --cs-good:#7fe09a; --cs-bad:#ff9b93; --cs-blue:#8fcbff; --cs-mark:#ffd28a;
  --cs-mark-bg:#3d2c10; }
.cs-panel { background:var(--cs-bg); color:var(--cs-fg); border:1px solid var(--cs-line);
  border-radius:8px; padding:8px 12px; margin:4px; }
.cs-status { display:flex; flex-wrap:wrap; gap:8px; margin:4px; }
.cs-card { background:var(--cs-bg); color:var(--cs-fg); border:1px solid var(--cs-line);
  border-radius:8px; padding:5px 10px; flex:1 1 0; min-width:140px; }
.cs-card-title { font-size:15px; color:var(--cs-muted); font-weight:600; line-height:1.2; }
.cs-card-value { font-size:30px; font-weight:700; line-height:1.15; color:var(--cs-fg); }
.cs-card-value.cs-good { color:var(--cs-good); } .cs-card-value.cs-bad { color:var(--cs-bad); }
.cs-card-value.cs-blue { color:var(--cs-blue); }
.cs-card-detail { font-size:15px; color:var(--cs-fg); line-height:1.25; }
.cs-help { font-size:14px; color:var(--cs-muted); line-height:1.3; }
.cs-card .cs-help { font-size:13px; margin-top:2px; }
.cs-map { position:relative; width:100%; container-type:inline-size; }
.map-tile, .map-landmark { position:absolute; box-sizing:border-box; border-radius:6px;
  display:flex; flex-direction:column; align-items:center; justify-content:center;
  overflow:hidden; line-height:1.05; }
.map-tile { border:2px solid #222; }
.map-landmark { border:2px dashed #777; background:var(--cs-bg); color:var(--cs-muted);
  font-style:italic; }
.tile-name, .tile-troops, .landmark-name { white-space:nowrap; display:block; }
.tile-name { font-weight:700; }
.tile-others { display:flex; gap:2px; margin-top:2px; }
.tile-others i { display:block; border:1px solid #fff; }
.map-far { position:absolute; text-align:center; color:var(--cs-muted); font-size:15px; }
.cs-legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:16px; margin-top:6px; }
.cs-legend span.sw { display:inline-block; width:18px; height:14px; border:1px solid #222;
  vertical-align:middle; margin-right:5px; }
.map-key { font-size:14px; color:var(--cs-fg); margin-top:6px; line-height:1.45; }
.map-key b { font-weight:700; }
.event-log { font-size:17px; line-height:1.35; max-height:560px; overflow-y:auto; }
.event-line { padding:5px 0; border-bottom:1px solid var(--cs-line); }
.cs-control { margin:2px 0 10px 0; }
.control-head { font-size:16px; display:flex; justify-content:space-between; gap:6px; }
.control-value { font-weight:700; font-size:17px; }
.moved-mark { font-size:13px; font-weight:700; color:var(--cs-mark); background:var(--cs-mark-bg);
  border-radius:4px; padding:0 5px; margin-left:4px; }
.cs-control.slider-moved { border-left:4px solid var(--cs-mark); padding-left:6px; }
.cs-control .v-input { margin-top:0 !important; padding-top:0 !important; }
.cs-control .v-input__slot { margin-bottom:0 !important; }
.cs-control .v-messages { display:none; }
.cs-buttons .v-btn { font-size:17px !important; min-width:72px !important; }
"""
"""The page's style sheet: a light and a dark set of colours, cards, map tiles, controls."""


def calendar_month(start: str, months: int) -> str:
    """'2025-09' + 3 → 'December 2025'."""
    y, m = (int(x) for x in start.split("-"))
    k = (m - 1) + months
    return f"{MONTH_NAMES[k % 12]} {y + k // 12}"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


# --------------------------------------------------------------------------- colours

def luminance(colour: str) -> float:
    """WCAG relative luminance of '#rrggbb'."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two '#rrggbb' colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_on(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return "#000000" if contrast(fill, "#000000") >= contrast(fill, "#ffffff") else "#ffffff"


# --------------------------------------------------------------------------- cards

CARD_HELP = {
    "month": "One step is one month of the story.",
    "force": "Soldiers sent to Ukraine, against the number the force needs.",
    "deterrence": "Cuts Russia's monthly chance of breaking a ceasefire by this much "
                  "(never to zero).",
    "ceasefire": "Have Russia and Ukraine agreed to stop fighting?",
    "us": "US help Europe counts on: what the US offers times how far Europe believes it.",
}


def _card(key: str, title: str, value: str, detail: str, tone: str = "") -> str:
    help_text = CARD_HELP[key]
    return (f'<div class="cs-card card-{key}" title="{_e(help_text)}">'
            f'<div class="cs-card-title">{_e(title)}</div>'
            f'<div class="cs-card-value status-{key} {tone}">{_e(value)}</div>'
            f'<div class="cs-card-detail">{_e(detail)}</div>'
            f'<div class="cs-help card-help">{_e(help_text)}</div></div>')


def status_html(model: AppModel) -> str:
    """The five cards: month, ground force, deterrence, ceasefire, the US backstop."""
    month = model.simulation.month
    started = month > 0
    troops = model.outcome("troops") if started else 0.0
    need = model.requirement
    det = model.outcome("deterrence") if started else math.nan
    if not started:
        cease, detail, tone = "Not yet", "press Step or \u25b6 to start", ""
    elif model.russia.violated:
        vm = int(model.simulation.run_state.violation_month[0])
        cease, detail, tone = "Broken", f"Russia broke it in month {vm}", "cs-bad"
    elif model.ukraine.ceasefire:
        cm = int(model.simulation.run_state.ceasefire_month[0])
        cease, detail, tone = "Holding", f"agreed in month {cm}", "cs-good"
    else:
        cease, detail, tone = "None", "no agreement yet", ""
    us = model.united_states
    if us.disengaged:
        us_value, us_detail, us_tone = "Walked away", "intelligence only", "cs-bad"
    else:
        level = model.outcome("us_perceived") if started else float(
            np.mean(list(us.backstop.values())[:3]))
        us_value, us_detail, us_tone = f"{level:.0%}", "air, intelligence, logistics", ""
    end = " (the end)" if month >= model.horizon else ""
    cards = [
        _card("month", "Month", f"{month} of {model.horizon}",
              calendar_month(model.coalition_scenario.start, month) + end),
        _card("force", "Ground force", f"{troops:,.0f}", f"of {need:,.0f} troops needed",
              "cs-good" if troops >= need else "cs-bad"),
        _card("deterrence", "Deterrence", "\u2014" if math.isnan(det) else f"{det:.0%}",
              "how strongly the force deters", "cs-blue"),
        _card("ceasefire", "Ceasefire", cease, detail, tone),
        _card("us", "US backstop as Europe sees it", us_value, us_detail, us_tone),
    ]
    return f'<div class="cs-root cs-status">{"".join(cards)}</div>'


# --------------------------------------------------------------------------- map

def _pct(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") + "%"


def map_extent(p: Placement) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the map in placement units (tiles, landmarks, 'Beyond Europe')."""
    xs = np.concatenate([p.x, [m[1] for m in p.landmarks]])
    ys = np.concatenate([p.y, [m[2] for m in p.landmarks]])
    top = float(ys.max()) + (2.0 if p.far.any() else 0.75) * p.height
    return (float(xs.min()) - 0.75 * p.width, float(xs.max()) + 0.75 * p.width,
            float(ys.min()) - 0.75 * p.height, top)


def tile_title(name: str, modes: frozenset[str] | set[str], troops: float) -> str:
    """Hover text of a tile: 'France: ground troops (7,050), air presence' or 'France: nothing yet'."""
    parts = []
    for m in STRENGTH_ORDER:
        if m in modes:
            parts.append(f"{PHRASES[m]} ({troops:,.0f})" if m == "ground" and troops > 0
                         else PHRASES[m])
    return f"{name}: {', '.join(parts) if parts else 'commits nothing yet'}"


def _font(label_chars: int, width_cq: float, height_cq: float) -> float:
    """Font size (cqw) at which a bold label of this many characters fits its tile."""
    by_width = 0.88 * width_cq / (0.62 * max(label_chars, 2))
    return min(by_width, 0.36 * height_cq)


def map_html(placement: Placement, codes: Sequence[str], names: Sequence[str],
             commitments: Mapping[str, frozenset[str]], troops: Mapping[str, float],
             title: str) -> str:
    """The map as positioned tiles (percent of the map, fonts in container units): each
    state's tile coloured by its strongest commitment, its name (or code, with a key below
    the map) in full, its troops and small squares for its other commitments."""
    x0, x1, y0, y1 = map_extent(placement)
    xr, yr = x1 - x0, y1 - y0
    small = len(codes) <= SMALL_WORLD
    wq, hq = 100 * placement.width / xr, 100 * placement.height / xr  # in cqw
    labels = list(names) if small else list(codes)
    name_fs = _font(max(len(s) for s in labels) if labels else 2, wq, hq)
    troop_text = {c: (f"{t / 1000:.1f}k troops" if small else f"{t / 1000:.0f}k")
                  for c, t in troops.items() if t > 0}
    widest = max((len(v) for v in troop_text.values()), default=3)
    troop_fs = min(name_fs * 0.9, _font(widest, wq, hq))
    tiles = []
    for i, code in enumerate(codes):
        modes = commitments.get(code, frozenset())
        top_mode = strongest(modes)
        fill = COLOURS[top_mode]
        ink = ink_on(fill)
        cx, cy = float(placement.x[i]), float(placement.y[i])
        left = 100 * (cx - placement.width / 2 - x0) / xr
        top = 100 * (y1 - cy - placement.height / 2) / yr
        t = float(troops.get(code, 0.0))
        inner = f'<span class="tile-name" style="font-size:{name_fs:.3f}cqw">{_e(labels[i])}</span>'
        if code in troop_text:
            inner += (f'<span class="tile-troops" style="font-size:{troop_fs:.3f}cqw">'
                      f"{_e(troop_text[code])}</span>")
        others = [m for m in STRENGTH_ORDER if m in modes and m != top_mode]
        if others:
            d = min(0.14 * wq, 0.16 * hq)
            inner += '<span class="tile-others">' + "".join(
                f'<i style="width:{d:.3f}cqw;height:{d * 0.8:.3f}cqw;background:{COLOURS[m]}" '
                f'title="{_e(LABELS[m])}"></i>' for m in others) + "</span>"
        tiles.append(
            f'<div class="map-tile" data-code="{_e(code)}" data-name="{_e(names[i])}" '
            f'data-mode="{top_mode}" title="{_e(tile_title(names[i], modes, t))}" '
            f'style="left:{_pct(left)};top:{_pct(top)};width:{_pct(100 * placement.width / xr)};'
            f'height:{_pct(100 * placement.height / yr)};background:{fill};color:{ink}">'
            f"{inner}</div>")
    for label, lx, ly in placement.landmarks:
        left = 100 * (lx - placement.width / 2 - x0) / xr
        top = 100 * (y1 - ly - placement.height / 2) / yr
        fs = _font(len(label), wq, hq)
        tiles.append(
            f'<div class="map-landmark" data-name="{_e(label)}" title="{_e(label)} '
            f'(not in the coalition)" style="left:{_pct(left)};top:{_pct(top)};'
            f'width:{_pct(100 * placement.width / xr)};height:{_pct(100 * placement.height / yr)}">'
            f'<span class="landmark-name" style="font-size:{fs:.3f}cqw">{_e(label)}</span></div>')
    if placement.far.any():
        fx = float(placement.x[placement.far][0])
        fy = float(np.max(placement.y[placement.far]))
        left = 100 * (fx - placement.width - x0) / xr
        top = 100 * (y1 - fy - 1.8 * placement.height) / yr
        tiles.append(f'<div class="map-far" style="left:{_pct(left)};top:{_pct(top)};'
                     f'width:{_pct(200 * placement.width / xr)}">Beyond Europe</div>')
    legend = "".join(f'<span><span class="sw" style="background:{COLOURS[k]}"></span>'
                     f"{_e(LABELS[k])}</span>" for k in (*STRENGTH_ORDER, NOTHING))
    key = ""
    if not small:
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        key = ('<div class="map-key"><b>Key:</b> ' + " \u00b7 ".join(
            f"<b>{_e(codes[i])}</b>&nbsp;{_e(names[i])}" for i in order) + "</div>")
    return (f'<div class="cs-root cs-panel map-panel">'
            f'<div style="font-size:19px;font-weight:700">{_e(title)}</div>'
            f'<div class="cs-help">Each tile is a state at its capital. Its colour is the '
            f"strongest thing it commits; small squares are its other commitments. Point at a "
            f"tile to see what it sends.</div>"
            f'<div class="cs-map" style="aspect-ratio:{xr:.4f} / {yr:.4f}">{"".join(tiles)}</div>'
            f'<div class="cs-legend"><b>Colour = strongest commitment:</b>{legend}</div>'
            f"{key}</div>")


def model_map_html(model: AppModel, placement: Placement) -> str:
    """The map of the model's current month."""
    snap = model.timeline[-1]
    month = model.simulation.month
    troops = {s.code: s.troops for s in model.states}
    committing = sum(1 for v in snap.commitments.values() if v)
    title = (f"Month {month}: {committing} of {len(model.states)} states commit something"
             if month else f"Month 0: none of the {len(model.states)} states has committed yet")
    return map_html(placement, model.world.codes, model.world.names, snap.commitments, troops,
                    title)


# --------------------------------------------------------------------------- log, charts

def log_html(model: AppModel) -> str:
    """What happened, newest month first, in plain words."""
    lines = list(reversed(model.events))
    if not lines:
        body = ('<div class="event-empty">Nothing has happened yet. Press <b>Step</b> to move '
                "one month on, or \u25b6 to play.</div>")
    else:
        body = "".join(f'<div class="event-line">{_e(line)}</div>' for line in lines)
    return ('<div class="cs-root cs-panel"><div style="font-size:19px;font-weight:700">'
            'What happened</div><div class="cs-help">Each month\'s changes, newest first.</div>'
            f'<div class="event-log">{body}</div></div>')


def history(model: AppModel) -> dict[str, np.ndarray]:
    """The run so far, one value a month (month 1 first)."""
    raw = model.datacollector.model_vars
    n = len(next(iter(raw.values()), []))
    out = {k: np.asarray(v, float) for k, v in raw.items()}
    out["month"] = np.arange(1, n + 1, dtype=float)
    return out


def _k(v: float) -> str:
    return f"{v / 1000:.0f}k"


def charts_html(model: AppModel) -> str:
    """The force chart and the economy chart of the run so far, side by side."""
    h = history(model)
    months, horizon, need = h["month"], model.horizon, model.requirement
    empty = np.zeros(0)
    troops = h.get("troops", empty)
    top = max(need * 1.3, float(np.nanmax(troops, initial=0)) * 1.1)
    force = chart_svg("Force on the ground", months, horizon, [
        Panel([Line(troops, "#D55E00")], (0, top), "Troops", _k,
              (0, round(top / 2, -3), round(top, -3)),
              reference=(need, f"{need:,.0f} needed", "#D55E00")),
        Panel([Line(h.get("deterrence", empty), "#0072B2")], (0, 1), "Deterrence",
              lambda v: f"{v:.0%}", (0, 0.5, 1),
              shaded=h.get("ceasefire_in_force", empty) > 0.5, shade_label="green: ceasefire holds"),
    ], "force-chart")
    growth = h.get("growth", empty)
    lo = min(-1.0, float(np.nanmin(growth, initial=0)) - 0.5)
    hi = max(5.0, float(np.nanmax(growth, initial=0)) + 0.5)
    economy = chart_svg("Russia's economy", months, horizon, [
        Panel([Line(growth, "#CC3311")], (lo, hi), "Growth %/yr", lambda v: f"{v:.0f}%",
              (round(lo), 0, round(hi)), reference=(0.0, "no growth", "#777777")),
        Panel([Line(h.get("pressure", empty), "#E69F00", steps=True, fill=True)], (0, 1),
              "Sanctions", lambda v: f"{v:.0%}", (0, 0.5, 1)),
    ], "economy-chart")
    return ('<div class="cs-root" style="display:flex;flex-wrap:wrap;gap:0">'
            '<div class="cs-panel" style="flex:1 1 340px" title="Troops sent against the '
            'number needed, and how strongly the force deters Russia.">'
            f'{force}<div class="cs-help">Troops sent each month against the number needed; '
            "below, deterrence, with months of ceasefire in green.</div></div>"
            '<div class="cs-panel" style="flex:1 1 340px" title="How fast Russia\'s economy '
            'grows, and how hard sanctions press on it.">'
            f'{economy}<div class="cs-help">How fast Russia\'s economy grows (per year), and '
            "how hard sanctions press on it (100% = the most the model allows).</div></div></div>")
