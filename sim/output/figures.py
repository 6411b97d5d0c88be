"""Figures for runs and comparisons (matplotlib, headless): trajectories with 90% bands and
the state × scenario commitment matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from sim.model import outcomes
from sim.model.parameters import PARAM_INFO
from sim.model.record import load_observations
from sim.scenario.schema import Scenario

matplotlib.rcParams["svg.hashsalt"] = "coalition-sim"


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
             **kw: Any) -> tuple[Figure, Any]:
    """A figure and its axes, drawn headless on Agg without pyplot (no GUI, no global figure
    registry: a figure is freed when it is no longer referenced)."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **kw)


def colormap(name: str) -> Colormap:
    """A registered colormap by name."""
    return matplotlib.colormaps[name]

PANELS: tuple[str, ...] = ("pledged_troops", "deterrence", "ceasefire_in_force", "growth")
"""Monthly outcomes of the trajectory figure's four panels (labels from sim/model/outcomes.py)."""
DEFAULT_REQUIREMENT = PARAM_INFO["design.ground_troops"].default
"""The default design's ground troops, drawn as a dashed line on troop panels."""


def palette(n: int) -> list:
    """``n`` distinct colours: tab10 up to ten series, tab20 up to twenty, then a sampled
    continuous map (never a repeated colour)."""
    if n <= 10:
        return [colormap("tab10")(i) for i in range(n)]
    if n <= 20:
        return [colormap("tab20")(i) for i in range(n)]
    return [colormap("turbo")(x) for x in np.linspace(0.05, 0.95, n)]


def param_label(path: str) -> str:
    """``path (unit)`` of a swept parameter, from ``sim.model.parameters.PARAM_INFO`` (the path
    alone when it is not declared or has no unit)."""
    info = PARAM_INFO.get(path)
    return f"{path} ({info.unit})" if info and info.unit else path


def outcome_axis_label(name: str) -> str:
    """``label (unit)`` of a per-run outcome (``Outcome.axis_label``; the name if undeclared)."""
    o = outcomes.PER_RUN_BY_NAME.get(name)
    return o.axis_label() if o else name


