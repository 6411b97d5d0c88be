"""Load scenario files: safe YAML, ``extends`` inheritance, validation with located messages.

``load_scenario`` returns a validated :class:`Scenario` or raises :class:`ScenarioError` naming
the file, line and dotted key of every problem, what was expected and what was found. Results
are cached on the paths and contents of the files involved, so constructing thousands of models
(``mesa.batch_run``) reads and hashes the files but parses and validates them once.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sim.model.parameters import PARAM_INFO
from sim.scenario.errors import Issue, ScenarioError, did_you_mean
from sim.scenario.schema import Scenario
from sim.scenario.validate import Origin, check_document_facts, check_scenario
from sim.scenario.yaml_safe import MAX_BYTES, Document, decode, parse, read_regular

SCENARIOS_DIR = Path(__file__).resolve().parent.parent.parent / "scenarios"
MAX_EXTENDS_DEPTH = 20
NOT_INHERITED = frozenset({"name", "description", "extends", "events", "facts"})
"""Keys a scenario never takes from the scenario it extends (events and facts are joined)."""


def scenario_names(directory: Path = SCENARIOS_DIR) -> list[str]:
    """Names of the scenarios in ``directory`` (file stems), sorted."""
    return sorted(p.stem for p in Path(directory).glob("*.yaml"))


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in over.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k),
                                                                             dict) else v
    return out


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when inside it, else absolute."""
    return _display(str(path), os.getcwd())


@lru_cache(maxsize=1024)
def _display(text: str, cwd: str) -> str:
    path = Path(text).absolute()
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass
class Loaded:
    """A validated scenario with where each of its keys was written."""

    scenario: Scenario
    files: list[Path]  # the extends chain, the scenario's own file first
    hashes: dict[str, str]  # display path -> sha256 of the file's bytes
    origin: dict[tuple, Origin] = field(repr=False)

    def source_of(self, path: tuple) -> Origin | None:
        """File and line where the key path (or its nearest written parent) was set."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.origin:
                return self.origin[path[:n]]
        return None


# --- locating files ------------------------------------------------------------------------

def locate(name_or_path: str | Path, directory: Path = SCENARIOS_DIR) -> Path:
    """The file of a scenario given by name (in ``directory``) or by path."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or os.sep in text or "/" in text:
        if not os.path.lexists(path):
            raise ScenarioError("scenario file not found", file=text)
        return path
    candidate = Path(directory) / f"{text}.yaml"
    if os.path.lexists(candidate):
        return candidate
    names = scenario_names(directory)
    raise ScenarioError(f"unknown scenario {text!r}", key=None,
                        expected=f"a scenario in {display_path(Path(directory))}/ "
                                 f"({', '.join(names) or 'none there'}) or a .yaml file",
                        found=repr(text), suggestion=did_you_mean(text, names))


EXTENDS_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
"""What ``extends:`` may hold: a plain scenario name (no folder, no ``..``)."""


def _parent_file(name: str, child: Path, directory: Path) -> Path | None:
    for folder in dict.fromkeys((child.parent, Path(directory), SCENARIOS_DIR)):
        candidate = folder / f"{name}.yaml"
        if os.path.lexists(candidate):  # a broken link is found, and its error told on reading
            return candidate
    return None


# --- parsing with a content cache ----------------------------------------------------------

_DOCS: OrderedDict[tuple[str, str], Document] = OrderedDict()
_SCENARIOS: OrderedDict[tuple, Loaded] = OrderedDict()
_CACHE_SIZE = 256


