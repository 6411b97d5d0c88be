"""Validation of a merged scenario mapping, with every problem located in its file.

pydantic (sim/scenario/schema.py) checks structure, types and ranges; the checks here add what
needs context: fact ids, event parameter paths and months, state codes of stated positions.
Every problem becomes an :class:`Issue` with file, line, dotted key, expected and found.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.model.facts import MODELLING, load_facts
from sim.model.parameters import PARAM_INFO, value_problem
from sim.model.parameters import bound_text as num
from sim.model.world import MONTH_PATTERN, coalition_states, months_between
from sim.scenario.designs import DEFAULT_DESIGN, apply_design, design_names
from sim.scenario.errors import Issue, ScenarioError, did_you_mean, found_repr
from sim.scenario.schema import Scenario
from sim.scenario.yaml_safe import Document, dotted, is_finite_number

COUNTRY_ALIASES = {"UK": "GB", "EL": "GR", "GER": "DE", "ENG": "GB", "TR": "TR", "USA": "US"}
"""Common non-ISO spellings of state codes, for "did you mean"."""


@dataclass(frozen=True)
class Origin:
    """Where a key was written: file, line and depth in the extends chain (0 = top ancestor)."""

    file: str
    line: int
    depth: int = 0


class _Locator:
    def __init__(self, origin: dict[tuple, Origin], file: str):
        self.origin, self.file = origin, file

    def __call__(self, loc: tuple) -> tuple[str, int | None]:
        for n in range(len(loc), -1, -1):
            hit = self.origin.get(tuple(loc[:n]))
            if hit is not None:
                return hit.file, hit.line
        return self.file, (1 if self.origin else None)

    def depth(self, loc: tuple) -> int:
        hit = self.origin.get(tuple(loc))
        return hit.depth if hit else -1

    def issue(self, loc: tuple, message: str, **kw: Any) -> Issue:
        file, line = self(loc)
        return Issue(message, file, line, dotted(loc) or None, **kw)


# --- facts ---------------------------------------------------------------------------------

@cache
def _fact_ids() -> frozenset[str]:
    return frozenset(load_facts()) | {MODELLING}


def _check_fact_list(value: Any, loc: tuple, at: _Locator) -> list[Issue]:
    issues = []
    if not isinstance(value, list):
        return issues  # pydantic reports the type
    for i, fid in enumerate(value):
        if isinstance(fid, str) and fid not in _fact_ids():
            issues.append(at.issue((*loc, i), f"unknown fact id {fid!r}",
                                   expected="an id in seeds/facts.yaml", found=repr(fid),
                                   suggestion=did_you_mean(fid, sorted(_fact_ids()))))
    return issues


def check_document_facts(doc: Document) -> None:
    """Unknown ids in a file's own top-level ``facts`` list, and ``overrides`` (set by
    ``--set`` and ``with_overrides``, never by a file): raised, located in that file."""
    origin = {k: Origin(doc.file, line) for k, line in doc.lines.items()}
    at = _Locator(origin, doc.file)
    issues = _check_fact_list(doc.data.get("facts"), ("facts",), at)
    if "overrides" in doc.data:
        issues.append(at.issue(("overrides",), "overrides are not written in scenario files",
                               expected="the values under 'parameters' (or --set PATH=VALUE "
                                        "on the command line)",
                               found=found_repr(doc.data["overrides"])))
    if issues:
        raise ScenarioError(issues)


# --- checks that need context --------------------------------------------------------------

def _world_codes(world: Any) -> tuple[list[str], list[str]] | None:
    """Codes and names of the scenario's world, or None when the world is malformed."""
    if world is None or world == "coalition":
        states = coalition_states()
        return [s.code for s in states], [s.name for s in states]
    if isinstance(world, list) and all(isinstance(s, dict) for s in world):
        return ([str(s.get("code")) for s in world], [str(s.get("name", "")) for s in world])
    return None


def suggest_code(word: str, codes: list[str], names: list[str]) -> str | None:
    """Closest state code to ``word`` (by code, common alias, or state name)."""
    upper = word.upper()
    if COUNTRY_ALIASES.get(upper) in codes:
        return COUNTRY_ALIASES[upper]
    by_name = {n.lower(): c for c, n in zip(codes, names, strict=True) if n}
    starts = [c for n, c in by_name.items() if len(word) >= 2 and n.startswith(word.lower())]
    if len(starts) == 1:  # GE, GER → Germany's DE
        return starts[0]
    name = did_you_mean(word, list(by_name), cutoff=0.75)
    if name is not None:
        return by_name[name.lower()]
    return did_you_mean(word, codes, cutoff=0.5)


