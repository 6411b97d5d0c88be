"""``coalition-sim validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import EXIT_BAD_INPUT, EXIT_OK, add_command


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "validate", help="check scenario files without running them",
        description="""
        Check scenario files (and the scenarios they extend): safe YAML, known keys and
        state codes, values in range, events within the horizon, cited fact ids. Every
        problem is reported with file, line, dotted key, what was expected and what was
        found. Exit code 0 when all are valid, 2 otherwise. Nothing runs, so no parameter
        is drawn from a posterior.""",
        examples=["coalition-sim validate scenarios/*.yaml",
                  "coalition-sim validate my-scenario.yaml",
                  "coalition-sim validate --all"])
    p.add_argument("files", nargs="*", help="scenario files or names")
    p.add_argument("--all", action="store_true", help="every file in scenarios/")
    p.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    p.set_defaults(func=handle)


def validate_one(file: str | Path) -> list[Any]:
    """Issues of one scenario file (empty if valid); never raises for bad input."""
    from sim.scenario.errors import Issue
    from sim.scenario.loader import validate_file

    try:
        return validate_file(file)
    except RecursionError:
        return [Issue("scenario too deeply nested", str(file))]


def handle(args: argparse.Namespace) -> int:
    from sim.cli.common import fail
    from sim.scenario.loader import SCENARIOS_DIR, display_path

    files: list[str | Path] = list(args.files)
    if args.all:
        files += [display_path(p) for p in sorted(SCENARIOS_DIR.glob("*.yaml"))]
    if not files:
        fail("validate needs FILE ... or --all")
    bad = 0
    for f in files:
        issues = validate_one(f)
        if issues:
            bad += 1
            for issue in issues:
                print(f"error: {issue}", file=sys.stderr)
        elif not args.quiet:
            print(f"ok: {f}")
    if bad:
        print(f"{bad} of {len(files)} scenario file(s) invalid", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK
