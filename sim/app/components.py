"""The app's views as HTML text, built from the model in a few milliseconds.

Pure functions (model in, HTML out), so they are tested without a browser; ``sim.app.app``
puts them on the page. Colours come from CSS variables (``PAGE_CSS``) that have a light and a
dark set, so every number keeps its contrast in both themes. Every card, map tile and chart
carries a one-line plain explanation (a caption, and the same text on hover).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence

import numpy as np

from sim.app.narrate import join_names
from sim.app.palette import COLOURS, LABELS, NOTHING, PHRASES, STRENGTH_ORDER, strongest
from sim.app.placement import Placement
from sim.app.session import AppModel
from sim.app.svg import Line, Panel, chart_svg
from sim.model import outcomes
from sim.model.parameters import US_MILITARY_BACKSTOP

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
SMALL_WORLD = 8
"""Worlds with at most this many states show full names on their tiles; larger ones codes."""
SMALL_WORLD_TILES = 2.6
LARGE_WORLD_TILES = 1.3
"""Tile size (times the usual) on the map of a small world, so full names read at 14 px or
more on a map half the main panel wide at 1280x720."""

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
.design-line { font-size:16px; color:var(--cs-fg); margin:2px 6px 0 6px; line-height:1.3; }
.design-label { font-weight:700; }
.posterior-line { font-size:15px; color:var(--cs-fg); margin:2px 6px 0 6px; line-height:1.3; }
.drawn-mark { font-size:14px; font-weight:700; color:var(--cs-blue); margin-left:4px; }
.cs-card { background:var(--cs-bg); color:var(--cs-fg); border:1px solid var(--cs-line);
  border-radius:8px; padding:5px 10px; flex:1 1 0; min-width:140px; }
.cs-card-title { font-size:15px; color:var(--cs-muted); font-weight:600; line-height:1.2; }
.cs-card-value { font-size:30px; font-weight:700; line-height:1.15; color:var(--cs-fg); }
.cs-card-value.cs-good { color:var(--cs-good); } .cs-card-value.cs-bad { color:var(--cs-bad); }
.cs-card-value.cs-blue { color:var(--cs-blue); }
.cs-card-detail { font-size:15px; color:var(--cs-fg); line-height:1.25; }
.cs-card-detail b { font-weight:700; }
.cs-help { font-size:14px; color:var(--cs-muted); line-height:1.3; }
.cs-card .cs-help { font-size:14px; margin-top:2px; }
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
.map-far { position:absolute; text-align:center; color:var(--cs-muted); font-size:min(15px, 2.4cqw);
  line-height:1.1; }
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
.moved-mark { font-size:14px; font-weight:700; color:var(--cs-mark); background:var(--cs-mark-bg);
  border-radius:4px; padding:0 5px; margin-left:4px; }
.cs-control.slider-moved { border-left:4px solid var(--cs-mark); padding-left:6px; }
.cs-control .v-input { margin-top:0 !important; padding-top:0 !important; }
.cs-control .v-input__slot { margin-bottom:0 !important; }
.cs-control .v-messages { display:none; }
.cs-buttons .v-btn { font-size:17px !important; min-width:72px !important; }
nav.v-navigation-drawer { width:340px !important; min-width:340px !important;
  max-width:340px !important; }
main.v-content { padding-left:340px !important; }
nav.v-navigation-drawer .v-select__selections { flex-wrap:wrap; min-width:0; }
nav.v-navigation-drawer .v-select__selection { white-space:normal !important; overflow:visible !important;
  text-overflow:clip !important; max-width:100% !important; line-height:1.3; }
nav.v-navigation-drawer .cs-root, nav.v-navigation-drawer .v-card { overflow-wrap:anywhere; }
nav.v-navigation-drawer .v-select__selections input { width:0 !important; min-width:0 !important;
  flex:0 0 0 !important; padding:0 !important; }
nav.v-navigation-drawer .v-label--active { transform:translateY(-18px) scale(0.875) !important; }
.cs-speed .v-label { font-size:16px; }
.map-tile:focus { outline:3px solid var(--cs-blue); outline-offset:1px; }
.tile-tip { font-size:16px; margin-top:6px; min-height:1.4em; }
.cs-legend.pledge-list { list-style:none; padding:0; margin:6px 0 0 0; font-size:16px;
  display:block; }
.pledge-list li { margin:2px 0; }
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

def meaning(name: str) -> str:
    """The plain meaning of a monthly outcome (sim/model/outcomes.py), without its ODD reference."""
    return re.sub(r"\s*\(ODD [\d.]+\)", "", outcomes.monthly(name).meaning)


CARD_TITLE = {
    "month": "Month",
    "force": outcomes.monthly("pledged_troops").label,
    "deterrence": outcomes.monthly("deterrence").label,
    "ceasefire": "Ceasefire",
    "us": outcomes.monthly("us_perceived").label,
}
"""The title of each card (from sim/model/outcomes.py where the card shows one outcome)."""
CARD_HELP = {
    "month": "One step is one month of the story.",
    "force": "Troops the states pledge, up to what the design asks. They deploy after a "
             "ceasefire, as far as enablers allow.",
    "deterrence": meaning("deterrence").rstrip(".") + ": it cuts Russia's monthly chance of "
                  "breaking a ceasefire by this much.",
    "ceasefire": "Russia decides; Ukraine accepts only with guarantees it trusts. A broken "
                 "ceasefire can be agreed again.",
    "us": meaning("us_perceived"),
}
"""The one-line explanation of each card (caption and hover)."""


def _card(key: str, value: str, details: Sequence[str], tone: str = "") -> str:
    """A card: title, big value, detail lines (HTML, escaped by the caller), explanation."""
    help_text = CARD_HELP[key]
    return (f'<div class="cs-card card-{key}" title="{_e(help_text)}">'
            f'<div class="cs-card-title">{_e(CARD_TITLE[key])}</div>'
            f'<div class="cs-card-value status-{key} {tone}">{_e(value)}</div>'
            + "".join(f'<div class="cs-card-detail">{d}</div>' for d in details)
            + f'<div class="cs-help card-help">{_e(help_text)}</div></div>')


def _now(model: AppModel, name: str, default: float = math.nan) -> float:
    """This month's value of a monthly outcome (``default`` before month 1)."""
    return model.outcome(name) if model.simulation.month > 0 else default