def value_text(value: float, name: str) -> str:
    """A per-run outcome's value for a cell or tick, formatted by its declared kind and unit:
    probabilities in %, troops as 1,234 or 12.3k (never "0k"), other counts and levels
    with two significant decimals."""
    if value is None or not np.isfinite(value):
        return "–"
    o = outcomes.PER_RUN_BY_NAME.get(name)
    if o is not None and o.is_probability:
        return f"{value:.0%}"
    a = abs(value)
    if o is not None and o.unit == "troops":
        if a >= 10_000:
            return f"{value / 1000:.0f}k"
        if a >= 1_000:
            return f"{value / 1000:.1f}k"
        return f"{value:.0f}"
    if a >= 1_000:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def integer_colour_scale(values: Sequence[float], cmap: str = "viridis") -> tuple[Any, Any,
                                                                                  list[int]]:
    """(colormap, norm, ticks) for colouring by a whole number (a count): one discrete colour
    per integer from the smallest to the largest value, ticks at the integers."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    lo, hi = (int(np.floor(v.min())), int(np.ceil(v.max()))) if len(v) else (0, 1)
    ticks = list(range(lo, hi + 1))
    base = colormap(cmap)
    colours = base(np.linspace(0.1, 0.9, len(ticks))) if len(ticks) > 1 else base([0.5])
    norm = BoundaryNorm(np.arange(lo - 0.5, hi + 1.5), len(ticks))
    step = max(1, len(ticks) // 12)
    return ListedColormap(colours), norm, ticks[::step]


def trajectories(bands: pd.DataFrame, requirement: float | None = DEFAULT_REQUIREMENT,
                 scenarios: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """2×2 panels of mean trajectories with 90% bands, one colour per scenario. The troop
    panel shows pledged troops (solid) and deployed troops (dashed) against the design's
    ask (``requirement``)."""
    scenarios = list(scenarios or dict.fromkeys(bands["scenario"]))
    fig, axes = subplots(2, 2, figsize=(12, 8), sharex=True)
    colours = palette(len(scenarios))
    for ax, key in zip(axes.flat, PANELS, strict=True):
        o = outcomes.monthly(key)
        label = o.label + (" (share of runs)" if o.is_probability else "")
        unit = "share of runs" if o.is_probability else o.unit
        for i, name in enumerate(scenarios):
            c = colours[i]
            b = bands[(bands["scenario"] == name) & (bands["outcome"] == key)]
            if b.empty:
                continue
            ax.plot(b["month"], b["mean"], color=c, lw=1.8, label=name)
            ax.fill_between(b["month"], b["lo"], b["hi"], color=c, alpha=0.15, lw=0)
            if key == "pledged_troops":
                d = bands[(bands["scenario"] == name) & (bands["outcome"] == "deployed_troops")]
                if not d.empty:
                    ax.plot(d["month"], d["mean"], color=c, lw=1.4, ls="--")
        if key == "pledged_troops":
            label = "Ground troops pledged (solid) and deployed (dashed)"
            if requirement:
                ax.axhline(requirement, color="black", ls=":", lw=1)
                ax.annotate(f"design asks {requirement:,.0f}", (0.01, requirement),
                            xycoords=("axes fraction", "data"), va="bottom", fontsize=8)
        ax.set_title(label, fontsize=11)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("month after the scenario's start")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False,
               fontsize=9)
    rows = (len(labels) + 3) // 4
    fig.suptitle(title or "Scenarios compared: mean and 90% band over replicates", fontsize=13)
    fig.tight_layout(rect=(0, 0.03 + 0.03 * rows, 1, 0.97))
    return fig


def commitment_matrix(matrices: pd.DataFrame | dict[str, pd.DataFrame],
                      title: str | None = None) -> Figure:
    """Heatmaps (one per matrix, side by side) of the share of runs in which each state
    commits, per scenario."""
    if isinstance(matrices, pd.DataFrame):
        matrices = {title or "Presence (ground, air or sea) at the horizon": matrices}
    first = next(iter(matrices.values()))
    ncols = len(matrices)
    fig, axes = subplots(1, ncols, squeeze=False, sharey=True,
                             figsize=(0.6 + ncols * (0.9 + 0.75 * first.shape[1]),
                                      1.6 + 0.26 * first.shape[0]))
    im = None
    for ax, (label, m) in zip(axes[0], matrices.items(), strict=True):
        values = m.to_numpy(dtype=float)
        # grey: a state missing from a scenario's world
        greys = colormap("YlGnBu").with_extremes(bad="#d9d9d9")
        im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=greys, vmin=0, vmax=1)
        ax.set_xticks(range(m.shape[1]), m.columns, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(m.shape[0]), m.index, fontsize=8)
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v):
                ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6,
                        color="white" if v > 0.6 else "black")
        ax.set_title(label, fontsize=11)
    fig.colorbar(im, ax=axes[0].tolist(), fraction=0.03, label="share of runs pledging")
    return fig


def design_grid(grids: dict[str, pd.DataFrame], replicates: int | None = None) -> Figure:
    """Small multiples: one scenario × design heatmap per outcome, each cell annotated with
    its mean (probabilities as %, levels with two decimals, troops in thousands)."""
    n = len(grids)
    first = next(iter(grids.values()))
    ncols = min(n, 3)
    nrows = (n + ncols - 1) // ncols
    fig, axes = subplots(nrows, ncols, squeeze=False,
                             figsize=(1.5 + ncols * (1.6 + 0.9 * first.shape[1]),
                                      nrows * (2.2 + 0.42 * first.shape[0])))
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax, (name, grid) in zip(axes.flat, grids.items(), strict=False):
        o = outcomes.per_run(name)
        values = grid.to_numpy(dtype=float)
        vmax = 1.0 if o.unit in ("probability", "index 0–1", "share 0–1") else np.nanmax(values)
        im = ax.imshow(values, cmap="viridis", vmin=0.0, vmax=vmax if vmax > 0 else 1.0,
                       aspect="auto")
        ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=35, ha="right", fontsize=9)
        ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=9)
        for (i, j), v in np.ndenumerate(values):
            if o.is_probability:
                text = f"{v:.0%}"
            elif o.unit == "troops":
                text = f"{v / 1000:.1f}k"
            else:
                text = f"{v:.2f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=9,
                    color="white" if v < 0.55 * (vmax or 1.0) else "black")
        ax.set_title(o.label + (f"\n({o.unit})" if o.unit else ""), fontsize=10)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    reps = f" over {replicates} replicates" if replicates else ""
    fig.suptitle(f"Force designs × scenarios: mean{reps} (same seeds for every design)",
                 fontsize=12)
    fig.tight_layout()
    return fig


def observations(bands: pd.DataFrame, record: pd.DataFrame, scenario: Scenario,
                 replicates: int) -> Figure:
    """The record's observations over the simulated bands: one panel per observed outcome
    (mean and 90% band of the runs by calendar month, each observation with its 90%
    interval), and one panel of the states' pledges (share of runs against the observed)."""
    by_id = {o.id: o for o in load_observations()}
    outs = list(dict.fromkeys(by_id[i].outcome for i in record["id"] if by_id[i].outcome))
    states = [i for i in record["id"] if by_id[i].state]
    n = len(outs) + (1 if states else 0)
    ncols = min(n, 3)
    nrows = (n + ncols - 1) // ncols
    fig, axes = subplots(nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    y0, m0 = (int(x) for x in scenario.start.split("-"))

    def x_of(date: str) -> int:
        y, m = (int(v) for v in date.split("-"))
        return (y - y0) * 12 + (m - m0)

    for ax, name in zip(axes.flat, outs, strict=False):
        o = outcomes.monthly(name)
        b = bands[bands["outcome"] == name]
        ax.fill_between(b["month"], b["lo"], b["hi"], color="tab:blue", alpha=0.2, lw=0,
                        label="90% of runs" if not o.is_probability else "90% interval")
        ax.plot(b["month"], b["mean"], color="tab:blue", lw=1.6, label="simulated mean")
        rows = record[[by_id[i].outcome == name for i in record["id"]]]
        for r in rows.itertuples():
            x = x_of(r.date)
            colour = "black" if r.covered else "tab:red"
            ax.errorbar([x], [r.observed], yerr=[[r.observed - r.observed_lo],
                                                 [r.observed_hi - r.observed]],
                        fmt="o", color=colour, capsize=3, ms=5)
        ax.set_title(o.label, fontsize=10)
        ax.set_ylabel(o.unit)
        ax.set_xlabel(f"month after {scenario.start}")
        ax.grid(alpha=0.3)
    if states:
        ax = axes.flat[len(outs)]
        rows = record[record["id"].isin(states)].reset_index(drop=True)
        ys = np.arange(len(rows))
        ax.errorbar(rows["simulated"], ys, xerr=[rows["simulated"] - rows["simulated_lo"],
                                                 rows["simulated_hi"] - rows["simulated"]],
                    fmt="s", color="tab:blue", capsize=3, label="simulated share of runs")
        ax.scatter(rows["observed"], ys, marker="o", color=["black" if c else "tab:red"
                                                            for c in rows["covered"]],
                   zorder=3, label="observed")
        ax.set_yticks(ys, [f"{w} ({d})" for w, d in zip(rows["what"], rows["date"], strict=True)],
                      fontsize=8)
        ax.set_xlim(-0.05, 1.05)
        ax.set_xlabel("share of runs pledging")
        ax.set_title("States' pledges", fontsize=10)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=9)
    covered = int(record["covered"].sum())
    fig.suptitle(f"{scenario.name}: the record against {replicates} simulated runs — "
                 f"{covered} of {len(record)} observations within the band (red: outside)",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return fig


def modes_over_time(steps: pd.DataFrame, modes: Sequence[str]) -> Figure:
    """Mean number of states committed to each mode, month by month."""
    fig, ax = subplots(figsize=(8, 4.5))
    mean = steps.groupby("month")[[f"n_{m}" for m in modes]].mean()
    for m in modes:
        ax.plot(mean.index, mean[f"n_{m}"], label=m)
    ax.set_xlabel("month")
    ax.set_ylabel("states committed (mean over runs)")
    ax.legend(fontsize=8, ncol=3)
    ax.grid(alpha=0.3)
    ax.set_title("Commitments by mode")
    fig.tight_layout()
    return fig


def close(fig: Figure) -> None:
    """Release a figure's memory."""
    fig.clear()
