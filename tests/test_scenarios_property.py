"""Property: mutating a valid scenario never produces a traceback, only located messages."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.validate import validate_one
from sim.scenario.loader import SCENARIOS_DIR

SEEDS = ["sep-2025-paris", "us-backstop-erodes", "dec-2025-assets", "base", "record-2025"]
WHAT_IF = """\
name: mutant
description: Every what-if key at once.
extends: sep-2025-paris
design: air-sea-presence
hypothetical: a test of every key
positions:
  DE:
    shift: {ground: -0.5}
    troops: 10000
    aircraft: 12
    warships: 2
    deployable_share: 0.05
    pledged: [financing]
    start: "2025-10"
    until: "2026-06"
    hypothetical: Germany changes its mind
    note: a hypothetical position
parameters:
  us.frustration0: 0.4
events:
  - month: 3
    design: tripwire
    note: a new design
    hypothetical: test
  - month: 5
    set: {russia.growth0: 0.5}
    positions:
      IT: {shift: {ground: -0.3}, facts: [it_es_need_us_role]}
    note: Italy moves
    facts: [stat_russia_growth_2025]
"""
CLASSROOM = """\
name: mutant
description: Two-state world.
horizon: 6
world:
  - {code: AA, name: Alpha, lat: 50, lon: 20, gdp_usd_bn: 500, active_personnel: 1000,
     defence_pct_gdp: 2, border_russia_belarus: false, combat_aircraft: 5, major_warships: 1,
     deployment_approval: government}
  - {code: BB, name: Beta, lat: 48, lon: 10, gdp_usd_bn: 50, active_personnel: 100,
     defence_pct_gdp: 1, border_russia_belarus: true, combat_aircraft: 0, major_warships: 0,
     deployment_approval: parliament, next_election: "2026-01"}
"""

junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["coalition", "GB", "2025-13", "2025-09", ".nan", "-1", "1e9", "DE"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2),
)
raw_junk = st.sampled_from([
    "!!python/object/apply:os.system ['true']", "*undefined", "&a [*a]", "{", "]", "!custom 1",
    "!!binary aGVsbG8=", "!!set {a, b}", "'unterminated", "@reserved", "\t", "- - -",
])


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(data: dict, path: tuple, action: str, value: Any, key: str) -> None:
    if not path:
        data[key] = value
        return
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "rename" and isinstance(parent, dict):
        parent[key or "x"] = parent.pop(last)
    elif action == "insert" and isinstance(parent[last], dict):
        parent[last][key] = value
    else:
        parent[last] = value


@st.composite
def mutated(draw: Any) -> str:
    source = draw(st.sampled_from([*SEEDS, "classroom", "what-if", "what-if"]))
    text = {"classroom": CLASSROOM, "what-if": WHAT_IF}.get(source) or (
        SCENARIOS_DIR / f"{source}.yaml").read_text()
    data = yaml.safe_load(text)
    data["name"] = "mutant"
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "rename", "insert"]))
        if not path and action in ("delete", "rename"):
            action = "insert"
        with contextlib.suppress(KeyError, IndexError, TypeError):
            _mutate(data, path, action, draw(junk), draw(st.text(min_size=0, max_size=10)))
    out = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if draw(st.booleans()):  # also damage the text itself
        lines = out.splitlines()
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        lines.insert(i, draw(st.sampled_from(["  ", "x: ", "- ", ""])) + draw(raw_junk))
        out = "\n".join(lines)
    return out


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_scenarios_never_raise(tmp_path_factory: Any, text: str):
    path = tmp_path_factory.mktemp("m") / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    issues = validate_one(path)  # must not raise, whatever the text
    for issue in issues:
        assert issue.message and issue.file and issue.file.endswith("mutant.yaml")
        assert "Traceback" not in str(issue)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_scenarios_via_cli(tmp_path_factory: Any, text: str):
    path: Path = tmp_path_factory.mktemp("c") / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 2), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    if proc.returncode == 2:
        assert "mutant.yaml" in proc.stderr