def _n(v: float) -> str:
    return f"{v:,.0f}"


def design_html(model: AppModel) -> str:
    """One line: the force design on the table and what it asks for."""
    p = model.simulation.params
    parts = [f"{_n(p[path][0])} {unit}" for path, unit in (
        ("design.ground_troops", "troops"), ("design.aircraft", "combat aircraft"),
        ("design.warships", "warships")) if p[path][0] > 0]
    if parts:
        lead = float(p["design.lead_time"][0])
        asks = (f"asks for {_e(join_names(parts))}, in place {lead:g} month"
                f"{'' if lead == 1 else 's'} after a ceasefire")
    else:
        asks = "asks for no force of its own"
    d = model.force_design
    return (f'<div class="design-line" title="{_e(d.description)}">Force design on the table: '
            f'<b class="design-label">{_e(d.label)}</b> \u2014 {asks}.</div>')


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def posterior_text(model: AppModel) -> str:
    """One plain sentence: where the run's uncertain parameters come from (calibrated, and
    literature priors), or that a classroom world is pinned ('' without a posterior)."""
    from sim.app.session import pinned

    post = model.posterior
    if post is None:
        return ""
    label = post.label
    if pinned(model.scenario_name):
        return (f"This classroom world pins every parameter, so the posterior ({label}) draws "
                "nothing: every seed runs with the same parameter values.")
    by_scenario = len(post.names) - len(post.drawn_names(model.coalition_scenario))
    by_you = len(post.names) - by_scenario - len(model.drawn)
    who = {(True, False): "This scenario pins", (False, True): "Your sliders set",
           (True, True): "This scenario and your sliders set"}.get((by_scenario > 0, by_you > 0))
    if not model.drawn:
        return (f"{who} every uncertain parameter, so the posterior ({label}) draws nothing: "
                "every seed runs with the same parameter values.")
    kept = f" {who} {by_scenario + by_you} of the {len(post.names)}." if who else ""
    literature = sum(1 for n in model.drawn if n in post.literature)
    kinds = (f": {len(model.drawn) - literature} calibrated, {literature} from literature priors"
             if literature else "")
    return (f"Parameters drawn from the posterior ({label}), draw "
            f"{model.particle + 1:,} of {len(post.particles):,}: each seed is one plausible "
            f"world ({_count(len(model.drawn), 'parameter')} drawn{kinds}).{kept}")


