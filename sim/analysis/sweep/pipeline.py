"""A sweep from spec to outputs: runs (Parquet), per-point statistics (tables) and figures."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.analysis.posterior import Posterior
from sim.analysis.sweep import figures
from sim.analysis.sweep.runner import Progress, RunReport, SweepPlan, run_design
from sim.analysis.sweep.spec import SweepSpec, resolve_scenario
from sim.analysis.sweep.stats import axis_table, point_table
from sim.output.io import save_figure, write_table

Status = Callable[[str], None]
"""Called with a one-line status message before each long step after the runs."""


def sweep_design(spec: SweepSpec, chunk_size: int | None = None,
                 posterior: Posterior | None = None) -> SweepPlan:
    """The design of a sweep spec: its grid points × replicates (each run drawing the
    calibrated parameters from ``posterior``, if given)."""
    sc = resolve_scenario(spec)
    return SweepPlan(sc, spec.params, spec.grid(), spec.replicates,
                  sc.seed if spec.seed is None else spec.seed, dict(spec.fixed),
                  chunk_size or spec.chunk_size, posterior)


@dataclass
class SweepOutputs:
    """Files a sweep wrote."""

    report: RunReport
    tables: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)


def run_sweep(spec: SweepSpec, out_dir: str | Path, *, jobs: int = 1, scheduler: Any = None,
              resume: bool = False, overwrite: bool = False, keep_chunks: bool = False,
              chunk_size: int | None = None, figures: bool = True,
              progress: Progress | None = None, status: Status | None = None,
              posterior: Posterior | None = None) -> SweepOutputs:
    """Run a sweep into ``out_dir``: results.parquet, points.{parquet,csv}, figures/.

    ``posterior``: each run draws the calibrated parameters the sweep neither sweeps nor
    fixes from it (``sim.analysis.posterior``); points.csv then splits the spread of each point into
    parameters and runs."""
    design = sweep_design(spec, chunk_size, posterior)
    report = run_design(design, out_dir, jobs=jobs, scheduler=scheduler, resume=resume,
                        overwrite=overwrite, keep_chunks=keep_chunks, progress=progress,
                        extra={"kind": "sweep", "spec": spec.model_dump(mode="json"),
                               "shape": list(spec.shape)})
    outputs = SweepOutputs(report)
    if status:
        status(f"writing points.csv and points.parquet: {len(spec.outputs)} outputs × "
               f"{design.n_points:,} points…")
    outputs.tables = write_tables(spec, report.results, Path(out_dir))
    if figures:
        if status:
            status(f"drawing {n_figures(spec)} figures (PNG and SVG) into figures/…")
        outputs.figures = write_figures(spec, report.results, Path(out_dir))
    return outputs


def write_tables(spec: SweepSpec, results: Path, out_dir: Path) -> list[Path]:
    """points.{parquet,csv}: per grid point and output, mean, CI and quantiles."""
    return write_table(point_table(results, spec.params, spec.outputs), out_dir / "points")


def n_figures(spec: SweepSpec) -> int:
    """Figures a sweep draws: a heatmap per output (two or more axes) and a line per output
    and axis."""
    return len(spec.outputs) * ((1 if len(spec.params) >= 2 else 0) + len(spec.params))


def write_figures(spec: SweepSpec, results: Path, out_dir: Path) -> list[Path]:
    """A heatmap per output for the first two axes, and a line per output and axis (the
    other axes pooled, and named in the title)."""
    paths: list[Path] = []
    fig_dir = out_dir / "figures"
    n_runs = math.prod(spec.shape) * spec.replicates
    sizes = dict(zip(spec.params, spec.shape, strict=True))
    for out in spec.outputs:
        if len(spec.params) >= 2:
            x, y = spec.params[:2]
            fig = figures.heatmap(axis_table(results, [x, y], out), x, y, out)
            paths += save_figure(fig, fig_dir / f"heatmap-{out}")
            fig.clear()
        for axis in spec.params:
            others = {a: k for a, k in sizes.items() if a != axis}
            fig = figures.line(axis_table(results, [axis], out), axis, out, n_runs,
                               averaged=others)
            paths += save_figure(fig, fig_dir / f"line-{out}-{axis.replace('.', '-')}")
            fig.clear()
    return paths
