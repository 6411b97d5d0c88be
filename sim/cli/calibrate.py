"""``coalition-sim calibrate``: fit free parameters to the 2025 record by ABC-SMC."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from sim.cli.common import add_command, fail, info, positive_int


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "calibrate", help="fit free parameters to the 2025 record (ABC-SMC)",
        description="""
        Fit the free parameters named by a calibration spec (default: the ten influential
        'assumption' parameters, uniform priors on their ranges) to the dated observations
        of seeds/observations.yaml by ABC-SMC (pyabc, fed by the batch engine). Writes to
        --out: posterior.parquet (weighted particles), abc.db (pyabc's SQLite history: a
        stopped calibration resumes with --resume), thresholds.csv (one row per generation),
        parameters.csv (medians and 90% credible intervals), marginals.png, pairs.png,
        predictive.png/csv (every observation against its posterior predictive band) and
        manifest.json. Progress is shown per generation. docs/calibration.md explains it.""",
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
    import numpy as np

    from sim.analysis.calibration import abc, outputs
    from sim.analysis.calibration.simulator import RecordSimulator
    from sim.analysis.calibration.spec import load_spec

    if args.resume and args.overwrite:
        fail("--resume and --overwrite exclude each other")
    spec = load_spec(args.spec)
    scenario = spec.load_scenario()
    obs = spec.select_observations(scenario)
    priors = spec.priors()
    if not priors:
        fail(f"{args.spec}: every parameter named is also fixed: nothing left to fit")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: expected a folder, found a file")
    db = out / "abc.db"
    if out.exists() and any(out.iterdir()):
        if args.overwrite:
            shutil.rmtree(out)
        elif not (args.resume and db.exists()):
            fail(f"--out {out} already holds files: pass --resume to continue a stored "
                 "calibration or --overwrite to start again")
    elif args.resume:
        fail(f"--resume: {out} holds no calibration (abc.db) to continue")
    if args.resume:
        import json

        recorded = json.loads((out / "spec.json").read_text()) if (out / "spec.json").exists() \
            else None
        if recorded is not None and recorded != spec.model_dump(mode="json"):
            fail(f"--resume: {args.spec} differs from the spec {out} was calibrated with "
                 "(spec.json): pass --overwrite to start again")
    out.mkdir(parents=True, exist_ok=True)
    from sim.output import io

    io.write_json(out / "spec.json", spec.model_dump(mode="json"))
    b = spec.budget
    info(f"calibrating {len(priors)} parameters on {len(obs)} observations of {scenario.name}: "
         f"{b.population_size} particles x up to {b.populations} generations, {spec.reps} "
         f"runs per particle", args.quiet)

    def progress(g: abc.Generation) -> None:
        info(f"  generation {g.t}: epsilon {g.epsilon:.3f}, accepted {g.accepted} of "
             f"{g.evaluations} ({g.acceptance_rate:.0%}), {g.runs:,} runs in {g.seconds:.1f} s "
             f"({g.runs / max(g.seconds, 1e-9):,.0f} runs/s)", args.quiet)

    sim = RecordSimulator(scenario, obs, list(priors), reps=spec.reps,
                          seed=spec.seed * 1_000_003 % (2**40), fixed=spec.fixed)
    fit = abc.calibrate(sim, priors, db, population_size=b.population_size,
                        populations=b.populations, min_epsilon=b.min_epsilon,
                        max_walltime_s=b.max_walltime_s, max_simulations=b.max_simulations,
                        min_acceptance_rate=b.min_acceptance_rate,
                        epsilon_quantile=spec.epsilon_quantile, seed=spec.seed,
                        resume=args.resume, on_generation=progress)
    table = outputs.predictive(spec, fit.posterior, fit.posterior["weight"].to_numpy(),
                               runs=args.predictive_runs)
    paths = outputs.write(fit, spec, out, table, resumed=args.resume)
    s = fit.summary()
    print(f"{spec.name}: {len(fit.thresholds)} generations, final epsilon "
          f"{fit.thresholds['epsilon'].iloc[-1]:.3f}, {sim.runs:,} runs in {fit.seconds:.1f} s")
    for r in s.itertuples():
        print(f"  {r.parameter:32s} median {r.median:10.4g}   90% [{r.lo90:.4g}, {r.hi90:.4g}]")
    print(f"  predictive check: {int(table['covered'].sum())} of {len(table)} observations "
          f"covered" + ("" if table["covered"].all() else
                        f" (not: {', '.join(table.loc[~table['covered'], 'id'])})"))
    print(f"wrote {len(paths) + 1} files to {out}/")
    del np
    return 0
