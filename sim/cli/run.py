"""``coalition-sim run``: run a scenario's replicates into an output folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_command,
    add_override_option,
    add_posterior_option,
    add_svg_option,
    fail,
    figure_formats,
    info,
    load_posterior,
    nonnegative_int,
    parse_overrides,
    positive_int,
    posterior_wanted,
    uncertainty_lines,
)
from sim.util.startup import imports_without_gc


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "run", help="run a scenario's replicates and write an output folder",
        description="""
        Run the replicates of a scenario (replicate i uses seed + i) and write to --out:
        summary, steps, states and events tables (Parquet and CSV), figures (PNG and SVG)
        and manifest.json (version, scenario content hash, resolved parameters, seeds,
        dependency versions, timings). Each run draws the parameters the 2025 record leaves
        uncertain from the shipped posterior (calibrated ones, and literature priors for the
        ceasefire-breakdown, deterrence and hostility parameters) unless --fixed-parameters;
        the manifest says which (parameter_source). --from-manifest repeats a run exactly,
        drawn or fixed as it was.""",
        examples=["coalition-sim run sep-2025-paris --out out/sep",
                  "coalition-sim run us-withdrawal --replicates 50 --seed 7 --out out/w",
                  "coalition-sim run my-scenario.yaml --set us.backstop_scale=1.5 --out out/my",
                  "coalition-sim run sep-2025-paris --fixed-parameters --out out/sep-fixed",
                  "coalition-sim run --from-manifest out/sep/manifest.json --out out/sep-again"])
    p.add_argument("scenario", nargs="?", help="scenario name (see `list`) or .yaml file")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: out/runs/SCENARIO)")
    p.add_argument("--replicates", "-n", type=positive_int, default=None,
                   help="number of runs (default: the scenario's)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="base seed (default: the scenario's)")
    add_override_option(p)
    add_posterior_option(p)
    p.add_argument("--from-manifest", type=Path, metavar="MANIFEST",
                   help="repeat the run recorded in a manifest.json exactly")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_svg_option(p)
    p.add_argument("--summary-only", action="store_true",
                   help="skip per-step outcomes (and figures): for very many replicates")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only on a terminal)")
    p.set_defaults(func=handle)


def _from_manifest(path: Path) -> tuple[Any, dict[str, Any]]:
    from sim.output.manifest import read_manifest
    from sim.scenario.overrides import scenario_hash
    from sim.scenario.schema import Scenario
    from sim.scenario.validate import check_scenario

    try:
        manifest = read_manifest(path)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"--from-manifest {path}: not a readable JSON manifest ({exc})")
    except RecursionError:
        fail(f"--from-manifest {path}: not a readable JSON manifest (nested too deeply)")
    expected = "expected the manifest.json of `coalition-sim run`"
    if not isinstance(manifest, dict) or manifest.get("kind") != "run" or "scenario" not in \
            manifest:
        fail(f"--from-manifest {path}: {expected}")
    recorded_scenario = manifest["scenario"]
    if not isinstance(recorded_scenario, dict) or not isinstance(
            recorded_scenario.get("resolved"), dict):
        fail(f"--from-manifest {path}: scenario: {expected} (scenario.resolved is the resolved "
             f"scenario, a mapping; found {type(recorded_scenario).__name__})")
    for key, kind in (("overrides", dict), ("project", dict), ("summary_only", bool)):
        if manifest.get(key) is not None and not isinstance(manifest[key], kind):
            fail(f"--from-manifest {path}: {key}: expected a {kind.__name__}, found "
                 f"{type(manifest[key]).__name__}")
    scenario: Scenario = check_scenario(recorded_scenario["resolved"], {}, str(path))
    recorded = recorded_scenario.get("content_sha256")
    if recorded and scenario_hash(scenario) != recorded:
        fail(f"--from-manifest {path}: the scenario does not match its recorded hash "
             f"(expected {str(recorded)[:12]}…, found {scenario_hash(scenario)[:12]}…)")
    return scenario.pin(frozenset(recorded_scenario.get("written_parameters") or ())), manifest


def _recorded_posterior(path: Path, record: dict[str, Any]) -> Any:
    """The posterior a recorded run drew from, if it is unchanged (exit 2 otherwise)."""
    from sim.analysis.posterior import fingerprint

    where = record.get("path") or record.get("folder")
    post = load_posterior("default" if record.get("folder") == "seeds/posterior" else where)
    if record.get("fingerprint") and fingerprint(post) != record["fingerprint"]:
        fail(f"--from-manifest {path}: the posterior the run drew from ({where}) has changed "
             "since (its fingerprint differs); pass --posterior with the original folder")
    return post


def handle(args: argparse.Namespace) -> int:
    with imports_without_gc():
        if args.scenario and not args.from_manifest:
            from sim.scenario.loader import load_resolved

            load_resolved(args.scenario)  # a bad file stops here, before the engine is imported
        from sim import api
        from sim.analysis import observations
        from sim.output.outdir import staged
        from sim.output.report import write_run
        from sim.util import limits
        from sim.util.version import project_version

    if args.from_manifest:
        if args.scenario or args.overrides or args.replicates or args.seed is not None:
            fail("--from-manifest repeats a recorded run: give no scenario, --set, "
                 "--replicates or --seed with it")
        scenario, manifest = _from_manifest(args.from_manifest)
        if manifest.get("project", {}).get("version") not in (None, project_version()):
            info(f"note: recorded with coalition-sim {manifest['project']['version']}, "
                 f"running {project_version()}")
        overrides: dict[str, Any] = dict(manifest.get("overrides") or {})
        folder = args.from_manifest.absolute().parent
        default_out = folder.with_name(folder.name + "-repeat")
        record_steps = not manifest.get("summary_only", False)
    else:
        if not args.scenario:
            fail("run needs a SCENARIO (name or .yaml file) or --from-manifest")
        overrides = parse_overrides(args.overrides)
        default_out = Path("out") / "runs" / Path(args.scenario).stem
        scenario = api.with_overrides(api.load(args.scenario), overrides)
        scenario = api.with_overrides(scenario, {
            **({"replicates": args.replicates} if args.replicates is not None else {}),
            **({"seed": args.seed} if args.seed is not None else {})})
        record_steps = not args.summary_only
    if args.from_manifest and args.posterior is None and not args.fixed_parameters:
        # drawn or fixed as recorded (a manifest without a posterior ran at fixed values)
        posterior = (_recorded_posterior(args.from_manifest, manifest["posterior"])
                     if isinstance(manifest.get("posterior"), dict) else None)
    else:
        posterior = load_posterior(posterior_wanted(args))
    if record_steps:
        limits.check_run(scenario.replicates, scenario.horizon, len(scenario.states()))
    stream_states = limits.streams_states(scenario.replicates, len(scenario.states()),
                                          scenario.horizon if record_steps else 0)
    out = Path(args.out if args.out is not None else default_out)
    with staged(out, "run") as tmp:  # checks and locks --out before simulating
        states = _StatesStream(tmp) if stream_states else None
        result = api.run(scenario, progress=args.progress, record_steps=record_steps,
                         states_sink=states.add if states else None, posterior=posterior)
        result.overrides = overrides
        record = observations.check(result.scenario, replicates=len(result.seeds),
                                    posterior=result.posterior)
        paths = write_run(result, tmp, figures=not args.no_figures, record=record,
                          formats=figure_formats(args))
        if states:
            states.finish()
    s = result.summary
    print(f"{result.name}: {len(s)} runs, seeds {result.seeds[0]}..{result.seeds[-1]}")
    print(f"  at the horizon (mean): {s['pledged_troops'].mean():,.0f} troops pledged, "
          f"{s['deployed_troops'].mean():,.0f} deployed; ceasefire agreed in "
          f"{s['ceasefire_agreed'].mean():.0%} of runs, holding in {s['holds'].mean():.0%}")
    if posterior is not None:
        print(f"  parameters drawn from the posterior {posterior.label} "
              f"({len(posterior.particles)} particles; --fixed-parameters runs at fixed "
              "values)")
        print("\n".join(uncertainty_lines(result.uncertainty())))
    else:
        print("  parameters fixed at the scenario's values (no posterior)")
    print(f"wrote {len(paths)} files to {out}/ (manifest.json records how to repeat it)")
    if args.from_manifest:
        recorded = manifest.get("outputs", {})
        fresh = json.loads((out / "manifest.json").read_text())["outputs"]
        same = [k for k in recorded if fresh.get(k) == recorded[k]]
        differ = [k for k in recorded if k in fresh and fresh[k] != recorded[k]]
        if differ:
            info(f"warning: outputs differ from the recorded run: {', '.join(differ)}")
            return 1
        print(f"identical to the recorded run: {', '.join(sorted(same))}")
    return 0


class _StatesStream:
    """The states table of a very large run, written chunk by chunk beside the run's folder
    and put in place of the (empty) one write_run wrote, with its hashes in the manifest."""

    def __init__(self, folder: Path):
        from sim.output.io import TableStream

        self.folder = folder
        self.stream = TableStream(folder / ".stream" / "states")

    def add(self, frame: Any) -> None:
        self.stream.add(frame)

    def finish(self) -> None:
        import os
        import shutil

        from sim.output.io import write_json
        from sim.output.manifest import sha256_file  # streamed: the states CSV may be gigabytes

        paths = self.stream.close()
        manifest_path = self.folder / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for p in paths:
            os.replace(p, self.folder / p.name)
            if p.name in manifest.get("outputs", {}):
                manifest["outputs"][p.name] = sha256_file(self.folder / p.name)
        shutil.rmtree(self.folder / ".stream")
        write_json(manifest_path, manifest)
