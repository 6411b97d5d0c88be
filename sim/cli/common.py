"""Helpers shared by every command: exit codes, bad-input errors, progress bars, formatting.

A command module defines ``register(subparsers)``; it adds its parser with :func:`add_command`
(which puts an example in ``--help``) and sets ``func`` to a handler ``(args) -> int | None``.
Raise :class:`BadInput` (or call :func:`fail`) for anything the user must fix: ``main`` prints
the message and exits 2. Any other exception during a command exits 1.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

EXIT_OK = 0
"""The command did what was asked."""
EXIT_FAILED = 1
"""A run (or writing its outputs) failed."""
EXIT_BAD_INPUT = 2
"""Bad input: a scenario file, an option or an argument the user must fix."""

EXIT_CODES_HELP = """exit codes:
  0  ok
  1  a run failed (or its outputs could not be written)
  2  bad input: scenario file, option or argument (the message names file, line and key)"""


class BadInput(Exception):
    """Input the user must fix; shown as ``error: <message>`` with exit code 2."""


def fail(message: str) -> NoReturn:
    """Stop the command: bad input, exit code 2."""
    raise BadInput(message)


def error(message: str) -> None:
    """Print ``error: message`` on stderr."""
    print(f"error: {message}", file=sys.stderr)


def warn(message: str) -> None:
    """Print ``warning: message`` on stderr."""
    print(f"warning: {message}", file=sys.stderr)


def info(message: str, quiet: bool = False) -> None:
    """Print a status line on stderr (stdout stays for results)."""
    if not quiet:
        print(message, file=sys.stderr)


def add_command(subparsers: Any, name: str, help: str, description: str, examples: Sequence[str],
                **kwargs: Any) -> argparse.ArgumentParser:
    """A sub-command parser whose ``--help`` ends with examples and the exit codes."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples) + "\n\n" + EXIT_CODES_HELP
    parser = subparsers.add_parser(
        name, help=help, description=textwrap.dedent(description).strip(), epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a full traceback when something fails")
    return parser


def _int_at_least(minimum: int, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, found {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    return _int_at_least(1, text)


def nonnegative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    return _int_at_least(0, text)


INTEGER_KEYS = frozenset({"seed", "replicates", "horizon"})
"""--set keys whose values are whole numbers (parsed exactly, never through a float)."""
TEXT_KEYS = frozenset({"start", "description", "name", "design", "hypothetical"})
"""--set keys whose values are text."""
STATE_TEXT_KEYS = frozenset({"pledged", "start", "until", "note", "hypothetical", "facts"})
"""Per-state settings (``--set DE.note=...``) whose value is text."""
_INTEGER = re.compile(r"^[+-]?\d+$")


def parse_overrides(items: Iterable[str] | None) -> dict[str, float | int | str]:
    """``["us.backstop_scale=1.5", "seed=7"]`` → ``{"us.backstop_scale": 1.5, "seed": 7}``.

    Whole numbers stay integers (``seed=9007199254740993`` is that seed, not the nearest
    float); ``start`` and ``description`` stay text; seed, replicates and horizon must be
    whole numbers. Bad form → exit 2."""
    out: dict[str, float | int | str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            fail(f"--set expects PATH=VALUE (e.g. us.backstop_scale=1.5), found {item!r}")
        if key in TEXT_KEYS or key.rpartition(".")[2] in STATE_TEXT_KEYS:
            out[key] = value
        elif _INTEGER.match(value):
            out[key] = int(value)
        elif key in INTEGER_KEYS:
            fail(f"--set {key}: expected a whole number, found {value!r}")
        else:
            try:
                out[key] = float(value)
            except ValueError:
                fail(f"--set {key}: expected a number, found {value!r}")
    return out


def add_override_option(parser: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable) for parameter overrides."""
    parser.add_argument("--set", metavar="PATH=VALUE", action="append", dest="overrides",
                        help="override a parameter by its dotted path (repeatable), "
                             "e.g. --set us.backstop_scale=1.5")


def format_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Plain-text table with aligned columns."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cap_jobs(jobs: int, quiet: bool = False) -> int:
    """``jobs`` capped at the number of cores (more processes than cores only cost memory)."""
    cores = usable_cores()
    if jobs > cores:
        info(f"note: --jobs {jobs} capped at {cores}, the number of cores available", quiet)
        return cores
    return jobs


FIXED = "none"
"""``--posterior none``: run at the fixed parameter values (the same as ``--fixed-parameters``)."""


def add_posterior_option(parser: argparse.ArgumentParser,
                         then: str = "intervals then cover parameters and runs") -> None:
    """``--posterior DIR`` (default: the shipped posterior) and ``--fixed-parameters``: draw
    the calibrated and literature parameters of every run from a posterior, or fix them at
    their defaults (``then``: what drawing means for the command's output)."""
    parser.add_argument("--posterior", metavar="DIR", default=None,
                        help="draw each run's uncertain parameters (calibrated, and those with "
                             "literature priors) from the posterior in DIR (the output of "
                             "`coalition-sim calibrate`; 'default': the shipped seeds/posterior, "
                             f"'none': fixed); {then} (default: 'default')")
    parser.add_argument("--fixed-parameters", action="store_true",
                        help="run at the scenario's parameter values, drawing nothing from a "
                             "posterior (the same as --posterior none)")


def posterior_wanted(args: argparse.Namespace) -> str | None:
    """The posterior ``--posterior``/``--fixed-parameters`` ask for: a folder, ``default``, or
    None for fixed parameters. Both at once is bad input (exit 2)."""
    value = getattr(args, "posterior", None)
    fixed = getattr(args, "fixed_parameters", False)
    if fixed and value not in (None, FIXED):
        fail(f"--fixed-parameters runs at fixed values: give no --posterior {value} with it")
    if fixed or value == FIXED:
        return None
    return "default" if value is None else value


def add_svg_option(parser: argparse.ArgumentParser) -> None:
    """``--svg``: write every figure as SVG beside its PNG."""
    parser.add_argument("--svg", action="store_true",
                        help="write each figure as SVG too (default: PNG only)")


def figure_formats(args: argparse.Namespace) -> tuple[str, ...]:
    """The figure formats ``--svg`` asks for."""
    return ("png", "svg") if getattr(args, "svg", False) else ("png",)


def load_posterior(value: str | None) -> Any:
    """The posterior named by ``value`` (a folder or ``default``; None or ``none``: None, fixed
    parameters); bad input exits 2. Commands pass :func:`posterior_wanted`."""
    if value is None or value == FIXED:
        return None
    from sim.analysis.posterior import PosteriorError, load

    try:
        return load(value)
    except PosteriorError as exc:
        fail(f"--posterior {value}: {exc}")


def uncertainty_lines(table: Any) -> list[str]:
    """Plain lines: per outcome, total sd and the share of variance from the parameters."""
    lines = ["  uncertainty (sd over runs; share of variance from the parameters, the rest "
             "from the randomness of runs):"]
    for r in table.itertuples():
        share = "n/a" if r.share_parameters != r.share_parameters else f"{r.share_parameters:.0%}"
        lines.append(f"    {r.outcome:22s} mean {r.mean:10.3g}  sd {r.sd_total:9.3g}  "
                     f"parameters {share}")
    return lines
