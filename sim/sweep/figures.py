"""Sweep figures: a line with uncertainty bands for one parameter, a heatmap for two."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim import outcomes  # noqa: E402
from sim.parameters import PARAM_INFO  # noqa: E402

REQUIREMENT = PARAM_INFO["design.ground_troops"]
"""The design's ground troops (its default is drawn on pledged-troop plots)."""

def label(output: str) -> str:
    """Plain-words label of a per-run outcome (from sim/outcomes.py)."""
    return outcomes.label(output)


def param_label(path: str) -> str:
    """``path (unit)`` for a parameter axis."""
    info = PARAM_INFO.get(path)
    return f"{path} ({info.unit})" if info and info.unit else path


def line(stats: pd.DataFrame, axis: str, output: str, n_runs: int | None = None) -> Figure:
    """Mean of ``output`` against ``axis`` with the 95% CI of the mean and, for non-binary
    outcomes, the 5–95% range of the runs (``stats`` from :func:`sim.sweep.stats.axis_table`)."""
    s = stats.sort_values(axis)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    x = s[axis].to_numpy()
    if not outcomes.is_probability(output):
        ax.fill_between(x, s["q05"], s["q95"], color="tab:blue", alpha=0.15, lw=0,
                        label="5–95% of runs")
    ax.fill_between(x, s["ci_lo"], s["ci_hi"], color="tab:blue", alpha=0.4, lw=0,
                    label="95% CI of the mean")
    ax.plot(x, s["mean"], color="tab:blue", marker="o", ms=3, label="mean")
    if output == "pledged_troops":
        ax.axhline(REQUIREMENT.default, color="grey", ls="--", lw=1,
                   label=f"default design asks {REQUIREMENT.default:,.0f}")
    if outcomes.is_probability(output):
        ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(param_label(axis))
    ax.set_ylabel(label(output))
    n = int(s["n"].min())
    ax.set_title(f"{label(output)} vs {axis}\n(n = {n} runs per value"
                 + (f", {n_runs:,} runs in all)" if n_runs else ")"), fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def heatmap(stats: pd.DataFrame, x: str, y: str, output: str, stat: str = "mean") -> Figure:
    """``stat`` of ``output`` over a grid of two parameters, annotated when small enough."""
    grid = stats.pivot(index=y, columns=x, values=stat).sort_index().sort_index(axis=1)
    fig, ax = plt.subplots(figsize=(6.8, 5.4))
    xs, ys = grid.columns.to_numpy(), grid.index.to_numpy()
    vmin, vmax = (0.0, 1.0) if outcomes.is_probability(output) else (None, None)
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis",
                   vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs], rotation=45 if len(xs) > 8 else 0)
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(param_label(y))
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(label(output) + ("" if stat == "mean" else f" ({stat})"))
    if len(xs) * len(ys) <= 225:
        values = grid.to_numpy()
        lo, hi = np.nanmin(values), np.nanmax(values)
        mid = (lo + hi) / 2
        for i in range(len(ys)):
            for j in range(len(xs)):
                v = values[i, j]
                text = f"{v:.2f}" if outcomes.is_probability(output) or abs(v) < 10 else f"{v / 1000:.0f}k"
                ax.text(j, i, text, ha="center", va="center", fontsize=6,
                        color="black" if v > mid else "white")
    n = int(stats["n"].min())
    ax.set_title(f"{label(output)}\n{stat} over {n} runs per cell", fontsize=10)
    fig.tight_layout()
    return fig