def _check_events(data: dict[str, Any], at: _Locator) -> tuple[list[Issue], set[tuple]]:
    issues: list[Issue] = []
    covered: set[tuple] = set()
    events = data.get("events")
    horizon = data.get("horizon", Scenario.model_fields["horizon"].default)
    if not isinstance(events, list):
        return issues, covered
    for i, ev in enumerate(events):
        if not isinstance(ev, dict):
            continue
        month = ev.get("month")
        if (isinstance(horizon, int) and not isinstance(horizon, bool) and horizon >= 1
                and isinstance(month, int) and not isinstance(month, bool) and month > horizon):
            issues.append(at.issue(("events", i, "month"), "event after the horizon",
                                   expected=f"a month from 1 to the horizon ({horizon})",
                                   found=str(month)))
        issues += _check_fact_list(ev.get("facts"), ("events", i, "facts"), at)
        design = ev.get("design")
        if design is not None and (not isinstance(design, str) or design not in design_names()):
            issues.append(at.issue(("events", i, "design"), "unknown design",
                                   expected="one of " + ", ".join(design_names()),
                                   found=found_repr(design),
                                   suggestion=did_you_mean(str(design), design_names())))
            covered.add(("events", i, "design"))
        pos_issues, pos_covered = _check_position_map(ev.get("positions"), ("events", i, "positions"),
                                                      data, at)
        issues += pos_issues
        covered |= pos_covered
        changes = ev.get("set")
        if not isinstance(changes, dict):
            continue
        covered.add(("events", i, "set"))
        for path, value in changes.items():
            loc = ("events", i, "set", path)
            problem = value_problem(str(path), value)
            if problem is not None:
                message = (f"unknown parameter {path!r}" if problem.problem == "unknown parameter"
                           else problem.problem)
                issues.append(at.issue(loc, message, expected=problem.expected,
                                       found=found_repr(value) if problem.problem not in (
                                           "unknown parameter", "wrong type") else (
                                           repr(path) if problem.problem == "unknown parameter"
                                           else _typed(value)),
                                       suggestion=problem.suggestion))
    return issues, covered


def _check_number(value: Any, loc: tuple, lo: float, hi: float, unit: str,
                  at: _Locator) -> list[Issue]:
    what = f"a number from {num(lo)} to {num(hi)}" + (f" ({unit})" if unit else "")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [at.issue(loc, "wrong type", expected=what, found=_typed(value))]
    if not is_finite_number(value):
        return [at.issue(loc, "not a finite number", expected=what, found=found_repr(value))]
    if not lo <= value <= hi:
        return [at.issue(loc, "value out of range", expected=what, found=found_repr(value))]
    return []


def _check_positions(data: dict[str, Any], at: _Locator) -> tuple[list[Issue], set[tuple]]:
    return _check_position_map(data.get("positions"), ("positions",), data, at)


def _check_position_map(positions: Any, where: tuple, data: dict[str, Any],
                        at: _Locator) -> tuple[list[Issue], set[tuple]]:
    """State codes known to the world (with did-you-mean), facts cited, shifts in range."""
    issues: list[Issue] = []
    covered: set[tuple] = set()
    world = _world_codes(data.get("world", "coalition"))
    if not isinstance(positions, dict):
        return issues, covered
    world_depth = at.depth(("world",))
    for code, pos in positions.items():
        loc = (*where, code)
        known = at.depth(loc) >= 0  # a scenario re-validated without files: checked before
        if known and world is not None and code not in world[0] and at.depth(loc) >= world_depth:
            shown = ", ".join(world[0][:8]) + (", ..." if len(world[0]) > 8 else "")
            issues.append(at.issue(loc, f"unknown state code {code!r}",
                                   expected=f"a state code of this world ({shown})",
                                   found=repr(code), suggestion=suggest_code(code, *world)))
        if not isinstance(pos, dict):
            continue
        issues += _check_fact_list(pos.get("facts"), (*loc, "facts"), at)
        issues += _check_position_months(pos, loc, data, at)
        shift = pos.get("shift")
        if isinstance(shift, dict):
            covered.add((*loc, "shift"))
            for mode, x in shift.items():
                issues += _check_number(x, (*loc, "shift", mode), -10, 10, "assurance", at)
    return issues, covered


