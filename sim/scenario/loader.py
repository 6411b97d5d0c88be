"""Load scenario files: YAML, ``extends`` inheritance and dotted-path overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.scenario.schema import Scenario

SCENARIOS_DIR = Path(__file__).resolve().parent.parent.parent / "scenarios"


def scenario_names(directory: Path = SCENARIOS_DIR) -> list[str]:
    """Names of the scenarios in ``directory`` (file stems), sorted."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def _expand_dotted(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            value = _expand_dotted(value)
        parts = str(key).split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = deep_merge(node[parts[-1]], value)
        else:
            node[parts[-1]] = value
    return out


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if "parameters" in data and isinstance(data["parameters"], dict):
        data["parameters"] = _expand_dotted(data["parameters"])
    return data


def resolve(path: Path, directory: Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The raw mapping of a scenario file with its ``extends`` chain merged in."""
    data = _read(path)
    parent = data.get("extends")
    if parent:
        if parent in seen:
            raise ValueError(f"cycle in extends: {' -> '.join((*seen, parent))}")
        merged = resolve(directory / f"{parent}.yaml", directory, (*seen, parent))
        inherited = {k: v for k, v in merged.items()
                     if k not in {"name", "description", "extends", "events"}}
        data = deep_merge(inherited, data)
        data["events"] = merged.get("events", []) + data.get("events", [])
        data["facts"] = list(dict.fromkeys(merged.get("facts", []) + data.get("facts", [])))
    return data


def load_scenario(name_or_path: str | Path, directory: Path = SCENARIOS_DIR) -> Scenario:
    """A validated scenario, by name (in ``directory``) or by file path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = directory / f"{name_or_path}.yaml"
    raw = resolve(path, path.parent if path.parent != Path() else directory, (path.stem,))
    return Scenario.model_validate(raw)
