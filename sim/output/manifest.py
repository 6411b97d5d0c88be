"""Manifests: what every output folder's manifest.json records, built in one place.

Each command's manifest starts with :func:`header` (format version, kind, project version,
dependency versions, platform, command line), adds what it alone knows, lists its tables'
hashes with :func:`table_hashes`, and ends with ``files`` — every file of the folder with its
size and sha256 (:func:`list_files`, added when the folder is swapped in). :func:`sha256_file`
is the one file hash of the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sim.output.io import dependency_versions, write_json
from sim.scenario.yaml_safe import read_regular
from sim.util.version import project_version

MANIFEST = "manifest.json"
"""The manifest's file name in every output folder."""
MANIFEST_VERSION = 1
"""Version of the manifest's layout."""
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
"""Largest manifest.json read (a run's manifest holds its resolved scenario)."""


def sha256_file(path: str | Path) -> str:
    """sha256 of a file, read a megabyte at a time."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def header(kind: str, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """The entries every manifest opens with."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "kind": kind,
        "project": {"name": "coalition-sim", "version": project_version()},
        "dependencies": dependency_versions(),
        "platform": platform.platform(),
        "command": list(argv) if argv is not None else sys.argv,
    }


def table_hashes(paths: Iterable[Path]) -> dict[str, str]:
    """File name → sha256 of the tables (CSV and Parquet) among ``paths``."""
    return {p.name: sha256_file(p) for p in paths if p.suffix in (".csv", ".parquet")}


def list_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under ``folder`` but the manifest: relative path → bytes and sha256."""
    out: dict[str, dict[str, Any]] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if rel == MANIFEST:
                continue
            out[rel] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
    return out


def read_manifest(path: Path, limit: int = MAX_MANIFEST_BYTES) -> Any:
    """A manifest.json: a regular file of at most ``limit`` bytes, parsed as JSON."""
    raw = read_regular(path, limit, "manifest")
    return json.loads(raw.decode("utf-8"))


def write(folder: str | Path, manifest: dict[str, Any]) -> Path:
    """``manifest.json`` in ``folder``."""
    return write_json(Path(folder) / MANIFEST, manifest)
