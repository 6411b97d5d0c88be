"""Safe YAML for scenario files: plain data only, bounded size, a line number for every key.

Tags that build Python objects (``!!python/...``) and any custom tag are refused, as are alias
bombs (too many aliases, or a document that expands past a size limit) and recursive aliases.
Dotted keys under ``parameters`` (``us.backstop: {...}``) expand into nested mappings. The
result is the data and a map from each key path (a tuple) to the line it is written on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.scenario.errors import ScenarioError

MAX_BYTES = 1_000_000
"""Largest scenario file accepted."""
MAX_ALIASES = 100
"""Most aliases (``*name``) a scenario file may use."""
MAX_NODES = 100_000
"""Most values a scenario file may expand to (anchors and aliases counted in full)."""
MAX_DEPTH = 40
"""Deepest nesting of lists and mappings accepted."""
DOTTED_SECTIONS = ("parameters",)
"""Top-level sections whose keys may be dotted paths."""

_YAML = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_YAML + t for t in
                         ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge"))

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed scenario file: its data and the line of every key path."""

    file: str
    data: dict[str, Any]
    lines: dict[Path_, int]
    text: str


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases while composing."""

    def __init__(self, stream: str, file: str):
        super().__init__(stream)
        self.file = file
        self.aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise ScenarioError("too many YAML aliases (possible alias bomb); refused",
                                    file=self.file, line=mark.line + 1,
                                    expected=f"at most {MAX_ALIASES} aliases",
                                    found=f"more than {MAX_ALIASES}")
        return super().compose_node(parent, index)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _check_size(node: Node, file: str) -> None:
    """Refuse recursive aliases and documents that expand past MAX_NODES."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: Node) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ScenarioError("recursive YAML alias; refused", file=file, line=_line(n),
                                expected="plain data without self-reference",
                                found="an alias inside its own anchor")
        active.add(key)
        total = 1
        if isinstance(n, SequenceNode):
            total += sum(size(c) for c in n.value)
        elif isinstance(n, MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        active.discard(key)
        sizes[key] = total
        if total > MAX_NODES:
            raise ScenarioError("YAML document expands to too many values (alias bomb?); refused",
                                file=file, line=_line(n),
                                expected=f"at most {MAX_NODES:,} values", found=f"{total:,}+")
        return total

    size(node)


def _mark_error(exc: yaml.MarkedYAMLError, file: str) -> ScenarioError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "cannot read YAML"
    if exc.context:
        problem = f"{exc.context}, {problem}"
    return ScenarioError(f"YAML syntax error: {problem}", file=file,
                         line=mark.line + 1 if mark else None)


class _Builder:
    """Node tree → plain data, recording the line of every key path."""

    def __init__(self, loader: _Loader, file: str):
        self.loader, self.file = loader, file
        self.lines: dict[Path_, int] = {}

    def fail(self, node: Node, message: str, path: Path_, **kw: Any) -> ScenarioError:
        return ScenarioError(message, file=self.file, line=_line(node),
                             key=dotted(path) or None, **kw)

    def build(self, node: Node, path: Path_, dotted_keys: bool = False) -> Any:
        if len(path) > MAX_DEPTH:
            raise self.fail(node, "scenario nested too deeply", path[:2],
                            expected=f"at most {MAX_DEPTH} levels of nesting",
                            found="deeper nesting")
        if node.tag not in ALLOWED_TAGS:
            raise self.fail(node, "YAML tag not allowed in a scenario (only plain data)", path,
                            expected="plain YAML values (text, numbers, true/false, lists, "
                                     "mappings)", found=node.tag.replace(_YAML, "!!"))
        if isinstance(node, ScalarNode):
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise self.fail(node, f"cannot read value: {exc}", path) from None
            if node.tag == _YAML + "int" and isinstance(value, int) and abs(value) > 2**63:
                raise self.fail(node, "number too large", path, expected="a number below 2**63",
                                found=node.value[:40])
            return value
        if isinstance(node, SequenceNode):
            items = []
            for i, c in enumerate(node.value):
                self.lines[(*path, i)] = _line(c)
                items.append(self.build(c, (*path, i)))
            return items
        assert isinstance(node, MappingNode)
        own_keys = {id(k) for k, _ in node.value}
        try:
            self.loader.flatten_mapping(node)  # resolve `<<: *anchor` merge keys
        except yaml.MarkedYAMLError as exc:
            raise _mark_error(exc, self.file) from None
        out: dict[Any, Any] = {}
        merged: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in ALLOWED_TAGS:
                raise self.fail(key_node, "a key must be a plain word", path,
                                expected="a word such as 'horizon'", found="a list or mapping")
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str):
                raise self.fail(key_node, "a key must be a word", path,
                                expected="a word (text) key", found=_scalar_text(key_node))
            parts = key.split(".") if dotted_keys else [key]
            if any(not p for p in parts):
                raise self.fail(key_node, "empty part in a dotted key", (*path, key),
                                expected="a dotted path such as us.backstop_scale",
                                found=repr(key))
            target = out
            for i, part in enumerate(parts[:-1]):
                existing = target.setdefault(part, {})
                if not isinstance(existing, dict):
                    raise self.fail(key_node, "dotted key conflicts with a value set above",
                                    (*path, *parts[: i + 1]), expected="a mapping",
                                    found="a single value")
                target = existing
                self.lines.setdefault((*path, *parts[: i + 1]), _line(key_node))
            sub = (*path, *parts)
            value = self.build(value_node, sub,
                               dotted_keys or (not path and key in DOTTED_SECTIONS))
            last = parts[-1]
            if id(key_node) not in own_keys:
                merged.add(key)
            elif key in merged and target is out:  # an explicit key overrides a merged one
                merged.discard(key)
                target.pop(last, None)
            if last in target:
                clash = _merge_into(target, last, value, sub)
                if clash is None:
                    self.lines.setdefault(sub, _line(key_node))
                    continue
                raise self.fail(key_node, "duplicate key", clash,
                                expected="each key once per mapping",
                                found=f"a second {dotted(clash)!r}")
            target[last] = value
            self.lines[sub] = _line(key_node)
        return out


