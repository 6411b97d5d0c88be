"""docs/ODD.md is in step with the code."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from sim.engine import batch as engine
from sim.model import outcomes, rules, world
from sim.model.facts import load_facts
from sim.model.parameters import BACKSTOP, GRADES, PARAM_INFO
from sim.output.odd import ODD_FILE, grade_counts, grade_summary, render
from sim.scenario.designs import design_names

ROBUSTNESS_TEST = Path(__file__).resolve().parent / "test_robustness.py"
RULE_INDICES = {"M", "INTEL", "AIR_SUPPORT", "LOGISTICS", "FUNDING", "PRESENCE", "THRESHOLD_BASE",
                "THRESHOLD_SCALE", "BACKSTOP_PATHS", "STATIC_PARAMS", "US_NEED"}
"""Upper-case names of rules.py that are indices or path lookups, not rule constants."""


def odd() -> str:
    return ODD_FILE.read_text(encoding="utf-8")


def module_constants(module) -> set[str]:
    """Upper-case names assigned at the top level of ``module`` itself (not imported)."""
    tree = ast.parse(inspect.getsource(module))
    names: set[str] = set()
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            for n in ([t] if isinstance(t, ast.Name) else getattr(t, "elts", [])):
                if isinstance(n, ast.Name) and n.id.isupper():
                    names.add(n.id)
    return names


def test_generated_blocks_are_current():
    text = odd()
    assert render(text) == text, "docs/ODD.md is stale: run `python -m sim.output.odd`"


def test_every_parameter_appears_with_its_default_and_grade():
    text = odd()
    for p in PARAM_INFO.values():
        assert p.grade in GRADES, (p.path, p.grade)
        assert re.search(rf"\| `{re.escape(p.path)}` \| {p.default:g} \| {p.grade} \|", text), p.path


def test_grade_summary_counts_every_parameter_once():
    counts = grade_counts()
    assert list(counts) == list(GRADES)
    assert sum(counts.values()) == len(PARAM_INFO)
    assert grade_summary() in odd()
    for g in GRADES:  # each grade is explained in prose
        assert f"- `{g}` —" in odd(), g


def test_every_design_is_in_the_design_table():
    text = odd()
    block = text.split("<!-- BEGIN DESIGN TABLE")[1].split("<!-- END DESIGN TABLE -->")[0]
    for name in design_names():
        assert f"| `{name}` (" in block, name


def test_constants_are_documented_with_their_values():
    text = odd()
    scalars = {"SLOTS_FIXED": ("rules", rules.SLOTS_FIXED),
               "WEIGHT_FLOOR": ("rules", rules.WEIGHT_FLOOR),
               "MUSD_PER_BN": ("rules", rules.MUSD_PER_BN),
               "EXPOSURE_RANGE_KM": ("world", world.EXPOSURE_RANGE_KM),
               "EXPOSURE_BORDER_WEIGHT": ("world", world.EXPOSURE_BORDER_WEIGHT),
               "EXPOSURE_DISTANCE_WEIGHT": ("world", world.EXPOSURE_DISTANCE_WEIGHT)}
    for name, (module, value) in scalars.items():
        assert f"| `{name}` | {module} | {value:g} |" in text, name
    assert f"`SLOTS_FIXED` (= {rules.SLOTS_FIXED})" in text
    assert f"`KYIV` (= ({world.KYIV[0]}, {world.KYIV[1]}))" in text
    for mode, full in world.CAPACITY_FULL.items():
        assert re.search(rf"\| {mode} \| [^|]+ \| {re.escape(f'{full:,.0f}')} \|", text), mode
    for name in ("US_MILITARY", "US_ENABLERS"):
        words = ", ".join(BACKSTOP[k].replace("_", " ") for k in getattr(rules, name))
        assert f"| `{name}` | rules | {words} |" in text, name
    assert ", ".join(f"`{p}`" for p in rules.DESIGN_SIZE) in text
    for mode, paths in rules.US_NEED.items():  # each row of the US need matrix as the ODD states it
        row = "/".join(f"{PARAM_INFO[p].default:.2f}" for p in paths)
        assert f"{rules.MODES[mode]} {row}" in text, rules.MODES[mode]


def test_every_named_constant_is_in_the_odd():
    """An upper-case constant defined in rules.py, world.py or engine.py is documented (an
    index or path lookup of rules.py excepted)."""
    text = odd()
    assert module_constants(rules) >= RULE_INDICES
    for module in (rules, world, engine):
        for name in module_constants(module) - RULE_INDICES:
            if module is rules and name.startswith("U_"):
                continue  # the random slots, documented together under SLOTS_FIXED
            assert f"`{name}`" in text, f"{module.__name__}.{name} is not documented in docs/ODD.md"
    for name in ("REQUIREMENT_FLOOR",):  # v1 constants are gone from code and ODD alike
        assert not hasattr(rules, name) and f"`{name}`" not in text, name


def test_every_rule_function_and_section_is_described():
    text = odd()
    tree = ast.parse(inspect.getsource(rules))
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
                 and not n.name.startswith("_")]
    assert "commitment_cascade" in functions and "russia_and_ukraine" in functions
    for fn in functions:
        assert f"rules.{fn}" in text, fn
    for section in ("Purpose and patterns", "Entities, state variables and scales",
                    "Process overview and scheduling", "Design concepts", "Initialization",
                    "Input data", "Submodels", "Calibration and validation", "Outcomes",
                    "Parameters and evidence"):
        assert section in text, section
    run_state = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RunState")
    fields = [n.target.id for n in run_state.body if isinstance(n, ast.AnnAssign)]
    assert "committed" in fields and "ceasefire_months" in fields
    for f in fields:  # every state variable is in the RunState table
        assert f"`{f}`" in text, f


def test_every_outcome_is_described():
    text = odd()
    assert "STEP_OUTCOMES" in text and "SUMMARY_OUTCOMES" in text
    for o in (*outcomes.MONTHLY, *outcomes.PER_RUN):
        assert f"| `{o.name}` | {o.scope} | {o.kind} |" in text, o.name


def test_corrected_citations_name_real_facts():
    """The facts in the v1 → v2 correction table exist; the retired v1 id does not."""
    text = odd()
    table = text.split("| fact | what it says | v1 | v2 |")[1].split("\n\n")[0]
    facts = load_facts()
    ids = set()
    for row in table.strip().splitlines()[1:]:
        ids |= set(re.findall(r"`([a-z0-9_]+)`", row.split("|")[1]))
    assert "force_requirement_30k" in ids and "force_requirement_30k" not in facts
    for fid in ids - {"force_requirement_30k"}:
        assert fid in facts, fid


def test_provision_points_are_documented():
    """Every parameter the knife-edge test exempts as a provision point is named here."""
    tree = ast.parse(ROBUSTNESS_TEST.read_text(encoding="utf-8"))
    value = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign)
                 and getattr(n.target, "id", "") == "PROVISION_POINTS")
    points = ast.literal_eval(value)
    text = odd()
    assert "`PROVISION_POINTS`" in text
    for path in points:
        assert f"`{path}`" in text, path


def test_outputs_dictionary_is_current():
    assert outcomes.OUTPUTS_DOC.read_text(encoding="utf-8") == outcomes.data_dictionary(), (
        "docs/outputs.md is stale: run `python -m sim.output.odd`")
