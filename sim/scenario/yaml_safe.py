"""Safe YAML for scenario files: plain data only, bounded size, a line number for every key.

The one reader of YAML input: scenario files, sweep and sensitivity specs. Files are read
only if they are regular files (not a FIFO, a device or a folder), and at most MAX_BYTES + 1
bytes of them. Tags that build Python objects (``!!python/...``) and any custom tag are
refused, as are alias bombs (more than MAX_ALIASES aliases, or a document that expands past
MAX_NODES values), recursive aliases and nesting deeper than MAX_DEPTH; each refusal names
the limit it hit and the line.
Dotted keys under ``parameters`` (``us.backstop: {...}``) expand into nested mappings. The
result is the data and a map from each key path (a tuple) to the line it is written on.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)
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
    """SafeLoader that knows its file, and reads ``1e300`` and ``1.0e300`` as numbers (YAML
    1.2; YAML 1.1 wants a dot and a signed exponent, ``1.0e+300``, and reads the others as
    text)."""

    def __init__(self, stream: str, file: str):
        super().__init__(stream)
        self.file = file


_SCIENTIFIC = re.compile(r"^[-+]?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_Loader.add_implicit_resolver(_YAML + "float", _SCIENTIFIC, list("-+.0123456789"))
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")


def _scan(text: str, file: str, what: str) -> int:
    """Walk the YAML events (no recursion): refuse too many aliases and too deep nesting,
    each with the line (and key) where the limit was passed; the number of aliases."""
    aliases = 0
    stack: list[list[Any]] = []  # per open collection: [is_mapping, wants_key, key, index]

    def value_done() -> None:
        if stack:
            top = stack[-1]
            if top[0]:
                top[1] = True
            else:
                top[3] += 1

    def is_key() -> bool:
        if stack and stack[-1][0] and stack[-1][1]:
            stack[-1][1] = False
            return True
        return False

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, CollectionStartEvent):
            if is_key():
                stack[-1][2] = None
            if len(stack) >= MAX_DEPTH:
                path = tuple(f[2] if f[0] else f[3] for f in stack)
                raise ScenarioError(f"{what} nested too deeply", file=file,
                                    line=event.start_mark.line + 1,
                                    key=dotted(tuple(p for p in path[:2] if p is not None))
                                    or None,
                                    expected=f"at most {MAX_DEPTH} levels of nesting (lists "
                                             "and mappings)",
                                    found=f"more than {MAX_DEPTH} levels")
            stack.append([isinstance(event, MappingStartEvent), True, None, 0])
        elif isinstance(event, CollectionEndEvent):
            stack.pop()
            value_done()
        elif isinstance(event, ScalarEvent | AliasEvent):
            if isinstance(event, AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise ScenarioError("too many YAML aliases (*name); refused", file=file,
                                        line=event.start_mark.line + 1,
                                        expected=f"at most {MAX_ALIASES} aliases in a file",
                                        found=f"more than {MAX_ALIASES}")
            if is_key():
                stack[-1][2] = event.value if isinstance(event, ScalarEvent) else None
            else:
                value_done()
    return aliases


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _check_size(node: Node, file: str, aliases: int = 0) -> None:
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
            how = (f"with its {aliases} aliases expanded" if aliases else "(it uses no alias)")
            raise ScenarioError(f"YAML document expands to too many values {how}; refused",
                                file=file, line=_line(n),
                                expected=f"at most {MAX_NODES:,} values (keys, list items and "
                                         "values, counted in full) in a file",
                                found=f"{total:,} or more")
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

    def __init__(self, loader: _Loader, file: str, what: str = "scenario",
                 dotted_sections: tuple[str, ...] = DOTTED_SECTIONS):
        self.loader, self.file, self.what = loader, file, what
        self.dotted_sections = dotted_sections
        self.lines: dict[Path_, int] = {}

    def fail(self, node: Node, message: str, path: Path_, **kw: Any) -> ScenarioError:
        return ScenarioError(message, file=self.file, line=_line(node),
                             key=dotted(path) or None, **kw)

    def build(self, node: Node, path: Path_, dotted_keys: bool = False) -> Any:
        if len(path) > MAX_DEPTH:
            raise self.fail(node, f"{self.what} nested too deeply", path[:2],
                            expected=f"at most {MAX_DEPTH} levels of nesting",
                            found="deeper nesting")
        if node.tag not in ALLOWED_TAGS:
            raise self.fail(node, f"YAML tag not allowed in a {self.what} (only plain data)",
                            path,
                            expected="plain YAML values (text, numbers, true/false, lists, "
                                     "mappings)", found=node.tag.replace(_YAML, "!!"))
        if isinstance(node, ScalarNode):
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.YAMLError as exc:
                raise self.fail(node, f"cannot read value: {exc}", path) from None
            if node.tag in (_YAML + "int", _YAML + "float") and node.style is None and (
                    _SEXAGESIMAL.match(node.value) or _OCTAL.match(node.value)):
                octal = bool(_OCTAL.match(node.value))
                raise self.fail(node, "ambiguous number", path,
                                expected="a plain number (e.g. 90), or text in quotes",
                                found=f"{node.value} (YAML 1.1 reads it as "
                                      f"{'the octal' if octal else 'the base-60'} number "
                                      f"{value})")
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
                               dotted_keys or (not path and key in self.dotted_sections))
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


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> ScenarioError:
    line = text[: max(exc.position, 0)].count("\n") + 1
    char = exc.character
    code = ord(char) if isinstance(char, str) else char if isinstance(char, int) else None
    shown = f"character U+{code:04X}" if code is not None else repr(char)
    return ScenarioError("file holds a character YAML does not allow", file=file, line=line,
                         expected="printable text", found=f"{shown} ({exc.reason})")


def parse(text: str, file: str, *, what: str = "scenario",
          dotted_sections: tuple[str, ...] = DOTTED_SECTIONS) -> Document:
    """Parse YAML text: safe, bounded, with lines; a top-level mapping is required.

    ``what`` names the kind of file in messages; keys of the top-level ``dotted_sections``
    may be dotted paths (expanded into nested mappings)."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ScenarioError(f"file too large for a {what}", file=file,
                            expected=f"at most {MAX_BYTES:,} bytes")
    loader = None
    try:
        aliases = _scan(text, file, what)
        loader = _Loader(text, file)
        node = loader.get_single_node()
    except ScenarioError:
        raise
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.MarkedYAMLError as exc:
        raise _mark_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {exc}", file=file) from None
    except RecursionError:
        raise ScenarioError(f"{what} nested too deeply", file=file,
                            expected=f"at most {MAX_DEPTH} levels of nesting") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise ScenarioError(f"empty {what} file", file=file, line=1,
                            expected="a mapping of keys to values", found="nothing")
    _check_size(node, file, aliases)
    if not isinstance(node, MappingNode) or node.tag not in ALLOWED_TAGS:
        found = "a list" if isinstance(node, SequenceNode) else "a single value"
        if node.tag not in ALLOWED_TAGS:
            found = node.tag.replace(_YAML, "!!")
        raise ScenarioError(f"a {what} file must be a mapping of keys to values",
                            file=file, line=_line(node),
                            expected="keys such as name, description, ...", found=found)
    builder = _Builder(loader, file, what, dotted_sections)
    data = builder.build(node, ())
    builder.lines[()] = _line(node)
    return Document(file, data, builder.lines, text)


