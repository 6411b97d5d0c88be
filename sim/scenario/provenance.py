"""Where every fact is cited: parameters, scenarios, stated positions, events, country data."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from sim.model.facts import COUNTRIES_FILE, MODELLING
from sim.model.parameters import PARAM_INFO
from sim.scenario.loader import SCENARIOS_DIR
from sim.util import yamldata


def citations(scenarios_dir: Path = SCENARIOS_DIR) -> dict[str, set[str]]:
    """Fact id → the places that cite it (``parameter:``, ``scenario:``, ``countries:`` ...).

    Scenario files are read as plain YAML (without validation) so that every file counts.
    """
    cited: dict[str, set[str]] = defaultdict(set)
    for info in PARAM_INFO.values():
        for f in info.facts:
            cited[f].add(f"parameter:{info.path}")
    countries = yamldata.load_file(COUNTRIES_FILE)
    for column, f in countries["sources"].items():
        cited[f].add(f"countries:{column}")
    for path in sorted(scenarios_dir.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue
        where = f"scenario:{path.relative_to(scenarios_dir)}"
        for f in data.get("facts", []) or []:
            cited[f].add(where)
        for code, pos in (data.get("positions") or {}).items():
            for f in (pos or {}).get("facts", []) or []:
                cited[f].add(f"{where}:positions.{code}")
        for i, event in enumerate(data.get("events") or []):
            for f in (event or {}).get("facts", []) or []:
                cited[f].add(f"{where}:events[{i}]")
    cited.pop(MODELLING, None)
    return dict(cited)
