"""The project's own YAML data files (seeds/*.yaml), read with libyaml's C parser when PyYAML
has it (about ten times faster than the pure-Python one; the same values).

User input (scenario files, sweep and sensitivity specs) goes through
:mod:`sim.scenario.yaml_safe` instead, which checks limits and reports lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader if PyYAML was built with it, the pure-Python one otherwise."""


def load_text(text: str) -> Any:
    """The data of a YAML document (safe: plain values only)."""
    return yaml.load(text, Loader=SafeLoader)


def load_file(path: Path) -> Any:
    """The data of a UTF-8 YAML file (safe: plain values only)."""
    return load_text(Path(path).read_text(encoding="utf-8"))