def _check_position_months(pos: dict[str, Any], loc: tuple, data: dict[str, Any],
                           at: _Locator) -> list[Issue]:
    """A position that would never hold: ``until`` before the scenario's start, or ``start``
    after its last month (months are checked for form by the schema)."""
    start = data.get("start", Scenario.model_fields["start"].default)
    horizon = data.get("horizon", Scenario.model_fields["horizon"].default)
    if not (isinstance(start, str) and re.match(MONTH_PATTERN, start)):
        return []
    issues = []
    until, begins = pos.get("until"), pos.get("start")
    if isinstance(until, str) and re.match(MONTH_PATTERN, until) and until < start:
        issues.append(at.issue((*loc, "until"), "until is before the scenario's start",
                               expected=f"a month from the scenario's start ({start}) on",
                               found=repr(until)))
    if (isinstance(begins, str) and re.match(MONTH_PATTERN, begins)
            and isinstance(horizon, int) and not isinstance(horizon, bool)
            and months_between(start, begins) > horizon):
        issues.append(at.issue((*loc, "start"), "position starts after the last month",
                               expected=f"a month within the scenario ({start} + {horizon} "
                                        "months)", found=repr(begins)))
    return issues


def _check_world(data: dict[str, Any], at: _Locator) -> list[Issue]:
    world = data.get("world")
    issues: list[Issue] = []
    if isinstance(world, str) and world != "coalition":
        issues.append(at.issue(("world",), "unknown world",
                               expected="'coalition' or a list of states", found=repr(world),
                               suggestion=did_you_mean(world, ["coalition"])))
    if isinstance(world, list):
        if not world:
            issues.append(at.issue(("world",), "empty world",
                                   expected="at least one state", found="an empty list"))
        seen: dict[str, int] = {}
        for i, s in enumerate(world):
            code = s.get("code") if isinstance(s, dict) else None
            if isinstance(code, str):
                if code in seen:
                    issues.append(at.issue(("world", i, "code"), f"duplicate state code {code!r}",
                                           expected="each code once",
                                           found=f"{code!r} again (first at world[{seen[code]}])"))
                seen.setdefault(code, i)
    return issues


def _check_bools(data: Any, loc: tuple, at: _Locator, out: list[Issue]) -> list[Issue]:
    """true/false where a number is expected (pydantic would read it as 1 or 0)."""
    if isinstance(data, dict):
        for k, v in data.items():
            _check_bools(v, (*loc, k), at, out)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _check_bools(v, (*loc, i), at, out)
    elif isinstance(data, bool) and loc and isinstance(loc[-1], str):
        model = _model_at(loc[:-1])
        f = model.model_fields.get(loc[-1]) if model else None
        if f is not None and f.annotation in (int, float):
            lo, hi = _field_bounds(loc)
            what = _TYPE_WORDS["int" if f.annotation is int else "float"]
            if lo is not None and hi is not None:
                what += f" from {num(lo)} to {num(hi)}"
            out.append(at.issue(loc, "wrong type", expected=what + _unit(loc),
                                found=_typed(data)))
    return out


def _check_name(data: dict[str, Any], expected_name: str | None, at: _Locator) -> list[Issue]:
    name = data.get("name")
    if expected_name and isinstance(name, str) and name != expected_name:
        return [at.issue(("name",), "name differs from the file name",
                         expected=repr(expected_name), found=repr(name))]
    return []


# --- pydantic errors -----------------------------------------------------------------------

_TYPE_WORDS = {
    "float": "a number", "int": "a whole number", "bool": "true or false", "string": "text",
    "dict": "a mapping", "model": "a mapping", "model_attributes": "a mapping",
    "list": "a list", "literal": "one of the allowed words",
}
_FORMATS = {
    "start": 'a month as "YYYY-MM" in quotes (years 1900 to 2199), e.g. "2025-09"',
    "until": 'a month as "YYYY-MM" in quotes (years 1900 to 2199), e.g. "2026-03"',
    "next_election": 'a month as "YYYY-MM" in quotes (years 1900 to 2199), e.g. "2027-05"',
    "name": "lowercase letters, digits, '-' or '_' (the file name without .yaml)",
}


