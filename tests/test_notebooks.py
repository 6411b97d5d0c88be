"""The three notebooks run top to bottom (nbclient), are stored without outputs and use only
the public Python API."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ("researcher_what_if", "teacher_tipping", "analyst_sensitivity", "researcher_calibration")
PUBLIC = ("sim", "sim.api", "sim.engine.mesa_model", "sim.analysis.sweep", "sim.analysis.sensitivity",
          "sim.analysis.effects", "sim.analysis.observations", "sim.model.outcomes",
          "sim.model.parameters")
"""Modules a notebook may import (``import sim`` is the package's lazy API; submodules of the
others, such as sim.analysis.sweep.figures, count as theirs)."""
PACKAGES = ("sim", "sim.analysis", "sim.model", "sim.engine")
"""Packages whose modules a notebook names with ``from PACKAGE import module``."""


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _imports(nb: nbformat.NotebookNode) -> set[str]:
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for m in re.finditer(r"^\s*from\s+(sim[\w.]*)\s+import\s+([\w, ]+)", cell.source, re.M):
            mod, names = m.group(1), [n.strip() for n in m.group(2).split(",")]
            found |= {f"{mod}.{n}" for n in names} if mod in PACKAGES else {mod}
        found |= set(re.findall(r"^\s*import\s+(sim[\w.]*)", cell.source, re.M))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_clean_and_uses_the_public_api(name):
    nb = _read(name)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store without outputs"
    used = _imports(nb)
    assert used, "the notebook must use the project's API"
    private = [m for m in used
               if not any(m == p or (p != "sim" and m.startswith(p + ".")) for p in PUBLIC)]
    assert private == [], f"{name} imports beyond the public API: {private}"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name):
    from nbclient import NotebookClient

    nb = _read(name)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError naming the cell on any error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 2, f"{name}: expected its figures, found {images}"
