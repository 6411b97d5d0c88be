"""docs/ODD.md is in step with the code."""

from __future__ import annotations

import re

from sim import engine, outcomes, rules, world
from sim.odd import ODD_FILE, render
from sim.parameters import PARAM_INFO


def test_parameter_table_is_current():
    text = ODD_FILE.read_text(encoding="utf-8")
    assert render(text) == text, "docs/ODD.md is stale: run `python -m sim.odd`"


def test_every_parameter_appears_with_its_default():
    text = ODD_FILE.read_text(encoding="utf-8")
    for p in PARAM_INFO.values():
        assert re.search(rf"\| `{re.escape(p.path)}` \| {p.default:g} \|", text), p.path


def test_constants_of_the_rules_are_documented():
    text = ODD_FILE.read_text(encoding="utf-8")
    constants = {
        "SLOTS_FIXED": rules.SLOTS_FIXED, "KYIV": world.KYIV,
        "EXPOSURE_RANGE_KM": world.EXPOSURE_RANGE_KM, "CAPACITY_FULL": world.CAPACITY_FULL,
        "EXPOSURE_BORDER_WEIGHT": world.EXPOSURE_BORDER_WEIGHT,
        "EXPOSURE_DISTANCE_WEIGHT": world.EXPOSURE_DISTANCE_WEIGHT,
        "REQUIREMENT_FLOOR": rules.REQUIREMENT_FLOOR, "WEIGHT_FLOOR": rules.WEIGHT_FLOOR,
        "US_MILITARY": rules.US_MILITARY, "MUSD_PER_BN": engine.MUSD_PER_BN,
    }
    for name in constants:
        assert f"`{name}`" in text, name
    assert f"= {rules.SLOTS_FIXED})" in text
    need = [PARAM_INFO[p].default for p in rules.US_NEED[rules.GROUND]]
    assert "/".join(f"{x:.2f}" for x in need) in text  # the ground row as the ODD states it


def test_every_submodel_and_outcome_is_described():
    text = ODD_FILE.read_text(encoding="utf-8")
    for fn in ("thresholds", "commitment_cascade", "us_policy", "sanctions_pressure",
               "russian_economy", "force_and_guarantees", "russia_and_ukraine"):
        assert f"rules.{fn}" in text, fn
    for section in ("Purpose and patterns", "Entities, state variables and scales",
                    "Process overview and scheduling", "Design concepts", "Initialization",
                    "Input data", "Submodels"):
        assert section in text, section
    assert "STEP_OUTCOMES" in text and "SUMMARY_OUTCOMES" in text
    for o in (*outcomes.MONTHLY, *outcomes.PER_RUN):
        assert f"| `{o.name}` | {o.scope} | {o.kind} |" in text, o.name


def test_every_named_constant_of_the_rules_is_in_the_odd():
    """An upper-case module constant of rules.py is a documented rule constant or an index."""
    text = ODD_FILE.read_text(encoding="utf-8")
    indices = {"M", "GROUND", "AIR", "SEA", "FINANCING", "ARMS", "TRAINING", "INTEL",
               "AIR_SUPPORT", "LOGISTICS", "FUNDING", "PRESENCE", "THRESHOLD_BASE",
               "THRESHOLD_SCALE", "BACKSTOP_PATHS", "STATIC_PARAMS", "US_NEED", "BACKSTOP", "MODES"}
    for name in dir(rules):
        if name.isupper() and not name.startswith("U_") and name not in indices:
            assert f"`{name}`" in text, f"rules.{name} is not documented in docs/ODD.md"


def test_outputs_dictionary_is_current():
    assert outcomes.OUTPUTS_DOC.read_text(encoding="utf-8") == outcomes.data_dictionary(), (
        "docs/outputs.md is stale: run `python -m sim.odd`")