def _typed(value: Any) -> str:
    kind = {bool: "true/false", int: "a whole number", float: "a number", str: "text",
            dict: "a mapping", list: "a list", type(None): "nothing"}
    for t, word in kind.items():
        if type(value) is t:
            return found_repr(value) if t in (str, int, float, bool) and t is not type(
                None) else word
    return f"{type(value).__name__} {found_repr(value)}"


def _strip_union(loc: tuple, data: dict[str, Any]) -> tuple | None:
    """Drop pydantic's union branch tags from ``loc``; None for the branch that does not apply."""
    out: list[Any] = []
    node: Any = data
    for i, part in enumerate(loc):
        tag = i == 1 and loc[0] == "world"  # the one union in the schema
        if tag and isinstance(part, str) and part.startswith(("list[", "literal[")):
            wanted_list = part.startswith("list[")
            if wanted_list != isinstance(node, list):
                return None
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that holds the keys at ``loc`` (for lists of allowed keys)."""
    current: Any = Scenario
    i = 0
    while i < len(loc):
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        f = current.model_fields.get(loc[i]) if isinstance(loc[i], str) else None
        if f is None:
            return None
        current, i = _unwrap(f.annotation), i + 1
        while (typing.get_origin(current) in (dict, list)) and i < len(loc):
            current, i = _unwrap(typing.get_args(current)[-1]), i + 1
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(ann: Any) -> Any:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        for arg in typing.get_args(ann):
            if typing.get_origin(arg) in (list, dict) or (
                    isinstance(arg, type) and issubclass(arg, BaseModel)):
                return arg
    return ann


def _field_bounds(loc: tuple) -> tuple[Any, Any]:
    model = _model_at(loc[:-1])
    f = model.model_fields.get(loc[-1]) if model and isinstance(loc[-1], str) else None
    lo = hi = None
    for m in (f.metadata if f else ()):
        lo = next((getattr(m, a) for a in ("ge", "gt") if getattr(m, a, None) is not None), lo)
        hi = next((getattr(m, a) for a in ("le", "lt") if getattr(m, a, None) is not None), hi)
    return lo, hi


def _unit(loc: tuple) -> str:
    if loc and loc[0] == "parameters":
        info = PARAM_INFO.get(".".join(str(p) for p in loc[1:]))
        if info and info.unit:
            return f" ({info.unit})"
    return ""


def _from_pydantic(err: dict[str, Any], loc: tuple, at: _Locator) -> Issue:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    field_name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = list(model.model_fields) if model else []
        return at.issue(loc, "unknown key",
                        expected="one of: " + ", ".join(allowed) if allowed else None,
                        found=repr(loc[-1]),
                        suggestion=did_you_mean(str(loc[-1]), allowed))
    if kind == "missing":
        return at.issue(loc, f"missing key {loc[-1]!r}",
                        expected=f"a value for {loc[-1]!r}", found="nothing")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        lo, hi = _field_bounds(loc)
        if lo is not None and hi is not None:
            what = f"a number from {num(lo)} to {num(hi)}"
        else:
            op = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">",
                  "less_than": "<"}[kind]
            what = f"a number {op} {num(next(iter(ctx.values()), 0))}"
        return at.issue(loc, "value out of range", expected=what + _unit(loc),
                        found=found_repr(value))
    if kind == "finite_number":
        return at.issue(loc, "not a finite number", expected="a finite number" + _unit(loc),
                        found=found_repr(value))
    if kind == "string_pattern_mismatch" or (field_name in _FORMATS and kind == "string_type"):
        return at.issue(loc, "wrong format",
                        expected=_FORMATS.get(field_name, f"text matching {ctx.get('pattern')}"),
                        found=_typed(value) if not hasattr(value, "isoformat")
                        else f"{value.isoformat()} (a date; quote it and drop the day)")
    if kind == "literal_error":
        options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(" or ", ", ")
                   .split(",")]
        key_loc = loc[:-1] if loc and loc[-1] == "[key]" else loc
        return at.issue(key_loc, "unknown key" if loc[-1:] == ("[key]",) else "not allowed",
                        expected="one of: " + ", ".join(options), found=_typed(value),
                        suggestion=did_you_mean(str(value), options))
    if kind in ("string_too_short", "too_short"):
        n = ctx.get("min_length", 1)
        return at.issue(loc, "too short", expected=f"at least {n} "
                        + ("character" if kind == "string_too_short" else "item")
                        + ("s" if n != 1 else ""), found=_typed(value))
    if kind in ("string_too_long", "too_long"):
        return at.issue(loc, "too long", expected=f"at most {ctx.get('max_length')}",
                        found=_typed(value))
    base = kind.split("_")[0] if not kind.startswith("model_attributes") else "model_attributes"
    if kind.endswith(("_type", "_parsing", "_from_float")) or kind in ("int_from_float",):
        expected = _TYPE_WORDS.get(base, base)
        if base in ("float", "int"):
            lo, hi = _field_bounds(loc)
            if lo is not None and hi is not None:
                expected = f"{expected} from {num(lo)} to {num(hi)}"
            expected += _unit(loc)
        return at.issue(loc, "wrong type", expected=expected, found=_typed(value))
    message = str(ctx.get("error", err.get("msg", kind)))
    return at.issue(loc, message, found=_typed(value) if value is not None else None)


def _merge_missing(issues: list[Issue]) -> list[Issue]:
    """One issue per mapping for its missing keys."""
    out: list[Issue] = []
    groups: dict[tuple[str | None, int | None, str], list[Issue]] = {}
    for i in issues:
        if i.message.startswith("missing key"):
            parent = (i.key or "").rsplit(".", 1)[0] if "." in (i.key or "") else ""
            groups.setdefault((i.file, i.line, parent), []).append(i)
        else:
            out.append(i)
    for (file, line, parent), group in groups.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        names = [g.key.rsplit(".", 1)[-1] if g.key else "?" for g in group]
        out.append(Issue(f"missing keys: {', '.join(names)}", file, line, parent or None,
                         expected="a value for each", found="nothing"))
    return out


# --- entry point ---------------------------------------------------------------------------

MAX_SEED = 2**63 - 1
"""Largest seed a run may use (replicate i uses seed + i)."""


def _check_seed_range(scenario: Scenario, at: _Locator) -> list[Issue]:
    """The last replicate's seed, seed + replicates - 1, must be a valid seed too."""
    last = scenario.seed + scenario.replicates - 1
    if last <= MAX_SEED:
        return []
    return [at.issue(("seed",), "seed too large for the replicates: replicate i uses seed + i",
                     expected=f"seed + replicates - 1 at most 2**63 - 1 = {MAX_SEED} (seed at "
                              f"most {MAX_SEED - scenario.replicates + 1} for "
                              f"{scenario.replicates:,} replicates)",
                     found=f"seed {scenario.seed} + {scenario.replicates:,} replicates - 1 = "
                           f"{last}")]


