"""The lesson page as one self-contained HTML file: data, script and styles inline.

The page reuses the app's pieces so it looks and reads the same: the style sheet, the cards'
titles and explanations, the map's tiles (``map_html``, drawn once with every tile in use; the
script recolours them month by month), the charts' frames (``chart_svg``, axes and keys; the
script draws the lines) and the event log's sentences (computed in ``sim.app.lesson.grid``).
``lesson.js`` only looks numbers up and draws them; it has no model rule.
"""

from __future__ import annotations

import html
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from sim.app.components import (
    CARD_HELP,
    CARD_TITLE,
    PAGE_CSS,
    SMALL_WORLD_TILES,
    chart_panels,
    growth_range,
    ink_on,
    map_html,
)
from sim.app.palette import COLOURS, LABELS, NOTHING, PHRASES
from sim.app.placement import place_states
from sim.app.svg import GAP, KEY_H, LEFT, PANEL_H, RIGHT, TITLE_H, WIDTH, chart_svg
from sim.output.io import atomic_write_text
from sim.util.version import project_version

TITLE = "Coalition of the willing: how an alliance tips (lesson page)"
MAX_BYTES = 5_000_000
"""The page must fit a school's learning platform and a USB stick in seconds: at most 5 MB."""


def _resource(name: str) -> str:
    return files("sim.app.lesson").joinpath(name).read_text(encoding="utf-8")


def _dark_css() -> str:
    """The app's dark colours, for a browser that prefers a dark scheme."""
    body = re.search(r"\.v-application\.theme--dark \.cs-root \{([^}]*)\}", PAGE_CSS)
    assert body is not None
    return ("@media (prefers-color-scheme: dark) { body { background:#121212; color:#f2f2f2; } "
            f".cs-root {{{body.group(1)}}} }}")


def _map_template(world: dict[str, Any], modes: list[str], troops: float) -> str:
    """The world's map with every tile in use (every pledge, the most troops any state
    pledges), so each label and square exists at the size it needs; the script fills them in
    month by month."""
    placement = place_states(np.array(world["lat"]), np.array(world["lon"]), size=SMALL_WORLD_TILES)
    codes = world["codes"]
    every = {c: frozenset(modes) for c in codes}
    return map_html(placement, codes, world["names"], every, {c: troops for c in codes}, "Month 0")


def _frame(title: str, panels: list, css: str, horizon: int) -> str:
    """A chart's axes, ticks and keys without its lines (the script draws those)."""
    svg = chart_svg(title, np.arange(1, horizon + 1, dtype=float), horizon, panels, css)
    return re.sub(r'<rect class="chart-shade"[^>]*/>', "", svg)


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    """Per design, the chart frames and what the script draws in them (line keys, colours,
    each panel's place and range)."""
    horizon = max(w["horizon"] for w in data["worlds"].values())
    growth = np.array([v for r in data["runs"] for v in r["series"]["growth"] if v is not None])
    lo_hi = growth_range(growth)
    out: dict[str, Any] = {}
    for design in data["designs"]:
        runs = [data["runs"][i] for w in data["grid"].values()
                for i in np.ravel(w[design["name"]])]
        ask = runs[0]["ask"]
        pledged = np.array([v for r in runs for v in r["series"]["pledged_troops"] if v is not None])
        top = max(ask * 1.3, float(pledged.max(initial=0)) * 1.1, 1000.0)
        nan = np.full(horizon, np.nan)
        h = {k: nan for k in ("deployed_troops", "pledged_troops", "deterrence", "willingness",
                              "ukraine_accepts", "growth")}
        h["ceasefire_in_force"] = np.ones(horizon)  # keys of the shading (the shading is removed)
        charts = []
        for title, panels, css, help_text in chart_panels(h, ask, top, lo_hi):
            charts.append({
                "svg": _frame(title, panels, css, horizon), "help": help_text, "css": css,
                "panels": [{"top": TITLE_H + KEY_H + k * (KEY_H + PANEL_H + GAP),
                            "lo": p.y_range[0], "hi": p.y_range[1], "shade": bool(p.shade_label),
                            "lines": [{"key": ln.key, "colour": ln.colour, "width": ln.width,
                                       "steps": ln.steps, "fill": ln.fill, "dashed": ln.dashed}
                                      for ln in p.lines]}
                           for k, p in enumerate(panels)]})
        out[design["name"]] = charts
    return out


def page_data(data: dict[str, Any]) -> dict[str, Any]:
    """What the script needs besides the runs: words, colours, map and chart frames."""
    modes = data["modes"]
    return {
        **data,
        "version": project_version(),
        "cards": {k: {"title": CARD_TITLE[k], "help": CARD_HELP[k]} for k in CARD_TITLE},
        "colours": COLOURS, "labels": LABELS, "phrases": PHRASES, "nothing": NOTHING,
        "ink": {k: ink_on(c) for k, c in COLOURS.items()},
        "maps": {name: _map_template(w, modes, max(max(max(row) for row in r["troops"])
                                                    for r in data["runs"]))
                 for name, w in data["worlds"].items()},
        "charts": _charts(data),
        "chart_box": {"left": LEFT, "right": RIGHT, "width": WIDTH, "panel_h": PANEL_H},
    }


def _json_for_script(obj: Any) -> str:
    """JSON safe inside a <script> element."""
    return (json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def build_page(data: dict[str, Any]) -> str:
    """The whole page (data from ``sim.app.lesson.grid.precompute``)."""
    full = page_data(data)
    version = html.escape(full["version"])
    return _resource("lesson.html").format(
        title=html.escape(TITLE), version=version, seeds=full["odds_seeds"],
        css=PAGE_CSS + _resource("lesson.css") + _dark_css(),
        data=_json_for_script(full), script=_resource("lesson.js"))


def export(out: str | Path, replicates: int | None = None) -> tuple[Path, int]:
    """Compute every setting and write the page to ``out`` (atomically); its path and size."""
    from sim.app.lesson.grid import REPLICATES, precompute

    text = build_page(precompute(replicates=replicates or REPLICATES))
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise RuntimeError(f"the lesson page would be {size:,} bytes, over {MAX_BYTES:,}")
    return atomic_write_text(out, text), size