def posterior_html(model: AppModel) -> str:
    """The posterior line of the status bar; on hover, each drawn value ('' without one)."""
    text = posterior_text(model)
    if not text:
        return ""
    values = "; ".join(f"{k} = {v:.4g}" for k, v in model.drawn.items())
    hover = text + (f" Drawn for seed {model.seed} (particle {model.particle}; seeds 2k and "
                    f"2k+1 share a draw, so their runs differ by chance alone): {values}."
                    if values else "")
    return f'<div class="posterior-line" title="{_e(hover)}">{_e(text)}</div>'


def _ceasefire(model: AppModel) -> tuple[str, list[str], str]:
    """The ceasefire card's value, detail lines and tone."""
    month = model.simulation.month
    if month == 0:
        return "Not yet", ["press Step or \u25b6 to start"], ""
    s = model.simulation.run_state
    broken = model.russia.breakdowns
    talks = (f"this month: Russia {_now(model, 'willingness'):.0%} willing, Ukraine "
             f"{_now(model, 'ukraine_accepts'):.0%} ready to accept")
    if model.ukraine.ceasefire:
        since = int(s.ceasefire_start[0])
        agreed = (f"agreed in month {since}" if broken == 0 else
                  f"a new one, agreed in month {since} ({broken} broken before)")
        risk = f"chance Russia breaks it: {_now(model, 'violation_hazard'):.0%} a month"
        return "Holding", [_e(agreed), _e(risk)], "cs-good"
    if broken:
        last = int(s.last_breakdown[0])
        again = last + int(round(float(model.simulation.params["russia.renegotiate_months"][0])))
        when = (f"Russia broke it in month {last}" if broken == 1 else
                f"Russia broke {broken}, the last in month {last}")
        if month < again:
            return "Broken", [_e(when), _e(f"no new talks before month {again}")], "cs-bad"
        return "Broken", [_e(when), _e(talks)], "cs-bad"
    return "None", ["no agreement yet", _e(talks)], ""


def status_html(model: AppModel) -> str:
    """The force design on the table, then five cards: month, ground troops pledged and
    deployed, deterrence, ceasefire, the US backstop."""
    month = model.simulation.month
    ask = model.ask
    pledged = _now(model, "pledged_troops", 0.0)
    deployed = _now(model, "deployed_troops", 0.0)
    if ask > 0:
        force_value, force_tone = _n(pledged), ("cs-good" if pledged >= ask else "cs-bad")
        gap = _now(model, "enabler_gap")
        gap_text = "" if math.isnan(gap) else f" \u00b7 enabler gap {gap:.0%}"
        force_details = [f"of {_n(ask)} the design asks for",
                         f'deployed: <b class="status-deployed">{_n(deployed)}</b>{gap_text}']
    else:
        force_value, force_tone = "\u2014", ""
        force_details = ["the design asks for no ground troops"]
    det = _now(model, "deterrence")
    expected = _now(model, "expected_deterrence")
    det_details = (["how strongly Russia is deterred"] if math.isnan(det) else
                   [f"{expected:.0%} once the pledged force is in place"])
    cease, cease_details, cease_tone = _ceasefire(model)
    us = model.united_states
    if us.disengaged:
        us_value, us_detail, us_tone = "Walked away", "intelligence only", "cs-bad"
    else:
        military = [us.backstop[k] for k in US_MILITARY_BACKSTOP]
        level = _now(model, "us_perceived", float(np.mean(military)))
        us_value, us_detail, us_tone = f"{level:.0%}", "air, intelligence, logistics", ""
    end = " (the end)" if month >= model.horizon else ""
    cards = [
        _card("month", f"{month} of {model.horizon}",
              [_e(calendar_month(model.coalition_scenario.start, month) + end)]),
        _card("force", force_value, force_details, force_tone),
        _card("deterrence", "\u2014" if math.isnan(det) else f"{det:.0%}", det_details,
              "cs-blue"),
        _card("ceasefire", cease, cease_details, cease_tone),
        _card("us", us_value, [_e(us_detail)], us_tone),
    ]
    return (f'<div class="cs-root cs-status-bar">{design_html(model)}{posterior_html(model)}'
            f'<div class="cs-status">{"".join(cards)}</div></div>')


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
    """Hover text of a tile: 'France: ground troops (7,050), air presence' or 'France: pledges
    nothing yet' (the troops are the state's pledge)."""
    parts = []
    for m in STRENGTH_ORDER:
        if m in modes:
            parts.append(f"{PHRASES[m]} ({troops:,.0f})" if m == "ground" and troops > 0
                         else PHRASES[m])
    return f"{name}: {', '.join(parts) if parts else 'pledges nothing yet'}"


