"""Sweep figures: a line with uncertainty bands for one parameter, a heatmap for two.

Every label comes from the declarations: outcome labels and units from ``sim/model/outcomes.py``,
parameter paths with their units from ``sim.model.parameters.PARAM_INFO``. Intervals are those of
:mod:`sim.analysis.sweep.stats` (Wilson's for probabilities, t for counts and levels, 90%).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from sim.analysis.stats import LEVEL
from sim.model import outcomes
from sim.model.parameters import PARAM_INFO
from sim.output.figures import outcome_axis_label, palette, subplots, value_text
from sim.output.figures import param_label as _param_label

REQUIREMENT = PARAM_INFO["design.ground_troops"]
"""The design's ground troops (its default is drawn on pledged-troop plots)."""
BLUE = palette(1)[0]
"""Colour of the single series of a sweep line."""


def label(output: str) -> str:
    """Plain-words label of a per-run outcome (from sim/model/outcomes.py)."""
    return outcomes.label(output)


def param_label(path: str) -> str:
    """``path (unit)`` for a parameter axis."""
    return _param_label(path)


def _interval_words(output: str) -> str:
    return (f"{LEVEL:.0%} Wilson interval" if outcomes.is_probability(output)
            else f"{LEVEL:.0%} CI of the mean")


def _n_words(n: pd.Series, unit: str) -> str:
    lo, hi = int(n.min()), int(n.max())
    return f"n = {lo:,} runs per {unit}" if lo == hi else f"n = {lo:,}–{hi:,} runs per {unit}"


def _averaged_words(averaged: Mapping[str, int] | Sequence[str] | None) -> str:
    if not averaged:
        return ""
    items = averaged.items() if isinstance(averaged, Mapping) else ((a, 0) for a in averaged)
    parts = [param_label(a) + (f", {k} values" if k else "") for a, k in items]
    return "averaged over " + "; ".join(parts)


def line(stats: pd.DataFrame, axis: str, output: str, n_runs: int | None = None,
         averaged: Mapping[str, int] | Sequence[str] | None = None) -> Figure:
    """Mean of ``output`` against ``axis`` with the 90% interval of the mean and, for non-binary
    outcomes, the 5–95% range of the runs (``stats`` from :func:`sim.analysis.sweep.stats.axis_table`).
    ``averaged``: the other swept parameters pooled at each value (named in the title)."""
    s = stats.sort_values(axis)
    o = outcomes.PER_RUN_BY_NAME.get(output)
    prob = outcomes.is_probability(output)
    fig, ax = subplots(figsize=(6.4, 4.2))
    x = s[axis].to_numpy()
    if not prob and {"q05", "q95"} <= set(s.columns) and s["q05"].notna().any():
        ax.fill_between(x, s["q05"], s["q95"], color=BLUE, alpha=0.15, lw=0,
                        label="5–95% of runs")
    ax.fill_between(x, s["ci_lo"], s["ci_hi"], color=BLUE, alpha=0.4, lw=0,
                    label=_interval_words(output))
    ax.plot(x, s["mean"], color=BLUE, marker="o", ms=3, label="mean")
    if output == "pledged_troops":
        ax.axhline(REQUIREMENT.default, color="grey", ls="--", lw=1,
                   label=f"default design asks {REQUIREMENT.default:,.0f}")
    if prob:
        ax.set_ylim(-0.02, 1.02)
    elif o is not None and o.unit == "troops":
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlabel(param_label(axis))
    ax.set_ylabel(outcome_axis_label(output))
    sub = [w for w in (_averaged_words(averaged), _n_words(s["n"], "value")
                       + (f", {n_runs:,} runs in all" if n_runs else "")) if w]
    ax.set_title(f"{label(output)} against {param_label(axis)}\n" + "\n".join(sub),
                 fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


MAX_ANNOTATED = 225
"""Largest grid whose cells are annotated with their values."""


def heatmap(stats: pd.DataFrame, x: str, y: str, output: str, stat: str = "mean") -> Figure:
    """``stat`` of ``output`` over a grid of two parameters. Cells are annotated (formatted by
    the outcome's unit) when the grid has at most 225 cells, in a font readable at 100 dpi;
    the title gives n per cell and the widest 90% interval, so the uncertainty is in sight."""
    grid = stats.pivot(index=y, columns=x, values=stat).sort_index().sort_index(axis=1)
    nx, ny = grid.shape[1], grid.shape[0]
    cells = nx * ny
    fontsize = 9 if cells <= 64 else 8 if cells <= 144 else 7
    fig, ax = subplots(figsize=(max(6.8, 2.6 + 0.62 * nx), max(5.4, 2.2 + 0.42 * ny)))
    xs, ys = grid.columns.to_numpy(), grid.index.to_numpy()
    prob = outcomes.is_probability(output)
    values = grid.to_numpy(dtype=float)
    vmin, vmax = (0.0, 1.0) if prob else (np.nanmin(values), np.nanmax(values))
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(nx), [f"{v:g}" for v in xs], rotation=45 if nx > 8 else 0)
    ax.set_yticks(range(ny), [f"{v:g}" for v in ys])
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(param_label(y))
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(outcome_axis_label(output) + ("" if stat == "mean" else f", {stat}"))
    o = outcomes.PER_RUN_BY_NAME.get(output)
    if o is not None and o.unit == "troops":
        cb.ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    if cells <= MAX_ANNOTATED:
        mid = (vmin + vmax) / 2
        for i in range(ny):
            for j in range(nx):
                v = values[i, j]
                ax.text(j, i, value_text(v, output), ha="center", va="center",
                        fontsize=fontsize, color="black" if v > mid else "white")
    lines = [f"{label(output)}: {stat} per cell", _n_words(stats["n"], "cell")]
    if {"ci_lo", "ci_hi"} <= set(stats.columns):
        half = float(np.nanmax((stats["ci_hi"] - stats["ci_lo"]) / 2))
        if np.isfinite(half):
            width = f"±{half * 100:.0f} points" if prob else f"±{value_text(half, output)}"
            lines[-1] += f"; {_interval_words(output)} at most {width}"
    ax.set_title("\n".join(lines), fontsize=9)
    fig.tight_layout()
    return fig
