"""A command's start: its imports run without the cyclic garbage collector.

Importing numpy, pandas, pyarrow, pydantic and matplotlib creates hundreds of thousands of
objects and almost no garbage, but every 700 new objects trigger a collection that walks the
young ones, and every few of those walk them all again: about 0.1 s of CPU in
``coalition-sim run`` (a tenth of the command) for nothing collected. A command handler wraps
its imports in :func:`imports_without_gc`; afterwards what the block imported is moved out of
the collector's sight for good (``gc.freeze``: modules live until the process ends) and
collection resumes, so the work that follows keeps its memory in check as before.

:func:`one_blas_thread` keeps numpy's BLAS (OpenBLAS) to one thread unless the user says
otherwise: the model's arrays are small, and starting its thread pool costs about 0.04 s of
CPU at numpy's import.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def imports_without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (a command's imports); if the block
    imported a module, freeze what is alive (``gc.freeze``; a process that calls commands
    again and again, such as the tests, freezes only while it still imports something new).
    The collector resumes if it was on. Nested blocks leave it to the outermost."""
    was_enabled = gc.isenabled()
    modules = len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if len(sys.modules) > modules:
                gc.freeze()
            gc.enable()


BLAS_THREADS = "OPENBLAS_NUM_THREADS"
"""The variable :func:`one_blas_thread` sets (if unset) before numpy is imported."""


def one_blas_thread() -> None:
    """Ask OpenBLAS for one thread (``OPENBLAS_NUM_THREADS=1``) unless the environment sets
    it; inherited by worker processes (one per core already). Nothing once numpy is loaded."""
    if "numpy" not in sys.modules:
        os.environ.setdefault(BLAS_THREADS, "1")
