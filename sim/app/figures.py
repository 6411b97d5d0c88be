"""Matplotlib figures of the app (rendered as PNG images): the map, the force, the economy.

Built on ``matplotlib.figure.Figure`` (no pyplot), so every browser session draws its own
figures safely in parallel. Fonts are large: the app is shown on a classroom projector.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch

from sim.app.palette import COLOURS, NOTHING, STRENGTH_ORDER, legend_entries, strongest
from sim.app.placement import Placement

BIG, MID, SMALL = 16, 13, 11
INK = "#222222"


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"


def map_figure(placement: Placement, codes: Sequence[str], names: Sequence[str],
               commitments: Mapping[str, frozenset[str] | set[str]],
               troops: Mapping[str, float] | None = None, title: str = "") -> Figure:
    """States as tiles coloured by their strongest committed mode, with a legend.

    Each tile shows the state's code (its name in small worlds), the troops it sends if it
    commits ground troops, and a strip of small squares for its other committed modes.
    """
    troops = troops or {}
    fig = Figure(figsize=(10, 7.4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    w, h = placement.width, placement.height
    small_world = len(codes) <= 8
    for i, code in enumerate(codes):
        modes = commitments.get(code, frozenset())
        top = strongest(modes)
        fill = COLOURS[top]
        x, y = float(placement.x[i]), float(placement.y[i])
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                    boxstyle=f"round,pad=0,rounding_size={0.12 * min(w, h)}",
                                    facecolor=fill, edgecolor=INK, linewidth=1.2,
                                    gid=f"tile-{code}"))
        label = names[i] if small_world else code
        size = 20 if not small_world else BIG + 2
        ax.text(x, y + 0.22 * h, label, ha="center", va="center",
                fontsize=size, fontweight="bold", color=_text_colour(fill))
        t = float(troops.get(code, 0.0))
        if t > 0:
            txt = f"{t / 1000:.1f}k troops" if small_world else f"{t / 1000:.0f}k"
            ax.text(x, y - 0.1 * h, txt, ha="center", va="center", fontsize=SMALL + 1,
                    color=_text_colour(fill))
        others = [m for m in STRENGTH_ORDER if m in modes and m != top]
        if others:
            d = min(0.13 * w, 0.17 * h)
            x0 = x - (len(others) * d * 1.15) / 2
            for k, m in enumerate(others):
                ax.add_patch(FancyBboxPatch((x0 + k * d * 1.15, y - h / 2 + 0.06 * h), d,
                                            d * 0.85, boxstyle="square,pad=0",
                                            facecolor=COLOURS[m], edgecolor="white",
                                            linewidth=0.6))
    for label, x, y in placement.landmarks:
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0",
                                    facecolor="white", edgecolor="#555555", linewidth=1.2,
                                    linestyle="--", hatch="//" if label == "Russia" else None))
        ax.text(x, y, label, ha="center", va="center", fontsize=MID, style="italic",
                color="#333333", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    if placement.far.any():
        fx = float(placement.x[placement.far][0])
        fy = float(np.max(placement.y[placement.far]))
        ax.text(fx, fy + 0.7 * h, "Beyond\nEurope", ha="center", va="bottom", fontsize=MID + 1,
                color="#444444")
    xs = np.concatenate([placement.x, [m[1] for m in placement.landmarks]])
    ys = np.concatenate([placement.y, [m[2] for m in placement.landmarks]])
    ax.set_xlim(float(xs.min()) - w, float(xs.max()) + w)
    ax.set_ylim(float(ys.min()) - h, float(ys.max()) + (2.2 if placement.far.any() else 1) * h)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [Patch(facecolor=c, edgecolor=INK, label=lab) for lab, c in legend_entries()]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=BIG,
               title="Colour = strongest commitment", title_fontsize=BIG, frameon=False,
               handlelength=1.6, handleheight=1.2, columnspacing=1.2)
    if title:
        ax.set_title(title, fontsize=BIG + 2, loc="left")
    return fig


def _months_axis(ax, horizon: int) -> None:
    ax.set_xlim(0, max(horizon, 1))
    ax.set_xlabel("Month", fontsize=MID)
    ax.tick_params(labelsize=SMALL)
    ax.grid(alpha=0.3)


def force_figure(months: np.ndarray, troops: np.ndarray, deterrence: np.ndarray,
                 ceasefire: np.ndarray, requirement: float, horizon: int) -> Figure:
    """Ground troops against the requirement, and deterrence with ceasefire months shaded."""
    fig = Figure(figsize=(7.5, 5.6), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    top.axhline(requirement, color=COLOURS["ground"], linestyle="--", linewidth=2)
    top.text(0.3, requirement, f" {requirement:,.0f} needed", va="bottom", fontsize=MID,
             color=COLOURS["ground"])
    top.plot(months, troops, color=INK, linewidth=3, marker="o", markersize=4)
    top.set_ylim(0, max(requirement * 1.3, float(np.nanmax(troops, initial=0)) * 1.1))
    top.set_ylabel("Ground troops", fontsize=MID)
    top.set_title("Force on the ground", fontsize=BIG, loc="left")
    top.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}k")
    _months_axis(top, horizon)
    top.set_xlabel("")
    on = np.asarray(ceasefire, float) > 0.5
    for mth, flag in zip(months, on, strict=True):
        if flag:
            bottom.axvspan(mth - 0.5, mth + 0.5, color="#9BD3A8", alpha=0.6, linewidth=0)
    bottom.plot(months, deterrence, color=COLOURS["air"], linewidth=3)
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("Deterrence", fontsize=MID)
    bottom.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    if on.any():
        bottom.legend(handles=[Patch(facecolor="#9BD3A8", label="ceasefire in force")],
                      loc="lower right", fontsize=SMALL)
    _months_axis(bottom, horizon)
    return fig


def economy_figure(months: np.ndarray, growth: np.ndarray, pressure: np.ndarray,
                   horizon: int) -> Figure:
    """Russia's GDP growth and the sanctions pressure on it."""
    fig = Figure(figsize=(7.5, 5.6), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    top.axhline(0, color="#888888", linewidth=1)
    top.plot(months, growth, color=COLOURS["ground"], linewidth=3)
    top.set_ylabel("GDP growth, %/yr", fontsize=MID)
    top.set_title("Russia's economy", fontsize=BIG, loc="left")
    lo = min(-1.0, float(np.nanmin(growth, initial=0)) - 0.5)
    hi = max(5.0, float(np.nanmax(growth, initial=0)) + 0.5)
    top.set_ylim(lo, hi)
    _months_axis(top, horizon)
    top.set_xlabel("")
    bottom.fill_between(months, 0, pressure, color=COLOURS["financing"], alpha=0.5, step="mid")
    bottom.plot(months, pressure, color=COLOURS["financing"], linewidth=3, drawstyle="steps-mid")
    bottom.set_ylim(0, 1)
    bottom.set_ylabel("Sanctions pressure", fontsize=MID)
    bottom.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    _months_axis(bottom, horizon)
    return fig


__all__ = ["NOTHING", "economy_figure", "force_figure", "map_figure"]
