"""``coalition-sim schema``: what a scenario file may contain (docs/scenarios.md), or with
``--outputs`` what every output column means (docs/outputs.md)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sim.cli.common import add_command


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "schema", help="print what a scenario file may contain, or the outputs",
        description="Print the scenario reference (the text of docs/scenarios.md, generated "
                    "from the schema), the JSON Schema with --json, or the data dictionary of "
                    "every output column with --outputs (docs/outputs.md).",
        examples=["coalition-sim schema | less", "coalition-sim schema --json > scenario.json",
                  "coalition-sim schema --outputs"])
    what = p.add_mutually_exclusive_group()
    what.add_argument("--json", action="store_true", help="print the JSON Schema instead")
    what.add_argument("--outputs", action="store_true",
                      help="print the data dictionary of output columns instead")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    if args.outputs:
        from sim.model.outcomes import data_dictionary

        print(data_dictionary())
    elif args.json:
        from sim.scenario.schema import Scenario

        print(json.dumps(Scenario.model_json_schema(), indent=2))
    else:
        from sim.scenario.docs import render

        print(render())
    return 0
