"""``coalition-sim sensitivity SPEC.yaml``: Sobol or Morris indices with SALib."""

from __future__ import annotations

import argparse
from typing import Any

from sim.cli.common import add_command, format_table, info
from sim.cli.sweep import (
    add_spec_arguments,
    merge_message,
    prepare,
    progress_callback,
    run_with_errors,
    written_files,
)
from sim.util.startup import imports_without_gc


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "sensitivity", help="global sensitivity (Sobol S1/ST, Morris mu*/sigma)",
        description="""
        Global sensitivity of summary outcomes to parameter ranges with SALib. Sobol: first
        order (S1) and total (ST) indices with bootstrap confidence intervals (Saltelli
        sampling, samples*(D+2) points). Morris: elementary effects mu, mu* (with interval)
        and sigma (samples trajectories, samples*(D+1) points). Every point is simulated
        `replicates` times (seed + r) and the outputs averaged. Writes
        OUT/indices.{parquet,csv}, OUT/sample.parquet, OUT/results.parquet (every run),
        OUT/figures/bar-<output>, tornado-<output> and, for Morris, mustar-sigma-<output>
        (PNG and SVG), and OUT/manifest.json. Parameters not in the spec stay at the
        scenario's values: sensitivity draws nothing from a posterior.""",
        examples=[
            "coalition-sim sensitivity scenarios/sweeps/sobol-paris.yaml",
            "coalition-sim sensitivity scenarios/sweeps/morris-paris.yaml --jobs 2 "
            "--out out/sensitivity/morris",
            "coalition-sim sensitivity scenarios/sweeps/sobol-paris.yaml --scheduler "
            "tcp://scheduler:8786",
        ])
    add_spec_arguments(p, "SPEC.yaml", "sensitivity", "sensitivity")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    with imports_without_gc():
        from sim.analysis.sensitivity import MORRIS_COLUMNS, SOBOL_COLUMNS, index_notes, run_sensitivity
        from sim.analysis.sweep import SensitivitySpec
        from sim.output.outdir import sweep_folder

    spec, out = prepare(args, SensitivitySpec, "sensitivity", "sensitivity")
    d = len(spec.parameters)
    points = spec.samples * (d + 2 if spec.method == "sobol" else d + 1)
    runs = points * spec.replicates
    info(f"sensitivity {spec.name} ({spec.method}): {points:,} points × {spec.replicates} "
         f"replicates = {runs:,} runs -> {out}", args.quiet)
    chunk_size = args.chunk_size or spec.chunk_size
    bar, tick = progress_callback(runs, spec.name, args.quiet,
                                  merge_message(out, args.resume, -(-runs // chunk_size)))
    with bar, sweep_folder(out, "sensitivity", resume=args.resume,
                           overwrite=args.overwrite) as work:
        res = run_with_errors(
            run_sensitivity, spec, work, chunk_size=args.chunk_size,
            figures=not args.no_figures, jobs=args.jobs, scheduler=args.scheduler,
            resume=args.resume, overwrite=args.overwrite, keep_chunks=args.keep_chunks,
            progress=tick, status=lambda m: info(m, args.quiet))
        info(f"writing the manifest and moving the result into {out}…", args.quiet)
    cols = SOBOL_COLUMNS if spec.method == "sobol" else MORRIS_COLUMNS
    table = res.result.indices
    if not args.quiet:
        print(format_table([[r.output, r.parameter, *(getattr(r, c) for c in cols)]
                            for r in table.itertuples()], ["output", "parameter", *cols]))
    for note in index_notes(table):
        info(f"note: {note}", args.quiet)
    for path in written_files(out):
        print(path)
    return 0
