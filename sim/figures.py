"""Figures for runs and comparisons (matplotlib, headless): trajectories with 90% bands and
the state × scenario commitment matrix."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim import outcomes  # noqa: E402
from sim.parameters import PARAM_INFO  # noqa: E402

plt.rcParams["svg.hashsalt"] = "coalition-sim"

PANELS: tuple[str, ...] = ("troops", "deterrence", "ceasefire_in_force", "growth")
"""Monthly outcomes of the trajectory figure's four panels (labels from sim/outcomes.py)."""
DEFAULT_REQUIREMENT = PARAM_INFO["deterrence.force_requirement"].default
"""The default force requirement (troops), drawn as a dashed line."""


def trajectories(bands: pd.DataFrame, requirement: float | None = DEFAULT_REQUIREMENT,
                 scenarios: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """2×2 panels of mean trajectories with 90% bands, one colour per scenario."""
    scenarios = list(scenarios or dict.fromkeys(bands["scenario"]))
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    colours = plt.get_cmap("tab10")
    for ax, key in zip(axes.flat, PANELS, strict=True):
        o = outcomes.monthly(key)
        label = o.label + (" (share of runs)" if o.is_probability else "")
        unit = "share of runs" if o.is_probability else o.unit
        for i, name in enumerate(scenarios):
            b = bands[(bands["scenario"] == name) & (bands["outcome"] == key)]
            if b.empty:
                continue
            c = colours(i % 10)
            ax.plot(b["month"], b["mean"], color=c, lw=1.8, label=name)
            ax.fill_between(b["month"], b["lo"], b["hi"], color=c, alpha=0.15, lw=0)
        if key == "troops" and requirement:
            ax.axhline(requirement, color="black", ls="--", lw=1)
            ax.annotate(f"requirement {requirement:,.0f}", (0.01, requirement),
                        xycoords=("axes fraction", "data"), va="bottom", fontsize=8)
        ax.set_title(label, fontsize=11)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("month after the scenario's start")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), frameon=False,
               fontsize=9)
    fig.suptitle(title or "Scenarios compared: mean and 90% band over replicates", fontsize=13)
    fig.tight_layout(rect=(0, 0.06 + 0.025 * (len(labels) > 5), 1, 0.97))
    return fig


def commitment_matrix(matrices: pd.DataFrame | dict[str, pd.DataFrame],
                      title: str | None = None) -> Figure:
    """Heatmaps (one per matrix, side by side) of the share of runs in which each state
    commits, per scenario."""
    if isinstance(matrices, pd.DataFrame):
        matrices = {title or "Presence (ground, air or sea) at the horizon": matrices}
    first = next(iter(matrices.values()))
    ncols = len(matrices)
    fig, axes = plt.subplots(1, ncols, squeeze=False, sharey=True,
                             figsize=(0.6 + ncols * (0.9 + 0.75 * first.shape[1]),
                                      1.6 + 0.26 * first.shape[0]))
    im = None
    for ax, (label, m) in zip(axes[0], matrices.items(), strict=True):
        values = m.to_numpy(dtype=float)
        im = ax.imshow(values, aspect="auto", cmap="YlGnBu", vmin=0, vmax=1)
        ax.set_xticks(range(m.shape[1]), m.columns, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(m.shape[0]), m.index, fontsize=8)
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v) and v > 0:
                ax.text(j, i, "all" if v == 1 else f"{v:.0%}", ha="center", va="center",
                        fontsize=6, color="white" if v > 0.6 else "black")
        ax.set_title(label, fontsize=11)
    fig.colorbar(im, ax=axes[0].tolist(), fraction=0.03, label="share of runs committing")
    return fig


def modes_over_time(steps: pd.DataFrame, modes: Sequence[str]) -> Figure:
    """Mean number of states committed to each mode, month by month."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
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
    plt.close(fig)
