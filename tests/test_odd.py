"""docs/ODD.md is in step with the code."""

from __future__ import annotations

import re

from sim import engine, rules, world
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
        "US_NEED": rules.US_NEED, "SLOTS_FIXED": rules.SLOTS_FIXED, "KYIV": world.KYIV,
        "EXPOSURE_RANGE_KM": world.EXPOSURE_RANGE_KM, "CAPACITY_FULL": world.CAPACITY_FULL,
    }
    for name in constants:
        assert f"`{name}`" in text, name
    assert f"= {rules.SLOTS_FIXED})" in text
    assert "0.25/0.40/0.25/0.10" in text and "0.30/0.50/0.20/0" in text


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
    assert len(engine.STEP_OUTCOMES) > 10