def _merge_into(target: dict[str, Any], key: str, value: Any, path: Path_) -> Path_ | None:
    """Merge ``value`` into ``target[key]`` when both are mappings; the clashing path or None."""
    old = target[key]
    if not (isinstance(old, dict) and isinstance(value, dict)):
        return path
    for k, v in value.items():
        if k in old:
            clash = _merge_into(old, k, v, (*path, k))
            if clash is not None:
                return clash
        else:
            old[k] = v
    return None


def _scalar_text(node: ScalarNode) -> str:
    return node.value if node.value else "an empty key"


def dotted(path: Path_) -> str:
    """``('events', 0, 'month')`` → ``'events[0].month'``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(text: str, file: str) -> Document:
    """Parse scenario text: safe, bounded, with lines; a top-level mapping is required."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ScenarioError("file too large for a scenario", file=file,
                            expected=f"at most {MAX_BYTES:,} bytes")
    loader = _Loader(text, file)
    try:
        node = loader.get_single_node()
    except ScenarioError:
        raise
    except yaml.MarkedYAMLError as exc:
        raise _mark_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {exc}", file=file) from None
    except RecursionError:
        raise ScenarioError("scenario nested too deeply", file=file,
                            expected=f"at most {MAX_DEPTH} levels of nesting") from None
    finally:
        loader.dispose()
    if node is None:
        raise ScenarioError("empty scenario file", file=file, line=1,
                            expected="a mapping with at least name and description",
                            found="nothing")
    _check_size(node, file)
    if not isinstance(node, MappingNode) or node.tag not in ALLOWED_TAGS:
        found = "a list" if isinstance(node, SequenceNode) else "a single value"
        if node.tag not in ALLOWED_TAGS:
            found = node.tag.replace(_YAML, "!!")
        raise ScenarioError("a scenario file must be a mapping of keys to values",
                            file=file, line=_line(node),
                            expected="keys such as name, description, parameters", found=found)
    builder = _Builder(loader, file)
    data = builder.build(node, ())
    builder.lines[()] = _line(node)
    return Document(file, data, builder.lines, text)


def read(path: Path, display: str | None = None) -> Document:
    """Read and parse a scenario file (missing, unreadable or non-UTF-8 → ScenarioError)."""
    file = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("scenario file not found", file=file) from None
    except IsADirectoryError:
        raise ScenarioError("expected a scenario file, found a folder", file=file) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file ({exc.strerror})", file=file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("file is not UTF-8 text", file=file, line=line,
                            expected="UTF-8 text", found=f"byte 0x{raw[exc.start]:02x}") from None
    return parse(text, file)


def is_finite_number(x: Any) -> bool:
    """A real number that is neither NaN nor infinite (bools are not numbers here)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
