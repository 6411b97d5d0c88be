"""The library's layers run one way: a module never imports a module of a layer above it.

foundations (names, parameters, outcomes, world, statistics, files) ← scenarios ← rules ←
engine ← Mesa model / API / sweep runner ← reports, figures and the analyses that write
them (sweep pipeline, sensitivity, discovery) ← command line and app.
Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.util", "sim.model.facts", "sim.model.parameters", "sim.model.outcomes",
     "sim.model.world", "sim.model.streams", "sim.output.io", "sim.analysis.stats"),
    ("sim.scenario",),
    ("sim.model.rules",),
    ("sim.engine.batch",),
    ("sim.engine.agents", "sim.engine.mesa_model", "sim.api", "sim.analysis.sweep.spec",
     "sim.analysis.sweep.runner", "sim.analysis.sweep.stats", "sim.scenario.provenance",
     "sim.output.outdir", "sim.analysis.observations", "sim.analysis.posterior"),
    ("sim.output.report", "sim.output.figures", "sim.analysis.sweep.figures",
     "sim.analysis.sweep.pipeline", "sim.analysis.sweep", "sim.analysis.sensitivity",
     "sim.analysis.discover", "sim.output.odd", "sim.analysis.effects", "sim.analysis.screening",
     "sim.analysis.calibration"),
    ("sim.cli", "sim.app", "sim.__main__", "sim"),
)
"""Layers from the bottom up; a module belongs to the layer of its longest listed prefix."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    best, level = "", None
    for i, names in enumerate(LAYERS):
        for n in names:
            if (module == n or module.startswith(n + ".")) and len(n) > len(best):
                best, level = n, i
    assert level is not None, f"{module} is in no layer: add it to LAYERS"
    return level


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("sim")}
        elif (isinstance(node, ast.ImportFrom) and node.module and node.level == 0
              and node.module.startswith("sim")):
            for a in node.names:  # `from sim import engine` imports sim.engine.batch
                sub = f"{node.module}.{a.name}"
                is_module = (SIM.parent / Path(*sub.split("."))).with_suffix(".py").exists() \
                    or (SIM.parent / Path(*sub.split(".")) / "__init__.py").exists()
                out.add(sub if is_module else node.module)
    return {m for m in out if m == "sim" or m.startswith("sim.")}


MODULES = sorted(p for p in SIM.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_upward_import(path: Path):
    me = module_name(path)
    mine = layer_of(me)
    for target in imports_of(path):
        if target == "sim":
            continue
        assert layer_of(target) <= mine, (
            f"{me} (layer {mine}) imports {target} (layer {layer_of(target)}), a layer above")


def test_every_module_has_a_layer():
    for path in MODULES:
        layer_of(module_name(path))
