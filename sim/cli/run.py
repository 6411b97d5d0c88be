"""``coalition-sim run``: run a scenario's replicates into an output folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_command,
    add_override_option,
    fail,
    info,
    nonnegative_int,
    parse_overrides,
    positive_int,
)


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "run", help="run a scenario's replicates and write an output folder",
        description="""
        Run the replicates of a scenario (replicate i uses seed + i) and write to --out:
        summary, steps, states and events tables (Parquet and CSV), figures (PNG and SVG)
        and manifest.json (version, scenario content hash, resolved parameters, seeds,
        dependency versions, timings). --from-manifest repeats a run exactly.""",
        examples=["coalition-sim run sep-2025-paris --out out/sep",
                  "coalition-sim run us-withdrawal --replicates 50 --seed 7 --out out/w",
                  "coalition-sim run my-scenario.yaml --set us.backstop_scale=1.5 --out out/my",
                  "coalition-sim run --from-manifest out/sep/manifest.json --out out/sep-again"])
    p.add_argument("scenario", nargs="?", help="scenario name (see `list`) or .yaml file")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: out/runs/SCENARIO)")
    p.add_argument("--replicates", "-n", type=positive_int, default=None,
                   help="number of runs (default: the scenario's)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="base seed (default: the scenario's)")
    add_override_option(p)
    p.add_argument("--from-manifest", type=Path, metavar="MANIFEST",
                   help="repeat the run recorded in a manifest.json exactly")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument("--summary-only", action="store_true",
                   help="skip per-step outcomes (and figures): for very many replicates")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: only on a terminal)")
    p.set_defaults(func=handle)


def _from_manifest(path: Path) -> tuple[Any, dict[str, Any]]:
    from sim.api import scenario_hash
    from sim.scenario.schema import Scenario
    from sim.scenario.validate import check_scenario

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"--from-manifest {path}: file not found")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"--from-manifest {path}: not a readable JSON manifest ({exc})")
    if not isinstance(manifest, dict) or manifest.get("kind") != "run" or "scenario" not in \
            manifest:
        fail(f"--from-manifest {path}: expected the manifest.json of `coalition-sim run`")
    scenario: Scenario = check_scenario(manifest["scenario"].get("resolved", {}), {}, str(path))
    recorded = manifest["scenario"].get("content_sha256")
    if recorded and scenario_hash(scenario) != recorded:
        fail(f"--from-manifest {path}: the scenario does not match its recorded hash "
             f"(expected {recorded[:12]}…, found {scenario_hash(scenario)[:12]}…)")
    return scenario, manifest


def handle(args: argparse.Namespace) -> int:
    from sim import api
    from sim.cli.common import output_dir
    from sim.report import write_run
    from sim.version import project_version

    if args.from_manifest:
        if args.scenario or args.overrides or args.replicates or args.seed is not None:
            fail("--from-manifest repeats a recorded run: give no scenario, --set, "
                 "--replicates or --seed with it")
        scenario, manifest = _from_manifest(args.from_manifest)
        if manifest.get("project", {}).get("version") not in (None, project_version()):
            info(f"note: recorded with coalition-sim {manifest['project']['version']}, "
                 f"running {project_version()}")
        overrides: dict[str, float] = dict(manifest.get("overrides") or {})
        default_out = args.from_manifest.parent.with_name(args.from_manifest.parent.name
                                                          + "-repeat")
        result = api.run(scenario, progress=args.progress,
                         record_steps=not manifest.get("summary_only", False))
        result.overrides = overrides
    else:
        if not args.scenario:
            fail("run needs a SCENARIO (name or .yaml file) or --from-manifest")
        overrides = parse_overrides(args.overrides)
        default_out = Path("out") / "runs" / Path(args.scenario).stem
        result = api.run(args.scenario, replicates=args.replicates, seed=args.seed,
                         overrides=overrides, progress=args.progress,
                         record_steps=not args.summary_only)
    out = output_dir(args.out, default_out)
    paths = write_run(result, out, figures=not args.no_figures)
    s = result.summary
    print(f"{result.name}: {len(s)} runs, seeds {result.seeds[0]}..{result.seeds[-1]}")
    print(f"  troops at horizon (mean) {s['troops'].mean():,.0f}; requirement met in "
          f"{s['force_met'].mean():.0%} of runs; ceasefire agreed in {s['ceasefire_agreed'].mean():.0%}")
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
