"""Small inline SVG charts of a run so far (months on x), drawn as text in a few milliseconds.

The page shows them as they are: no image to encode, crisp on a projector, and their axes and
labels take the page's text colour (``currentColor``), so they stay readable in a dark theme.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

WIDTH, PANEL_H, TITLE_H, GAP, KEY_H = 640, 150, 38, 24, 30
"""Chart width, panel height, title row, gap between panels, key row above each panel."""
LEFT, RIGHT, BOTTOM = 96, 16, 60
FONT = 22
"""Text size in chart units: a chart drawn 430 px wide (half the main panel at 1280x720)
still shows it at 14 px or more."""


@dataclass(frozen=True)
class Line:
    """One series of a panel."""

    values: np.ndarray
    colour: str
    label: str = ""
    width: float = 3.5
    steps: bool = False  # draw as steps (a quantity that holds for the month)
    fill: bool = False  # fill below the line
    dashed: bool = False  # draw dashed (told apart without colour)
    key: str = ""  # the monthly outcome it shows (sim/model/outcomes.py), for redrawing elsewhere


@dataclass(frozen=True)
class Panel:
    """One chart panel: lines against months, a fixed y range, optional reference line."""

    lines: Sequence[Line]
    y_range: tuple[float, float]
    y_label: str
    y_format: Callable[[float], str] = field(default=lambda v: f"{v:g}")
    y_ticks: Sequence[float] = ()
    reference: tuple[float, str, str] | None = None  # (value, label, colour)
    shaded: np.ndarray | None = None  # bool per month: shade these months
    shade_label: str = ""


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


DASH = "10 6"
"""Dash pattern of a dashed line (and of its legend swatch)."""
CHAR_W = 0.56
"""Width of a character in units of the font size (for laying out legend items)."""


def _legend(lines: Sequence[Line], x: float, y: float) -> list[str]:
    """A key of the labelled lines, left to right from (x, y): a swatch, then the label."""
    out = []
    for line in lines:
        if not line.label:
            continue
        dash = f' stroke-dasharray="{DASH}"' if line.dashed else ""
        out.append(f'<line class="legend-swatch" x1="{_num(x)}" x2="{_num(x + 26)}" y1="{_num(y)}" '
                   f'y2="{_num(y)}" stroke="{line.colour}" stroke-width="{line.width}"{dash}/>')
        out.append(f'<text class="legend-label" x="{_num(x + 32)}" y="{_num(y)}" '
                   f'dominant-baseline="middle" fill="currentColor">{html.escape(line.label)}</text>')
        x += 32 + CHAR_W * FONT * len(line.label) + 18
    return out


def chart_svg(title: str, months: np.ndarray, horizon: int, panels: Sequence[Panel],
              css_class: str) -> str:
    """An SVG of ``panels`` stacked under ``title``, months 0..horizon on a shared x axis.

    Above each panel a key row holds its lines' labels (left) and what its shading means
    (right), so no line ever runs through them."""
    horizon = max(int(horizon), 1)
    height = TITLE_H + len(panels) * (KEY_H + PANEL_H) + (len(panels) - 1) * GAP + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    def sx(m: float) -> float:
        return LEFT + plot_w * float(m) / horizon

    def month_span(m: float) -> tuple[float, float]:
        """Left and right edge of month ``m`` (centred on it), kept inside the plot."""
        return max(LEFT, sx(m - 0.5)), min(WIDTH - RIGHT, sx(m + 0.5))

    out = [f'<svg class="cs-chart {css_class}" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
           f'style="width:100%;height:auto;font-size:{FONT}px;font-family:inherit">',
           f'<text x="4" y="{TITLE_H - 12}" font-weight="700" font-size="{FONT + 3}" '
           f'fill="currentColor">{html.escape(title)}</text>']
    step = 1 if horizon <= 12 else (3 if horizon <= 36 else 6)
    for k, panel in enumerate(panels):
        top = TITLE_H + KEY_H + k * (KEY_H + PANEL_H + GAP)
        lo, hi = panel.y_range
        span = (hi - lo) or 1.0

        def sy(v: float, top=top, lo=lo, span=span) -> float:
            return top + PANEL_H * (1.0 - (float(v) - lo) / span)

        if panel.shaded is not None:
            for m, on in zip(months, panel.shaded, strict=True):
                if on:
                    x0, x1 = month_span(m)
                    out.append(f'<rect class="chart-shade" x="{_num(x0)}" y="{top}" '
                               f'width="{_num(x1 - x0)}" height="{PANEL_H}" '
                               f'fill="#2E9E55" fill-opacity="0.28"/>')
        ticks = panel.y_ticks or (lo, (lo + hi) / 2, hi)
        for t in ticks:
            y = _num(sy(t))
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" '
                       f'stroke="currentColor" stroke-opacity="0.18"/>')
            out.append(f'<text x="{LEFT - 8}" y="{y}" text-anchor="end" dominant-baseline="middle" '
                       f'fill="currentColor">{html.escape(panel.y_format(t))}</text>')
        mid = _num(top + PANEL_H / 2)
        out.append(f'<text x="{FONT - 2}" y="{mid}" text-anchor="middle" '
                   f'transform="rotate(-90 {FONT - 2} {mid})" fill="currentColor">'
                   f'{html.escape(panel.y_label)}</text>')
        out.append(f'<rect x="{LEFT}" y="{top}" width="{plot_w}" height="{PANEL_H}" fill="none" '
                   f'stroke="currentColor" stroke-opacity="0.5"/>')
        if panel.reference is not None:
            value, label, colour = panel.reference
            y = _num(sy(value))
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" '
                       f'stroke="{colour}" stroke-width="2.5" stroke-dasharray="9 6"/>')
            out.append(f'<text x="{WIDTH - RIGHT - 8}" y="{_num(sy(value) - 7)}" '
                       f'text-anchor="end" fill="currentColor" font-weight="600">'
                       f'{html.escape(label)}</text>')
        for line in panel.lines:
            vals = np.asarray(line.values, float)
            kept = [(m, sy(min(hi, max(lo, v)))) for m, v in zip(months, vals, strict=True)
                    if not math.isnan(v)]
            if not kept:
                continue
            if line.steps:  # each month's value across the month
                pts = [(x, y) for m, y in kept for x in month_span(m)]
            else:
                pts = [(sx(m), y) for m, y in kept]
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)
            if line.fill:
                base = _num(sy(lo))
                out.append(f'<polygon points="{_num(pts[0][0])},{base} {path} '
                           f'{_num(pts[-1][0])},{base}" fill="{line.colour}" fill-opacity="0.35"/>')
            dash = f' stroke-dasharray="{DASH}"' if line.dashed else ""
            out.append(f'<polyline points="{path}" fill="none" stroke="{line.colour}" '
                       f'stroke-width="{line.width}" stroke-linejoin="round"{dash}/>')
            if len(pts) == 1:
                out.append(f'<circle cx="{_num(pts[0][0])}" cy="{_num(pts[0][1])}" r="4" '
                           f'fill="{line.colour}"/>')
        out.extend(_legend(panel.lines, LEFT + 2, top - KEY_H / 2))
        if panel.shade_label and panel.shaded is not None and np.any(panel.shaded):
            out.append(f'<rect class="legend-shade" x="{WIDTH - RIGHT - 18}" '
                       f'y="{_num(top - KEY_H / 2 - 7)}" width="18" height="14" '
                       f'fill="#2E9E55" fill-opacity="0.28"/>')
            out.append(f'<text class="shade-label" x="{WIDTH - RIGHT - 24}" '
                       f'y="{_num(top - KEY_H / 2)}" text-anchor="end" '
                       f'dominant-baseline="middle" fill="currentColor">'
                       f'{html.escape(panel.shade_label)}</text>')
    axis_y = TITLE_H + len(panels) * (KEY_H + PANEL_H) + (len(panels) - 1) * GAP
    for m in range(0, horizon + 1, step):
        out.append(f'<text x="{_num(sx(m))}" y="{axis_y + FONT + 4}" text-anchor="middle" '
                   f'fill="currentColor">{m}</text>')
    out.append(f'<text x="{_num(LEFT + plot_w / 2)}" y="{axis_y + 2 * FONT + 8}" text-anchor="middle" '
               f'fill="currentColor">Month</text>')
    out.append("</svg>")
    return "".join(out)