def check_scenario(data: dict[str, Any], origin: dict[tuple, Origin], file: str,
                   expected_name: str | None = None) -> Scenario:
    """The validated scenario; every problem found raised together as a ScenarioError."""
    at = _Locator(origin, file)
    issues = _check_name(data, expected_name, at) + _check_world(data, at)
    design = data.get("design", DEFAULT_DESIGN)
    if not isinstance(design, str) or design not in design_names():
        issues.append(at.issue(("design",), "unknown design",
                               expected="one of " + ", ".join(design_names()),
                               found=found_repr(design),
                               suggestion=did_you_mean(str(design), design_names())))
        data = {k: v for k, v in data.items() if k != "design"}
    else:
        data = apply_design({**_copy(data), "design": design})
    event_issues, covered_events = _check_events(data, at)
    pos_issues, covered_pos = _check_positions(data, at)
    issues += event_issues + pos_issues + _check_bools(data, (), at, [])
    covered = covered_events | covered_pos
    flagged = {i.key for i in issues}
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        found = []
        for err in exc.errors(include_url=False):
            loc = _strip_union(tuple(err["loc"]), data)
            if loc is None:
                continue
            if err["type"] == "value_error" and any(loc[: len(c)] == c for c in covered):
                continue
            if loc[:1] == ("world",) and isinstance(data.get("world"), str):
                continue  # reported by _check_world
            issue = _from_pydantic(err, loc, at)
            if issue.key not in flagged:
                found.append(issue)
        issues += _merge_missing(found)
    if scenario is not None:
        issues += _check_seed_range(scenario, at)
    if issues:
        order = {file: 0}
        issues.sort(key=lambda i: (order.get(i.file or "", 1), i.file or "", i.line or 0))
        raise ScenarioError(issues)
    assert scenario is not None
    return scenario


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough that applying a design does not change the caller's data."""
    out = dict(data)
    params = out.get("parameters")
    if isinstance(params, dict):
        out["parameters"] = dict(params)
    return out