def read_regular(path: str | Path, limit: int, what: str = "scenario",
                 display: str | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened without blocking (a FIFO is refused, not waited on) and read at most ``limit`` + 1
    bytes (a device such as /dev/zero is refused before reading). ScenarioError otherwise.
    """
    file = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ScenarioError(f"{what} file not found", file=file) from None
    except OSError as exc:
        reason = ("a symbolic link loop" if exc.errno == errno.ELOOP
                  else exc.strerror or str(exc))
        raise ScenarioError(f"cannot read {what} file ({reason})", file=file) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ScenarioError(f"expected a {what} file, found a folder", file=file)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                    "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                    "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise ScenarioError(f"expected a {what} file, found {kind}", file=file,
                                expected="a regular file")
        if st.st_size > limit:
            raise ScenarioError(f"file too large for a {what}", file=file,
                                expected=f"at most {limit:,} bytes", found=f"{st.st_size:,}")
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
    except OSError as exc:
        raise ScenarioError(f"cannot read {what} file ({exc.strerror or exc})",
                            file=file) from None
    finally:
        os.close(fd)
    if size > limit:
        raise ScenarioError(f"file too large for a {what}", file=file,
                            expected=f"at most {limit:,} bytes", found=f"more than {limit:,}")
    return b"".join(chunks)


def decode(raw: bytes, file: str) -> str:
    """UTF-8 text of ``raw`` (ScenarioError with the line of the first bad byte)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("file is not UTF-8 text", file=file, line=line,
                            expected="UTF-8 text", found=f"byte 0x{raw[exc.start]:02x}") from None


def read(path: Path, display: str | None = None, *, what: str = "scenario",
         dotted_sections: tuple[str, ...] = DOTTED_SECTIONS) -> Document:
    """Read and parse a YAML file (missing, unreadable, not regular, too large or non-UTF-8
    → ScenarioError)."""
    file = display or str(path)
    raw = read_regular(path, MAX_BYTES, what, file)
    return parse(decode(raw, file), file, what=what, dotted_sections=dotted_sections)


def is_finite_number(x: Any) -> bool:
    """A real number that is neither NaN nor infinite (bools are not numbers here)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
