"""``coalition-sim sweep SWEEP.yaml``: a parameter grid × replicates, streamed to Parquet."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_command,
    add_posterior_option,
    cap_jobs,
    fail,
    info,
    load_posterior,
    positive_int,
    posterior_wanted,
)
from sim.util.startup import imports_without_gc


def add_execution_options(p: argparse.ArgumentParser) -> None:
    """Options shared by sweep and sensitivity: parallelism, resume, chunks, progress."""
    g = p.add_argument_group("execution")
    g.add_argument("--jobs", "-j", type=positive_int, default=1, metavar="N",
                   help="local worker processes (default 1); results do not depend on it")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the chunks on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 "
                        "(needs coalition-sim[distributed]); results do not depend on it")
    g.add_argument("--chunk-size", type=positive_int, default=None, metavar="RUNS",
                   help="runs per chunk file (default: the spec's chunk_size)")
    g.add_argument("--resume", action="store_true",
                   help="continue an interrupted run in --out, skipping the chunks on disk")
    g.add_argument("--overwrite", action="store_true",
                   help="discard earlier results in --out and start again")
    g.add_argument("--keep-chunks", action="store_true",
                   help="keep chunks/*.parquet after merging them into results.parquet")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar or status lines")


SCHEDULER = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?(?:\[[0-9a-fA-F:.]+\]|"
                       r"[A-Za-z0-9_.-]+)(?::\d{1,5})?/?$")
"""A Dask scheduler address: [protocol://]host[:port]."""


def check_execution(args: argparse.Namespace) -> None:
    if args.jobs > 1 and args.scheduler:
        fail("--jobs and --scheduler exclude each other: the Dask cluster decides the workers")
    if args.resume and args.overwrite:
        fail("--resume and --overwrite exclude each other")
    if args.scheduler is not None and not SCHEDULER.match(args.scheduler):
        fail(f"--scheduler {args.scheduler!r}: expected a Dask scheduler address such as "
             "tcp://10.0.0.5:8786")
    args.jobs = cap_jobs(args.jobs, args.quiet)


def prepare(args: argparse.Namespace, spec_type: type, kind: str,
            out_folder: str) -> tuple[Any, Path]:
    """Check the execution options, load the ``kind`` spec at ``args.spec``, check its output
    folder (default ``out/<out_folder>/<spec name>``); the folder is written by
    :func:`sim.output.outdir.sweep_folder`."""
    from sim.analysis.sweep import load_spec
    from sim.output.outdir import check_target

    check_execution(args)
    spec = load_spec(args.spec, spec_type)
    out = Path(args.out if args.out is not None else Path("out") / out_folder / spec.name)
    check_target(out)
    return spec, out


def add_spec_arguments(p: argparse.ArgumentParser, metavar: str, kind: str,
                       out_folder: str) -> None:
    """The spec file, --out, --no-figures and the execution options of a spec command."""
    p.add_argument("spec", type=Path, metavar=metavar, help=f"{kind} spec file")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help=f"output folder (default: out/{out_folder}/<spec name>)")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_execution_options(p)


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "sweep", help="run a parameter grid × replicates to Parquet and figures",
        description="""
        Run every point of a grid over dotted parameter paths (a sweep spec) times its
        replicates with the batch engine, in chunks streamed to Parquet. Replicate r uses
        seed + r at every point, so differences between points are not noise between seeds.
        Writes OUT/results.parquet (one row per point and replicate: parameter values, seed
        and every summary outcome), OUT/points.{parquet,csv} (per point and output: n, mean, a
        90% interval of the mean — Wilson's for probabilities, t otherwise, named in the
        `interval` column — and quantiles of the runs, empty for 0/1 outcomes),
        OUT/figures/ (a heatmap for two parameters, lines with uncertainty bands for each,
        labelled from the outcome and parameter declarations) and OUT/manifest.json; then
        lists every file written.""",
        examples=[
            "coalition-sim sweep scenarios/sweeps/backstop-sanctions.yaml",
            "coalition-sim sweep scenarios/sweeps/backstop-sanctions.yaml --jobs 2 "
            "--out out/sweeps/bs",
            "coalition-sim sweep scenarios/sweeps/backstop-sanctions.yaml --out out/sweeps/bs "
            "--resume",
            "coalition-sim sweep big.yaml --scheduler tcp://scheduler:8786 --chunk-size 20000",
        ])
    add_spec_arguments(p, "SWEEP.yaml", "sweep", "sweeps")
    add_posterior_option(p)
    p.set_defaults(func=handle)


