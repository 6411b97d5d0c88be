"""Progress bars on stderr (tqdm), shown only when stderr is a terminal unless asked."""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def progress_enabled(flag: bool | None = None) -> bool:
    """Show progress bars? Default: only when stderr is a terminal."""
    if flag is not None:
        return flag
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(total: int | None = None, desc: str = "", enabled: bool | None = None,
             unit: str = "run") -> Any:
    """A tqdm bar on stderr, silent when stderr is not a terminal (or ``enabled=False``)."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                disable=not progress_enabled(enabled), dynamic_ncols=True)
