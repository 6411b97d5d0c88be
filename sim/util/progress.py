"""Progress bars on stderr (tqdm), shown only when stderr is a terminal unless asked."""

from __future__ import annotations

import sys
from typing import Any


def progress_enabled(flag: bool | None = None) -> bool:
    """Show progress bars? Default: only when stderr is a terminal."""
    if flag is not None:
        return flag
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Silent:
    """The bar of a run that shows none: counts and draws nothing, without importing tqdm
    (``tqdm.auto`` loads asyncio: about 15 ms of every command's start)."""

    def __init__(self, total: int | None = None):
        self.total, self.n = total, 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def close(self) -> None:
        pass

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(total: int | None = None, desc: str = "", enabled: bool | None = None,
             unit: str = "run") -> Any:
    """A tqdm bar on stderr, silent when stderr is not a terminal (or ``enabled=False``)."""
    if not progress_enabled(enabled):
        return Silent(total)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                dynamic_ncols=True)
