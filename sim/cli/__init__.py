"""``coalition-sim``: the command line, a thin layer over :mod:`sim.api`.

Every module in this package that defines ``register(subparsers)`` is a command; ``main``
finds them with pkgutil, so a new command is a new module and nothing else.

Command modules import the library (numpy, pandas, pyarrow, matplotlib, SALib, Solara) inside
their handlers, not at the top: building the parser imports every command module, and
``coalition-sim --help``, ``list`` and ``validate`` should answer in a fraction of a second
without loading what only a run needs. This is the one place where project imports sit inside
functions on purpose.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from sim.cli.common import EXIT_BAD_INPUT, EXIT_CODES_HELP, EXIT_FAILED, EXIT_OK, BadInput, error
from sim.util.startup import imports_without_gc, one_blas_thread
from sim.util.version import project_version

_NOT_COMMANDS = {"common", "__main__"}

DESCRIPTION = """\
coalition-sim: an agent-based scenario model of the European coalition of the willing
for Ukraine. Run what-if scenarios, compare them, check and explain scenario files."""

EPILOG = f"""\
main job:
  coalition-sim compare --out out/compare     # all seed scenarios -> out/compare/report.md

{EXIT_CODES_HELP}

Add --debug (before or after the command) to see a traceback when something fails."""


def command_modules() -> list[str]:
    """Names of the modules in sim.cli that may define commands, sorted."""
    import sim.cli as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__)
                  if m.name not in _NOT_COMMANDS and not m.name.startswith("_"))


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata
    is 20-60 ms of imports)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {project_version()}")
        parser.exit()


def build_parser(debug: bool = False, only: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with every discovered command (``only``: the commands of that
    one module)."""
    parser = argparse.ArgumentParser(
        prog="coalition-sim", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show program's version number and exit")
    parser.add_argument("--debug", action="store_true",
                        help="show a full traceback when something fails")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [only] if only else command_modules():
        try:
            module = importlib.import_module(f"sim.cli.{name}")
        except Exception as exc:  # a broken command must not take the others down
            if debug:
                raise
            print(f"warning: command module sim.cli.{name} failed to load: {exc}",
                  file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
    parser.commands = set(subparsers.choices)  # type: ignore[attr-defined]
    return parser


def _parser_for(argv: list[str], debug: bool) -> argparse.ArgumentParser:
    """The parser ``argv`` needs: when it names a command whose module has the command's name
    (``run`` in sim/cli/run.py), a parser of that module's commands alone (the other modules
    are not imported: 10-40 ms); otherwise (``--help``, ``list``, a typo) every command."""
    first = next((a for a in argv if not a.startswith("-")), None)
    if first and first in command_modules():
        parser = build_parser(debug=debug, only=first)
        if first in parser.commands:  # type: ignore[attr-defined]
            return parser
    return build_parser(debug=debug)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) 0, 1 or 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    one_blas_thread()
    debug = "--debug" in argv
    parser = _parser_for(argv, debug)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help / --version exit 0, usage errors exit 2
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    return run_handler(args.func, args, debug=args.debug)


def run_handler(func, args: argparse.Namespace, debug: bool = False) -> int:
    """Call a command handler, mapping errors to messages and exit codes."""
    with imports_without_gc():
        from sim.output.outdir import OutputError
        from sim.scenario.errors import ScenarioError
        from sim.util.limits import TooLarge

    try:
        code = func(args)
    except (ScenarioError, BadInput, OutputError, TooLarge) as exc:
        if debug:
            raise
        error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if debug:
            raise
        error(f"{type(exc).__name__}: {exc}")
        print("(run again with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if code is None else int(code)


__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "build_parser", "main"]
