"""Scenarios by name or file, with overrides and named variants, and what they assume.

``load`` validates a scenario; ``with_overrides`` applies parameter paths, top-level keys and
per-state settings (``DE.troops``) and records them; ``variant`` names a what-if;
``hypotheticals`` lists what a scenario assumes without a source; ``scenario_hash`` is what a
run depends on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim.model.parameters import PARAM_INFO, path_problem
from sim.scenario.designs import load_design
from sim.scenario.errors import Issue, ScenarioError, did_you_mean
from sim.scenario.loader import SCENARIOS_DIR, load_resolved
from sim.scenario.schema import Scenario
from sim.scenario.validate import check_scenario, suggest_code

PARAM_INFO_GROUPS = tuple(dict.fromkeys(k.split(".")[0] for k in PARAM_INFO))
SCALAR_KEYS = ("name", "description", "start", "horizon", "replicates", "seed", "design",
               "hypothetical")
"""Top-level scenario keys an override may set besides parameters."""


def load(name_or_path: str | Path | Scenario, directory: Path = SCENARIOS_DIR) -> Scenario:
    """A validated scenario by name (scenarios/NAME.yaml) or file path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    return load_resolved(name_or_path, directory).scenario


PARAMETER_GROUPS = frozenset(PARAM_INFO_GROUPS)
"""First segments of parameter paths (us, sanctions, ..., burden)."""
STATE_KEYS = ("troops", "aircraft", "warships", "deployable_share", "pledged", "start", "until",
              "note", "hypothetical", "facts")
"""Per-state settings an override may set (``DE.troops``), besides ``DE.shift.<mode>``."""
OVERRIDE_SOURCE = "set by an override (with_overrides or --set), no source given"
"""The hypothetical reason recorded for a per-state override that cites nothing."""


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """A copy of ``scenario`` with overrides applied, validated and recorded.

    Keys:

    - a parameter path: ``us.backstop_scale``, ``coalition.peer_weight`` (``coalition-sim
      explain`` lists them);
    - a top-level key: ``name``, ``description``, ``start``, ``horizon``, ``replicates``,
      ``seed``, ``design`` (a design's ``design.*`` values replace the current design's;
      explicit ``design.*`` overrides in the same call still win), ``hypothetical``;
    - a per-state setting ``CODE.key`` for a state of the scenario's world: ``DE.troops``,
      ``DE.aircraft``, ``DE.warships``, ``DE.deployable_share``, ``DE.shift.ground``,
      ``DE.pledged`` (a list of modes, or text "ground,financing"), ``DE.start``,
      ``DE.until`` (YYYY-MM), ``DE.note``, ``DE.hypothetical``, ``DE.facts``. A changed state
      setting is recorded as hypothetical (the facts of the stated position no longer state
      it) unless ``DE.hypothetical`` gives the reason.

    Every override is kept in ``Scenario.overrides`` (and so in run results and manifests).
    Bad keys or values raise ScenarioError naming the key, with "did you mean".
    """
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="python")
    issues: list[Issue] = []
    if "design" in overrides:  # the new design's values replace the old design's
        data["parameters"]["design"] = {}
    codes = [st.code for st in scenario.states()]
    names = [st.name for st in scenario.states()]
    for key, value in overrides.items():
        if key in SCALAR_KEYS:
            data[key] = value
            continue
        head, _, rest = key.partition(".")
        if head not in PARAMETER_GROUPS and rest and head.isalpha() and head.isupper():
            issue = _state_override(data, head, rest, value, codes, names)
            if issue is not None:
                issues.append(issue)
            continue
        problem = path_problem(key)
        if problem is not None:
            issues.append(Issue("unknown parameter", "override", None, key,
                                expected=problem.expected + ", a per-state setting CODE.key "
                                         "or one of " + ", ".join(SCALAR_KEYS),
                                found=problem.found,
                                suggestion=problem.suggestion or did_you_mean(key, SCALAR_KEYS)))
            continue
        node = data["parameters"]
        *groups, leaf = key.split(".")
        for g in groups:
            node = node[g]
        node[leaf] = value
    if issues:
        raise ScenarioError(issues)
    data["overrides"] = {**dict(scenario.overrides), **{k: _plain(v) for k, v in overrides.items()}}
    return check_scenario(data, {}, "override").pin(scenario.written_parameters)


def _plain(value: Any) -> Any:
    """An override value as JSON can keep it."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _state_override(data: dict[str, Any], code: str, rest: str, value: Any, codes: list[str],
                    names: list[str]) -> Issue | None:
    """Apply ``CODE.rest = value`` to the scenario data's positions; an Issue if it is bad."""
    key = f"{code}.{rest}"
    if code not in codes:
        return Issue(f"unknown state code {code!r}", "override", None, key,
                     expected="a state code of this world (" + ", ".join(codes[:8])
                              + (", ..." if len(codes) > 8 else "") + ")",
                     found=repr(code), suggestion=suggest_code(code, codes, names))
    field_, _, mode = rest.partition(".")
    if not ((field_ == "shift" and mode) or (field_ in STATE_KEYS and not mode)):
        return Issue("unknown per-state setting", "override", None, key,
                     expected="CODE." + ", CODE.".join((*STATE_KEYS, "shift.<mode>")),
                     found=repr(rest),
                     suggestion=did_you_mean(rest, [*STATE_KEYS, "shift.ground"]))
    pos = data.setdefault("positions", {}).setdefault(code, {"shift": {}, "facts": []})
    if field_ == "shift":
        pos.setdefault("shift", {})[mode] = value
    elif field_ == "pledged" and isinstance(value, str):
        pos["pledged"] = [m.strip() for m in value.split(",") if m.strip()]
    elif field_ == "facts" and isinstance(value, str):
        pos["facts"] = [f.strip() for f in value.split(",") if f.strip()]
    else:
        pos[field_] = value
    if field_ not in ("facts", "hypothetical", "note"):  # a changed value the user states
        pos["hypothetical"] = pos.get("hypothetical") or OVERRIDE_SOURCE
    return None


def variant(scenario: str | Path | Scenario, name: str, overrides: Mapping[str, Any] | None = None,
            *, hypothetical: str | None = None, description: str | None = None) -> Scenario:
    """A named what-if: ``scenario`` (a name, file or Scenario) with ``overrides`` (see
    :func:`with_overrides`), called ``name`` so that compare and reports label it as such.

    ``hypothetical`` states openly why the variant is assumed (flagged in explain, manifests
    and reports)."""
    base = load(scenario)
    extra: dict[str, Any] = {"name": name}
    if description is not None:
        extra["description"] = description
    if hypothetical is not None:
        extra["hypothetical"] = hypothetical
    return with_overrides(base, {**extra, **dict(overrides or {})})


def hypotheticals(scenario: Scenario) -> list[str]:
    """Everything the scenario assumes without a source, as 'where: reason' lines: its own
    ``hypothetical``, hypothetical positions and events, and a hypothetical force design."""
    out = scenario.hypotheticals()
    design = load_design(scenario.design)
    if design.hypothetical:
        out.append(f"design {design.name}: {design.reason.strip()}")
    for i, e in enumerate(scenario.events):
        if e.design and load_design(e.design).hypothetical:
            out.append(f"events[{i}] (month {e.month}) design {e.design}: "
                       f"{load_design(e.design).reason.strip()}")
    return out


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the resolved scenario's canonical JSON (what a run depends on)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