def _remember(cache: OrderedDict, key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def _document(path: Path) -> tuple[Document, str]:
    """Parsed file and the sha256 of its bytes (parsing cached on path and content)."""
    file = display_path(path)
    raw = read_regular(path, MAX_BYTES, "scenario", file)
    digest = hashlib.sha256(raw).hexdigest()
    key = (str(path.resolve()), digest)
    doc = _DOCS.get(key)
    if doc is None or doc.file != file:
        doc = parse(decode(raw, file), file)
        _remember(_DOCS, key, doc)
    return doc, digest


def clear_cache() -> None:
    """Forget every parsed file and loaded scenario."""
    _DOCS.clear()
    _SCENARIOS.clear()


# --- inheritance ---------------------------------------------------------------------------

def _chain(path: Path, directory: Path) -> list[tuple[Path, Document, str]]:
    """The file and its ancestors (own file first); unknown parents and cycles are named."""
    chain: list[tuple[Path, Document, str]] = []
    seen: list[str] = []
    current = path
    while True:
        doc, digest = _document(current)
        chain.append((current, doc, digest))
        seen.append(current.stem)
        parent = doc.data.get("extends")
        if parent is None:
            return chain
        line = doc.lines.get(("extends",))
        if not isinstance(parent, str) or not parent:
            raise ScenarioError("extends must name a scenario", file=doc.file, line=line,
                                key="extends", expected="a scenario name such as base",
                                found=repr(parent) if isinstance(parent, str) else str(parent))
        if not EXTENDS_NAME.match(parent) or ".." in parent or parent.endswith(
                (".yaml", ".yml")):
            raise ScenarioError("extends must be a plain scenario name", file=doc.file,
                                line=line, key="extends",
                                expected="the name of a scenario file in the same folder or in "
                                         "scenarios/, without folder or .yaml (e.g. base)",
                                found=repr(parent)[:80])
        if parent in seen:
            cycle = " -> ".join([*seen, parent])
            raise ScenarioError(f"extends cycle: {cycle}", file=doc.file, line=line,
                                key="extends", expected="a chain of scenarios that ends",
                                found=f"{parent!r}, which already extends this scenario")
        if len(seen) > MAX_EXTENDS_DEPTH:
            raise ScenarioError("extends chain too long", file=doc.file, line=line,
                                key="extends", expected=f"at most {MAX_EXTENDS_DEPTH} levels")
        parent_file = _parent_file(parent, current, directory)
        if parent_file is None:
            names = sorted(set(scenario_names(current.parent)) | set(scenario_names(directory)))
            raise ScenarioError(f"unknown scenario to extend: {parent!r}", file=doc.file,
                                line=line, key="extends",
                                expected="the name of a scenario file in the same folder or "
                                         "in scenarios/", found=repr(parent),
                                suggestion=did_you_mean(parent, names))
        current = parent_file


def _origin_of(doc: Document, depth: int) -> dict[tuple, Origin]:
    return {k: Origin(doc.file, line, depth) for k, line in doc.lines.items()}


def merge_chain(chain: list[tuple[Path, Document, str]]) -> tuple[dict[str, Any],
                                                                   dict[tuple, Origin]]:
    """The raw mapping with every ancestor merged in, and where each key path was written."""
    data: dict[str, Any] = {}
    origin: dict[tuple, Origin] = {}
    for depth, (_, doc, _) in enumerate(reversed(chain)):
        own = doc.data
        inherited = {k: v for k, v in data.items() if k not in NOT_INHERITED}
        merged = deep_merge(inherited, {k: v for k, v in own.items() if k != "events"})
        events = data["events"] if isinstance(data.get("events"), list) else []
        own_events = own.get("events", [])
        own_origin = _origin_of(doc, depth)
        shifted: dict[tuple, Origin] = {}
        if isinstance(own_events, list):
            for k, v in own_origin.items():
                if len(k) >= 2 and k[0] == "events" and isinstance(k[1], int):
                    shifted[("events", k[1] + len(events), *k[2:])] = v
                else:
                    shifted[k] = v
            merged["events"] = events + own_events
        else:
            shifted = own_origin
            merged["events"] = own_events
        parent_facts = data.get("facts", []) if isinstance(data.get("facts"), list) else []
        own_facts = own.get("facts", [])
        if isinstance(own_facts, list) and all(isinstance(f, str) for f in own_facts) and all(
                isinstance(f, str) for f in parent_facts):
            merged["facts"] = list(dict.fromkeys([*parent_facts, *own_facts]))
        elif "facts" in own:
            merged["facts"] = own_facts
        kept = {k: v for k, v in origin.items()
                if not k or (k[0] not in {"name", "description", "extends"} and
                             not (k[0] == "facts" and len(k) > 1))}
        kept.update({k: v for k, v in shifted.items()
                     if not (k[:1] == ("facts",) and len(k) > 1)})
        origin = {k: v for k, v in kept.items() if _reachable(merged, k)}
        if not merged["events"] and "events" not in own and "events" not in data:
            del merged["events"]
        data = merged
    return data, origin


def _reachable(data: Any, path: tuple) -> bool:
    node = data
    for part in path:
        in_list = isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            node = node[part]
        else:
            return False
    return True


# --- loading -------------------------------------------------------------------------------

def load_resolved(name_or_path: str | Path, directory: Path = SCENARIOS_DIR) -> Loaded:
    """Validated scenario plus its files, hashes and the origin of every key (cached)."""
    path = locate(name_or_path, Path(directory))
    chain = _chain(path, Path(directory))
    key = tuple((str(p.resolve()), digest, doc.file) for p, doc, digest in chain)
    hit = _SCENARIOS.get(key)
    if hit is None:
        for _, doc, _ in chain:
            check_document_facts(doc)
        data, origin = merge_chain(chain)
        scenario = check_scenario(data, origin, chain[0][1].file, expected_name=path.stem)
        scenario.pin(frozenset(p for p in (".".join(map(str, k[1:])) for k in origin
                                           if k[:1] == ("parameters",)) if p in PARAM_INFO))
        hit = Loaded(scenario, [p for p, _, _ in chain],
                     {doc.file: digest for _, doc, digest in chain}, origin)
        _remember(_SCENARIOS, key, hit)
    return Loaded(hit.scenario.model_copy(deep=True), list(hit.files), dict(hit.hashes),
                  hit.origin)


def load_scenario(name_or_path: str | Path, directory: Path = SCENARIOS_DIR) -> Scenario:
    """A validated scenario, by name (in ``directory``) or by file path."""
    return load_resolved(name_or_path, directory).scenario


def validate_file(path: str | Path, directory: Path = SCENARIOS_DIR) -> list[Issue]:
    """Every problem in a scenario file (empty when it is valid)."""
    try:
        load_resolved(path, directory)
    except ScenarioError as exc:
        return exc.issues
    return []
