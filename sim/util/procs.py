"""Child processes that end when their parent dies, SIGKILL included.

A worker calls :func:`die_with_parent` first thing (``ProcessPoolExecutor(initializer=...)``):
on Linux the kernel sends it SIGKILL when its parent ends (``prctl(PR_SET_PDEATHSIG)``), and
everywhere a daemon thread checks every half second that its parent is still the same process
(a dead parent's children are adopted by another). When the workers are gone, the
multiprocessing resource tracker, which only waits for the last of them, ends too.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(parent: int | None = None) -> None:
    """End this process when ``parent`` (default: the current parent) is gone."""
    parent = os.getppid() if parent is None else parent
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="watch-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)
