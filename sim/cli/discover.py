"""``coalition-sim discover SWEEP_RESULTS``: PRIM scenario discovery on sweep results."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from sim.cli.common import add_command, fail, format_table, info, positive_int


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], found {text!r}") from None
    if not 0 < v <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], found {v:g}")
    return v


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "discover", help="which parameter ranges lead to an outcome (PRIM)",
        description="""
        Scenario discovery with PRIM (EMA Workbench) on the results of a sweep or sensitivity
        run: which ranges of the swept parameters lead to an outcome you name, as a condition
        on result columns (summary outcomes and swept parameters). Reports every box on the
        peeling trajectory with its coverage (share of the cases of interest inside the box)
        and density (share of the box that is of interest), each with a 90% Wilson interval
        (coverage_lo/hi, density_lo/hi), and picks the box of highest
        coverage with density >= --min-density. Writes OUT/trajectory.{parquet,csv},
        OUT/box.{parquet,csv}, OUT/discovery.json and OUT/figures/{tradeoff,box}.{png,svg}.
        It reads the runs it is given and draws nothing from a posterior.""",
        examples=[
            'coalition-sim discover out/sweeps/backstop-sanctions '
            '--outcome "troops >= 30000 and holds == 1"',
            'coalition-sim discover out/sweeps/backstop-sanctions/results.parquet '
            '--outcome "holds == 1" --per-point 0.5 --min-density 0.9',
            'coalition-sim discover out/sensitivity/sobol-paris --outcome "holds == 1"',
        ])
    p.add_argument("results", type=Path, metavar="SWEEP_RESULTS",
                   help="a sweep output folder or its results.parquet")
    p.add_argument("--outcome", required=True, metavar="CONDITION",
                   help='cases of interest, e.g. "troops >= 30000 and holds == 1" (column '
                        "names, numbers, comparisons, and/or/not)")
    p.add_argument("--inputs", metavar="P1,P2",
                   help="parameters PRIM may restrict (default: the swept parameters)")
    p.add_argument("--min-density", type=_share, default=0.8, metavar="D",
                   help="choose the box of highest coverage with at least this density "
                        "(default 0.8)")
    p.add_argument("--per-point", type=_share, default=None, metavar="SHARE",
                   help="analyse grid points, not runs: a point is of interest when at least "
                        "SHARE of its replicates meet the outcome")
    p.add_argument("--peel-alpha", type=_share, default=0.05, help="PRIM peeling share (0.05)")
    p.add_argument("--mass-min", type=_share, default=0.05, help="smallest box mass (0.05)")
    p.add_argument("--max-rows", type=positive_int, default=None,
                   help="analyse a seeded random sample of at most this many runs (default "
                        "500000; runs × parameters at most 2,000,000)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="output folder (default: SWEEP_RESULTS/discover/<outcome>)")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--quiet", "-q", action="store_true", help="no status lines")
    p.set_defaults(func=handle)


def slug(text: str) -> str:
    """A folder name for an outcome condition."""
    text = text.replace(">=", " ge ").replace("<=", " le ").replace("==", " eq ")
    text = text.replace("!=", " ne ").replace(">", " gt ").replace("<", " lt ")
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")[:80] or "outcome"


def handle(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from sim.analysis.discover import (
        INTERVAL_LEVEL,
        OutcomeError,
        discover,
        input_columns,
        parse_outcome,
        read_results,
    )
    from sim.cli.sweep import written_files
    from sim.output.outdir import staged

    path = args.results / "results.parquet" if args.results.is_dir() else args.results
    if not path.is_file():
        fail(f"{args.results}: no sweep results here (expected a folder with results.parquet "
             "or a .parquet file)")
    try:
        columns = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        fail(f"{path}: not a readable Parquet file ({exc})")
    inputs = ([s.strip() for s in args.inputs.split(",") if s.strip()] if args.inputs
              else input_columns(path))
    for name in inputs:
        if name not in columns:
            fail(f"--inputs: {name!r} is not a column of {path}")
    if not inputs:
        fail(f"{path}: no swept parameters found; name them with --inputs")
    from sim.util.limits import DISCOVER_ROWS, discover_rows

    max_rows = discover_rows(args.max_rows, len(inputs))  # too many: exit 2 before reading
    if args.max_rows is None and max_rows < DISCOVER_ROWS:
        info(f"note: at most {max_rows:,} runs are analysed with {len(inputs)} parameters "
             "(runs × parameters at most 2,000,000 in memory)", args.quiet)
    try:
        _, used = parse_outcome(args.outcome, columns)
        needed = [*(["point"] if args.per_point else []), *inputs, *used]
        data = read_results(path, needed, max_rows)
        info(f"running PRIM on {len(data):,} runs"
             + (" (grouped by grid point)" if args.per_point else "")
             + f" over {len(inputs)} parameter{'s' if len(inputs) != 1 else ''}…", args.quiet)
        d = discover(data, inputs, args.outcome, min_density=args.min_density,
                     peel_alpha=args.peel_alpha, mass_min=args.mass_min,
                     per_point=args.per_point)
    except OutcomeError as exc:
        fail(str(exc))
    out = Path(args.out if args.out is not None
               else path.parent / "discover" / slug(args.outcome))
    if not args.no_figures:
        info("writing the tables and drawing the trade-off and box figures…", args.quiet)
    with staged(out, "discover") as tmp:
        _write(d, args, path, tmp)
    s = d.stats
    if s.density < args.min_density:
        info(f"note: no box reaches density {args.min_density:g}; showing the densest "
             f"(box {d.chosen}). Lower --min-density, or try --per-point.", args.quiet)
    info(f"{d.of_interest:,} of {d.rows:,} {d.unit}s meet {d.outcome!r}; box {d.chosen}: "
         f"coverage {s.coverage:.3f} ({s.coverage_lo:.3f}–{s.coverage_hi:.3f}), density "
         f"{s.density:.3f} ({s.density_lo:.3f}–{s.density_hi:.3f}), mass {s.mass:.3f} "
         f"(in brackets: {INTERVAL_LEVEL:.0%} Wilson intervals)", args.quiet)
    if not args.quiet:
        print(format_table([[r.parameter, r.box_min, r.box_max, r.data_min, r.data_max,
                             "yes" if r.restricted else "no"] for r in d.limits.itertuples()],
                           ["parameter", "box min", "box max", "swept min", "swept max",
                            "restricted"]))
    for f in written_files(out):
        print(f)
    return 0


def _write(d: Any, args: argparse.Namespace, path: Path, out: Path) -> list[Path]:
    """The tables, discovery.json and figures of a discovery, in ``out``."""
    from sim.analysis.discover import INTERVAL_LEVEL, box_figure, tradeoff_figure
    from sim.output import manifest as mf
    from sim.output.io import save_figure, write_json, write_table

    files = write_table(d.trajectory.reset_index(names="box"), out / "trajectory")
    files += write_table(d.limits, out / "box")
    s = d.stats
    summary = {"outcome": d.outcome, "inputs": d.inputs, "unit": d.unit, "rows": d.rows,
               "of_interest": d.of_interest, "chosen_box": d.chosen,
               "min_density": args.min_density, "coverage": float(s.coverage),
               "coverage_interval": [float(s.coverage_lo), float(s.coverage_hi)],
               "density": float(s.density),
               "density_interval": [float(s.density_lo), float(s.density_hi)],
               "interval": f"Wilson {INTERVAL_LEVEL:.0%}",
               "mass": float(s.mass), "res_dim": int(s.res_dim),
               "limits": d.limits.to_dict(orient="records"), "results": str(path)}
    files.append(write_json(out / "discovery.json", summary))
    if not args.no_figures:
        import matplotlib.pyplot as plt

        for name, make in (("tradeoff", tradeoff_figure), ("box", box_figure)):
            fig = make(d)
            files += save_figure(fig, out / "figures" / name)
            plt.close(fig)
    mf.write(out, {**mf.header("discover"), "outcome": d.outcome, "results": str(path)})
    return files