def progress_callback(total: int, desc: str, quiet: bool,
                      done: str | None = None) -> tuple[Any, Any]:
    """A progress bar and the callback the runner calls with runs done. ``done``: a status
    line shown (after closing the bar) once every run is done, for the step that follows."""
    from sim.util.progress import progress

    bar = progress(total=total, desc=desc, enabled=False if quiet else None)
    count = [0, False]

    def tick(n: int) -> None:
        bar.update(n)
        count[0] += n
        if done and not count[1] and count[0] >= total:
            count[1] = True
            bar.close()
            info(done, quiet)

    return bar, tick


def merge_message(out: Path, resume: bool, chunks: int) -> str:
    """The status line shown when the runs are done: merging chunks into results.parquet (or
    keeping a finished one on --resume)."""
    if resume and (out / "results.parquet").is_file():
        return "all runs done: results.parquet is complete, keeping it"
    return (f"all runs done: merging {chunks:,} chunk{'s' if chunks != 1 else ''} into "
            "results.parquet…")


def written_files(out: Path) -> list[Path]:
    """Every file of the finished output folder ``out``, from the manifest that lists what was
    written (results first, then tables, figures, manifest.json last; the chunks kept by
    --keep-chunks shown as their folder)."""
    from sim.output.manifest import MANIFEST, read_manifest

    try:
        listed = read_manifest(out / MANIFEST).get("files", {})
    except (OSError, ValueError, AttributeError):
        listed = {}
    names = sorted(listed) if isinstance(listed, dict) else []
    if not names:  # no listing: what is on disk
        names = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                       if p.is_file() and p.name != MANIFEST)

    def order(name: str) -> tuple[int, str]:
        top = name.split("/", 1)[0]
        rank = (0 if name == "results.parquet" else 3 if top == "chunks"
                else 2 if "/" in name else 1)
        return rank, name

    paths: list[Path] = []
    chunks = 0
    for name in sorted(names, key=order):
        if name.startswith("chunks/"):
            chunks += 1
        else:
            paths.append(out / name)
    if chunks:
        paths.append(out / "chunks")
    if (out / MANIFEST).is_file():
        paths.append(out / MANIFEST)
    return paths


def run_with_errors(fn: Any, *a: Any, **kw: Any) -> Any:
    """Call ``fn``, turning a SweepError (a sweep that cannot start as asked) into exit 2."""
    from sim.analysis.sweep import SweepError

    try:
        return fn(*a, **kw)
    except SweepError as exc:
        fail(str(exc))


def handle(args: argparse.Namespace) -> int:
    with imports_without_gc():
        from sim.analysis.sweep import SweepSpec, run_sweep, sweep_design
        from sim.output.outdir import sweep_folder

    spec, out = prepare(args, SweepSpec, "sweep", "sweeps")
    posterior = load_posterior(posterior_wanted(args))
    design = sweep_design(spec, args.chunk_size, posterior)
    info(f"sweep {spec.name}: {design.n_points:,} points × {design.replicates} replicates = "
         f"{design.n_runs:,} runs of {design.scenario.name} ({design.scenario.horizon} months) "
         f"in {design.n_chunks} chunk{'s' if design.n_chunks != 1 else ''} -> {out}", args.quiet)
    if posterior is not None:
        drawn = design.drawn()
        literature = sum(1 for n in drawn if n in posterior.literature)
        kinds = (f" ({len(drawn) - literature} calibrated, {literature} from literature priors)"
                 if literature else "")
        info(f"each run draws {len(drawn)} parameter{'s' if len(drawn) != 1 else ''}{kinds} "
             f"from the posterior {posterior.label} "
             f"({', '.join(drawn) if drawn else 'none: the sweep or the scenario sets them all'});"
             " points.csv splits each point's spread into parameters and runs", args.quiet)
    bar, tick = progress_callback(design.n_runs, spec.name, args.quiet,
                                  merge_message(out, args.resume, design.n_chunks))
    with bar, sweep_folder(out, "sweep", resume=args.resume, overwrite=args.overwrite) as work:
        result = run_with_errors(
            run_sweep, spec, work, jobs=args.jobs, scheduler=args.scheduler,
            resume=args.resume, overwrite=args.overwrite, keep_chunks=args.keep_chunks,
            chunk_size=args.chunk_size, figures=not args.no_figures, progress=tick,
            status=lambda m: info(m, args.quiet), posterior=posterior)
        info(f"writing the manifest and moving the result into {out}…", args.quiet)
    r = result.report
    info(f"{r.runs:,} runs ({r.chunks_run} chunks run, {r.chunks_skipped} on disk) in "
         f"{r.seconds:.1f} s [{r.executor}]", args.quiet)
    for path in written_files(out):
        print(path)
    return 0