def _font(label_chars: int, width_cq: float, height_cq: float) -> float:
    """Font size (cqw) at which a bold label of this many characters fits its tile."""
    by_width = 0.88 * width_cq / (0.62 * max(label_chars, 2))
    return min(by_width, 0.36 * height_cq)


PLEDGES_SMALL = "The list below the map says what each state pledges."
PLEDGES_LARGE = "Below the map: who pledges what."


def map_html(placement: Placement, codes: Sequence[str], names: Sequence[str],
             commitments: Mapping[str, frozenset[str]], troops: Mapping[str, float],
             title: str) -> str:
    """The map as positioned tiles (percent of the map, fonts in container units): each
    state's tile coloured by its strongest pledge, its name (or code, with a key below the
    map) in full, the troops it pledges and small squares for its other pledges."""
    x0, x1, y0, y1 = map_extent(placement)
    xr, yr = x1 - x0, y1 - y0
    small = len(codes) <= SMALL_WORLD
    wq, hq = 100 * placement.width / xr, 100 * placement.height / xr  # in cqw
    labels = list(names) if small else list(codes)
    name_fs = _font(max(len(s) for s in labels) if labels else 2, wq, hq)
    troop_text = {c: (f"{t / 1000:.1f}k" if small else f"{t / 1000:.0f}k")
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
    if small:  # what each state pledges, without hover (touch screens, whiteboards)
        pledges = "".join(
            f'<li class="pledge-line"><span class="sw" style="background:'
            f'{COLOURS[strongest(commitments.get(c, frozenset()))]}"></span>'
            f"{_e(tile_title(names[i], commitments.get(c, frozenset()), float(troops.get(c, 0.0))))}"
            f"</li>" for i, c in enumerate(codes))
    else:  # who pledges each mode, by code (the key below names them)
        pledges = "".join(
            f'<li class="pledge-line"><b>{_e(LABELS[m])}</b> ({len(who)}): {_e(", ".join(who))}</li>'
            for m in STRENGTH_ORDER
            if (who := [c for c in codes if m in commitments.get(c, frozenset())]))
        pledges = pledges or '<li class="pledge-line">No state pledges anything yet.</li>'
    pledges = f'<ul class="pledge-list cs-legend">{pledges}</ul>'
    key = ""
    if not small:
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        key = ('<div class="map-key"><b>Key:</b> ' + " \u00b7 ".join(
            f"<b>{_e(codes[i])}</b>&nbsp;{_e(names[i])}" for i in order) + "</div>")
    return (f'<div class="cs-root cs-panel map-panel">'
            f'<div style="font-size:19px;font-weight:700">{_e(title)}</div>'
            f'<div class="cs-help">Each tile is a state at its capital. Its colour is the '
            f"strongest thing it pledges; small squares are its other pledges; a number is "
            f"the ground troops it pledges (k: thousand). "
            f"{PLEDGES_SMALL if small else PLEDGES_LARGE}"
            f"</div>"
            f'<div class="cs-map" style="aspect-ratio:{xr:.4f} / {yr:.4f}">{"".join(tiles)}</div>'
            f'<div class="cs-legend"><b>Colour = strongest pledge:</b>{legend}</div>'
            f"{pledges}{key}</div>")


def model_map_html(model: AppModel, placement: Placement) -> str:
    """The map of the model's current month."""
    snap = model.timeline[-1]
    month = model.simulation.month
    troops = {s.code: s.troops for s in model.states}
    pledging = sum(1 for v in snap.commitments.values() if v)
    title = (f"Month {month}: {pledging} of {len(model.states)} states pledge something"
             if month else f"Month 0: none of the {len(model.states)} states has pledged yet")
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


def force_top(ask: float, pledged: np.ndarray) -> float:
    """The top of the force chart: room above what the design asks and above every pledge."""
    return max(ask * 1.3, float(np.nanmax(pledged, initial=0)) * 1.1, 1000.0)


def growth_range(growth: np.ndarray) -> tuple[float, float]:
    """The y range of the growth panel: at least -1% to 5%, and every value with a margin."""
    return (min(-1.0, float(np.nanmin(growth, initial=0)) - 0.5),
            max(5.0, float(np.nanmax(growth, initial=0)) + 0.5))


FORCE_HELP = ("Ground troops pledged (dashed) and deployed (filled) each month, against what "
              "the design asks for; below, deterrence, with months of ceasefire in green.")
TALKS_HELP = (f"{outcomes.monthly('willingness').label} (red) and "
              f"{outcomes.monthly('ukraine_accepts').label} (blue, dashed) each month: a "
              "ceasefire needs both, months of ceasefire in green. Below, Russia's growth "
              "per year (sanctions slow it; a struggling economy makes Russia readier).")


def chart_panels(h: Mapping[str, np.ndarray], ask: float, top: float,
                 growth_lo_hi: tuple[float, float]) -> list[tuple[str, list[Panel], str, str]]:
    """The two charts as (title, panels, css class, explanation): the force, the ceasefire
    talks; ``h`` holds one value a month of each outcome (missing ones: none drawn)."""
    empty = np.zeros(0)
    ticks = (0, round(top / 2, -3), round(top, -3)) if top >= 10_000 else ()
    ceasefire = h.get("ceasefire_in_force", empty) > 0.5
    force = [
        Panel([Line(h.get("deployed_troops", empty), "#D55E00", "deployed", steps=True, fill=True,
                    key="deployed_troops"),
               Line(h.get("pledged_troops", empty), "#D55E00", "pledged", dashed=True,
                    key="pledged_troops")], (0, top), "Ground troops", _k, ticks,
              reference=(ask, f"{ask:,.0f} asked", "#777777") if ask > 0 else None),
        Panel([Line(h.get("deterrence", empty), "#0072B2", key="deterrence")], (0, 1),
              "Deterrence", lambda v: f"{v:.0%}", (0, 0.5, 1), shaded=ceasefire,
              shade_label="ceasefire holds"),
    ]
    lo, hi = growth_lo_hi
    talks = [
        Panel([Line(h.get("willingness", empty), "#CC3311", "Russia", key="willingness"),
               Line(h.get("ukraine_accepts", empty), "#0072B2", "Ukraine", dashed=True,
                    key="ukraine_accepts")],
              (0, 1), "Ready to agree", lambda v: f"{v:.0%}", (0, 0.5, 1), shaded=ceasefire,
              shade_label="ceasefire holds"),
        Panel([Line(h.get("growth", empty), "#CC3311", key="growth")], (lo, hi),
              "Russia's growth", lambda v: f"{v:.0f}%", (round(lo), 0, round(hi)),
              reference=(0.0, "no growth", "#777777")),
    ]
    return [("The force", force, "force-chart", FORCE_HELP),
            ("Ceasefire talks", talks, "talks-chart", TALKS_HELP)]


def chart_cards(model: AppModel) -> tuple[str, str]:
    """The force chart and the ceasefire-talks chart of the run so far, each in its panel
    with its explanation."""
    h = history(model)
    empty = np.zeros(0)
    charts = chart_panels(h, model.ask, force_top(model.ask, h.get("pledged_troops", empty)),
                          growth_range(h.get("growth", empty)))
    force, talks = (
        f'<div class="cs-root cs-panel" title="{_e(help_text)}">'
        f'{chart_svg(title, h["month"], model.horizon, panels, css)}'
        f'<div class="cs-help">{_e(help_text)}</div></div>'
        for title, panels, css, help_text in charts)
    return force, talks


def charts_html(model: AppModel) -> str:
    """Both charts side by side (as one block of HTML)."""
    force, talks = chart_cards(model)
    return ('<div class="cs-root" style="display:flex;flex-wrap:wrap;gap:0">'
            f'<div style="flex:1 1 340px">{force}</div><div style="flex:1 1 340px">{talks}</div>'
            "</div>")
