"""The library's layers run one way, and the output layer runs nothing.

From the bottom up: helpers (``sim.util``) ← the model's declarations (facts, parameters,
outcomes, world, streams, the observed record, statistics) ← scenarios ← rules ← the batch
engine ← results (tables of what runs produced) ← the Mesa model and agents ← outputs (write
what they are given) ← analyses that run the engine (observations, sweeps, sensitivity,
discovery, calibration, the EMA Workbench adapter, screening, assessment) ← the API ← the app
← the command line.

A module may import a module of a lower layer, or one of its own group (the listed prefix it
belongs to, e.g. ``sim.analysis.sweep``); never a higher layer, nor another group of its own
layer. Imports inside functions and relative imports count; imports under
``if TYPE_CHECKING:`` (type hints only, never executed) do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.util",),
    ("sim.model.facts", "sim.model.parameters", "sim.output.io"),
    ("sim.model.outcomes", "sim.model.world", "sim.model.streams"),
    ("sim.analysis.stats",),
    ("sim.model.record",),
    ("sim.scenario",),
    ("sim.output.manifest",),
    ("sim.model.rules", "sim.analysis.posterior"),
    ("sim.engine.batch",),
    ("sim.engine.results",),
    ("sim.engine.agents",),
    ("sim.analysis.effects", "sim.engine.mesa_model"),
    ("sim.analysis.verdict",),
    ("sim.output",),
    ("sim.analysis.observations", "sim.analysis.sweep", "sim.analysis.predictions"),
    ("sim.analysis.sensitivity", "sim.analysis.discover", "sim.analysis.calibration",
     "sim.analysis.ema"),
    ("sim.analysis.screening",),
    ("sim.analysis.assess",),
    ("sim.api",),
    ("sim.app",),
    ("sim.cli", "sim"),
)
"""Layers from the bottom up; each entry is a group (a module or package prefix). A module
belongs to the group of its longest listed prefix."""

RUNS_THE_ENGINE = ("sim.engine.batch", "sim.engine.mesa_model", "sim.api",
                   "sim.analysis.observations", "sim.analysis.sweep", "sim.analysis.sensitivity",
                   "sim.analysis.screening", "sim.analysis.calibration", "sim.analysis.assess",
                   "sim.analysis.ema")
"""Modules that simulate (or import what does): the output layer must reach none of them."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def group_of(module: str) -> tuple[int, str]:
    """(layer, group prefix) of a module."""
    best, level = "", None
    for i, names in enumerate(LAYERS):
        for n in names:
            if (module == n or module.startswith(n + ".")) and len(n) > len(best):
                best, level = n, i
    assert level is not None, f"{module} is in no layer: add it to LAYERS"
    return level, best


def _is_module(dotted: str) -> bool:
    p = SIM.parent / Path(*dotted.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.body:
                skip |= {id(n) for n in ast.walk(child)}
    return skip


def imports_of(path: Path) -> set[str]:
    """Modules of ``sim`` that ``path`` imports at run time (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    me = module_name(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for a in node.names:  # `from sim import api` imports sim.api
                sub = f"{module}.{a.name}"
                out.add(sub if _is_module(sub) else module)
    return {m for m in out if m == "sim" or m.startswith("sim.")}


MODULES = sorted(p for p in SIM.rglob("*.py"))
GRAPH = {module_name(p): imports_of(p) for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_run_one_way(path: Path):
    me = module_name(path)
    mine, group = group_of(me)
    for target in imports_of(path):
        if target == "sim":
            assert mine == len(LAYERS) - 1, (
                f"{me} imports the package `sim` (the API's lazy face): import the module "
                "it needs instead")
            continue
        theirs, their_group = group_of(target)
        assert theirs <= mine, f"{me} (layer {mine}) imports {target} (layer {theirs}), above it"
        assert theirs < mine or their_group == group, (
            f"{me} imports {target}: another group ({their_group}) of its own layer {mine}")


def reach(module: str) -> set[str]:
    """Every module of ``sim`` that importing ``module`` imports, transitively."""
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        for t in GRAPH.get(m, ()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("sim.output")))
def test_output_runs_nothing(module: str):
    """The report, figures and every other writer reach no module that runs the engine."""
    bad = sorted(m for m in reach(module)
                 if any(m == r or m.startswith(r + ".") for r in RUNS_THE_ENGINE))
    assert not bad, f"{module} imports modules that run the engine: {bad}"


def test_the_checks_can_fail():
    """The layer checks see what they are meant to see: a relative import, a same-layer import
    between groups and an import of `sim` from below."""
    layer, group = group_of("sim.analysis.sweep.runner")
    assert group == "sim.analysis.sweep" and "sim.analysis.sweep" in LAYERS[layer]
    assert group_of("sim.output.report")[0] < group_of("sim.analysis.screening")[0]
    assert "sim.engine.batch" in reach("sim.api")
    assert "sim.engine.batch" in reach("sim.analysis.assess")
    tree = SIM / "analysis" / "sweep" / "__init__.py"
    assert "sim.analysis.sweep.runner" in imports_of(tree)
