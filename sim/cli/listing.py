"""``coalition-sim list``: the scenarios, each with its one-line description."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.common import add_command, fail, format_table


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "list", help="list the scenarios with their descriptions",
        description="List the scenarios in the scenarios folder, each with its one-line "
                    "description, the scenario it extends and its horizon.",
        examples=["coalition-sim list", "coalition-sim list --dir my-scenarios",
                  "coalition-sim list --names-only"])
    p.add_argument("--dir", type=Path, default=None,
                   help="folder of scenario files (default: the project's scenarios/)")
    p.add_argument("--names-only", action="store_true", help="print only the names")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from sim.scenario.errors import ScenarioError
    from sim.scenario.loader import SCENARIOS_DIR, load_scenario, scenario_names

    directory = args.dir or SCENARIOS_DIR
    if not directory.is_dir():
        fail(f"--dir {directory}: expected a folder of scenario files, found none")
    names = scenario_names(directory)
    if args.names_only:
        print("\n".join(names))
        return 0
    rows, broken = [], 0
    for name in names:
        try:
            sc = load_scenario(name, directory)
        except ScenarioError as exc:
            broken += 1
            rows.append([name, "-", "-", f"INVALID: {exc.issues[0].location()}: "
                                        f"{exc.issues[0].message}"])
            continue
        rows.append([name, sc.extends or "-", f"{sc.horizon} mo", sc.description])
    print(format_table(rows, ["scenario", "extends", "horizon", "description"]))
    return 2 if broken else 0
