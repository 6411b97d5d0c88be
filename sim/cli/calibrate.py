"""``coalition-sim calibrate``: fit free parameters to the 2025 record by ABC-SMC."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.common import add_command, fail, info, positive_int
from sim.util.startup import imports_without_gc


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "calibrate", help="fit free parameters to the 2025 record (ABC-SMC)",
        description="""
        Fit the free parameters named by a calibration spec (default: the influential
        'assumption' parameters, uniform priors on their ranges) to the dated observations
        of seeds/observations.yaml by ABC-SMC (pyabc, fed by the batch engine): by default
        each observation is the simulated statistic plus a normal error with the
        observation's sd, tempered until the posterior is exact for that noise model. Writes to
        --out: posterior.parquet (weighted particles), abc.db (pyabc's SQLite history: a
        stopped calibration resumes with --resume), thresholds.csv (one row per generation),
        parameters.csv (medians and 90% credible intervals), marginals.png, pairs.png,
        predictive.png/csv (every observation against its posterior predictive band) and
        manifest.json (listing every file). The folder is built beside --out (the store grows
        in .OUT.partial, one generation at a time) and swapped in when complete; a killed
        calibration resumes with --resume and gives the posterior an uninterrupted one would.
        Progress is shown per generation. docs/calibration.md explains it.""",
        examples=["coalition-sim calibrate seeds/calibration/record-2025.yaml --out out/cal",
                  "coalition-sim calibrate seeds/calibration/record-2025.yaml --out out/cal "
                  "--resume",
                  "coalition-sim calibrate seeds/calibration/record-2025.yaml "
                  "--out seeds/posterior --overwrite"])
    p.add_argument("spec", type=Path, metavar="SPEC", help="calibration spec (YAML)")
    p.add_argument("--out", "-o", type=Path, required=True, help="output folder")
    p.add_argument("--resume", action="store_true",
                   help="continue the calibration stored in --out (abc.db)")
    p.add_argument("--overwrite", action="store_true", help="replace what --out holds")
    p.add_argument("--predictive-runs", type=positive_int, default=400, metavar="N",
                   help="runs of the posterior predictive check (default 400)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    with imports_without_gc():
        from sim.analysis.calibration import abc, outputs
        from sim.analysis.calibration.simulator import RecordSimulator
        from sim.analysis.calibration.spec import load_spec
        from sim.output import io
        from sim.output.outdir import STORE, calibration_folder, check_target, partial_path

    if args.resume and args.overwrite:
        fail("--resume and --overwrite exclude each other")
    spec = load_spec(args.spec)
    scenario = spec.load_scenario()
    obs = spec.select_observations(scenario)
    priors = spec.priors()
    literature_priors = None
    if spec.literature_priors:  # checked before hours of calibrating, not after
        from sim.analysis.calibration import priors as literature

        literature_priors = literature.load(
            None if spec.literature_priors == "default" else spec.literature_priors)
    if not priors:
        fail(f"{args.spec}: every parameter named is also fixed: nothing left to fit")
    out = check_target(args.out)
    if args.resume:  # before anything is copied or locked
        for folder in (partial_path(out), out):
            recorded = _recorded_spec(folder / "spec.json")
            if (folder / STORE).exists():
                if recorded is not None and recorded != spec.model_dump(mode="json"):
                    fail(f"--resume: {args.spec} differs from the spec {args.out} was "
                         "calibrated with (spec.json): pass --overwrite to start again")
                break
    with calibration_folder(out, resume=args.resume, overwrite=args.overwrite) as work:
        io.write_json(work / "spec.json", spec.model_dump(mode="json"))
        b = spec.budget
        info(f"calibrating {len(priors)} parameters on {len(obs)} observations of "
             f"{scenario.name}: {b.population_size} particles x up to {b.populations} "
             f"generations, {spec.reps} runs per particle", args.quiet)

        def progress(g: abc.Generation) -> None:
            what = "temperature" if spec.acceptance == "noise" else "epsilon"
            info(f"  generation {g.t}: {what} {g.epsilon:.3f}, accepted {g.accepted} of "
                 f"{g.evaluations} ({g.acceptance_rate:.0%}), {g.runs:,} runs in "
                 f"{g.seconds:.1f} s ({g.runs / max(g.seconds, 1e-9):,.0f} runs/s)", args.quiet)

        sim = RecordSimulator(scenario, obs, list(priors), reps=spec.reps,
                              seed=spec.seed * 1_000_003 % (2**40), fixed=spec.fixed,
                              sd_scale=spec.sd_scale)
        try:
            fit = abc.calibrate(sim, priors, work / STORE, population_size=b.population_size,
                                populations=b.populations, min_epsilon=b.min_epsilon,
                                max_walltime_s=b.max_walltime_s,
                                max_simulations=b.max_simulations,
                                min_acceptance_rate=b.min_acceptance_rate,
                                epsilon_quantile=spec.epsilon_quantile, seed=spec.seed,
                                resume=args.resume, acceptance=spec.acceptance,
                                ess_target=spec.ess_target, on_generation=progress)
        except Exception as exc:
            raise store_error(exc, work / STORE) from None
        table = outputs.predictive(spec, fit.posterior, fit.posterior["weight"].to_numpy(),
                                   runs=args.predictive_runs)
        outputs.write(fit, spec, work, table, resumed=args.resume)
        if literature_priors is not None:
            joined = literature.join_folder(work, literature_priors, seed=spec.seed)
            info(f"joined draws from literature priors for {len(joined)} parameters the record "
                 "cannot inform", args.quiet)
        files = sum(1 for p in work.rglob("*") if p.is_file())
    s = fit.summary()
    rule = outputs.stopping_rule(spec, fit)
    print(f"{spec.name}: {len(fit.thresholds)} generations, final "
          f"{'temperature' if spec.acceptance == 'noise' else 'epsilon'} "
          f"{fit.thresholds['epsilon'].iloc[-1]:.3f}, {sim.runs:,} runs in {fit.seconds:.1f} s; "
          f"stopping rule {'met' if rule['met'] else 'NOT met'} ({rule['rule']})")
    for r in s.itertuples():
        print(f"  {r.parameter:32s} median {r.median:10.4g}   90% [{r.lo90:.4g}, {r.hi90:.4g}]")
    far = table.loc[table["p_value"] < 0.05]
    print(f"  predictive check: {len(table) - len(far)} of {len(table)} observations within "
          "|z| < 1.96 of their predictive distribution"
          + ("" if far.empty else " (not: " + ", ".join(
              f"{r.id} z = {r.z:+.2f}" for r in far.itertuples()) + ")"))
    print(f"wrote {files} files to {args.out}/ (manifest.json lists them)")
    return 0


def _recorded_spec(path: Path) -> Any:
    """The spec a stored calibration was made with (None if it has none)."""
    import json

    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"--resume: {path}: not a readable spec ({exc})")


def store_error(exc: Exception, store: Path) -> Exception:
    """``exc`` as the failure of the machine it is: a full disk or another I/O error met by
    the store (pyabc reports them through SQLAlchemy, whose later errors hide the cause)
    becomes an OSError naming the store; anything else is returned unchanged."""
    import errno

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = str(cause).lower()
        if isinstance(cause, OSError) and cause.errno is not None:
            return OSError(cause.errno, cause.strerror or str(cause), str(store))
        if "disk is full" in text or "no space left" in text:
            return OSError(errno.ENOSPC, "No space left on device (disk full)", str(store))
        if "disk i/o error" in text or "readonly database" in text:
            return OSError(errno.EIO, f"the calibration store cannot be written ({cause})",
                           str(store))
        cause = cause.__cause__ or cause.__context__
    if type(exc).__module__.split(".")[0] in {"sqlalchemy", "sqlite3"} and _disk_full(store):
        return OSError(errno.ENOSPC, "No space left on device (disk full)", str(store))
    return exc


def _disk_full(store: Path) -> bool:
    """Whether the file system of ``store`` has (almost) no room left."""
    import shutil

    for folder in (store.parent, *store.parents):
        try:
            return shutil.disk_usage(folder).free < 1 << 20
        except OSError:
            continue
    return False
