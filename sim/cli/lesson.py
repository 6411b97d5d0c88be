"""``coalition-sim lesson export --out lesson.html``: the offline lesson page.

One self-contained HTML file (data, script and styles inline) that replays, month by month,
the runs the engine computed in advance for every setting of the page's controls in the
classroom worlds. It opens by double-click from a USB stick or a learning platform: no
install, no server, no network (``sim.app.lesson``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.common import BadInput, add_command, info, positive_int


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "lesson", help="write the offline lesson page (one HTML file)",
        description="Classroom material that needs no install. 'lesson export' runs the "
                    "engine over every setting of the lesson page's controls (US backstop, "
                    "sanctions, peer influence, force design) in the classroom worlds and "
                    "writes one self-contained HTML file that replays them in any browser, "
                    "offline. Lesson plans that use it: docs/lessons/.",
        examples=["coalition-sim lesson export --out lesson.html"])
    sub = p.add_subparsers(dest="lesson_command", metavar="ACTION")
    e = sub.add_parser("export", help="compute every setting and write the page",
                       description="Compute every setting of the lesson page and write it as "
                                   "one HTML file (at most 5 MB).")
    e.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    e.add_argument("--replicates", type=positive_int, default=None,
                   help="seeds behind the page's 'how often' line (default 20)")
    e.add_argument("--quiet", action="store_true", help="print nothing but errors")
    e.set_defaults(func=handle_export)
    p.set_defaults(func=handle_help, parser=p)


def handle_help(args: argparse.Namespace) -> int:
    args.parser.print_help()
    return 2


def handle_export(args: argparse.Namespace) -> int:
    from sim.app.lesson.page import export

    out: Path = args.out
    if out.is_dir():
        raise BadInput(f"--out {out}: expected a file name (e.g. lesson.html), found a folder")
    if out.suffix.lower() not in (".html", ".htm"):
        raise BadInput(f"--out {out}: expected a file ending in .html, found {out.suffix or 'none'!r}")
    parent = next((p for p in out.absolute().parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise BadInput(f"--out {out}: expected a file in a folder, but {parent} is a file")
    path, size = export(out, replicates=args.replicates)
    info(f"wrote {path} ({size / 1e6:.1f} MB): open it in a browser, no install or network "
         "needed", quiet=args.quiet)
    return 0
