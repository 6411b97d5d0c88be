"""The installed coalition-sim version, looked up in one place."""

from __future__ import annotations

UNKNOWN = "0+unknown"
"""The version of a source tree that is not installed."""


def project_version() -> str:
    """The installed coalition-sim version (``0+unknown`` for an uninstalled source tree)."""
    from importlib import metadata  # 20-60 ms of imports (email, zipfile, inspect ...)

    try:
        return metadata.version("coalition-sim")
    except metadata.PackageNotFoundError:
        return UNKNOWN
