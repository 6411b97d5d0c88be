"""``coalition-sim schema``: what a scenario file may contain (docs/scenarios.md)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sim.cli.common import add_command


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "schema", help="print what a scenario file may contain",
        description="Print the scenario reference (the text of docs/scenarios.md, generated "
                    "from the schema), or the JSON Schema with --json.",
        examples=["coalition-sim schema | less", "coalition-sim schema --json > scenario.json"])
    p.add_argument("--json", action="store_true", help="print the JSON Schema instead")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.json:
        from sim.scenario.schema import Scenario

        print(json.dumps(Scenario.model_json_schema(), indent=2))
    else:
        from sim.scenario.docs import render

        print(render())
    return 0
