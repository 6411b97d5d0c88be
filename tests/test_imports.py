"""Imports on demand: `import sim` and `coalition-sim --help` load none of the heavy libraries
or the analyses they do not use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "matplotlib", "pandas", "pyarrow", "SALib", "pyabc", "ema_workbench",
         "sim.analysis.sweep", "sim.analysis.sensitivity", "sim.analysis.calibration",
         "sim.api", "sim.engine.batch")


def loaded_after(code: str) -> set[str]:
    probe = (f"import sys, json\n{code}\n"
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize("code", [
    "import sim",
    "from sim.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
], ids=["import-sim", "help"])
def test_nothing_heavy_is_imported(code: str):
    loaded = loaded_after(code)
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == [], f"imported on a path that does not use them: {heavy}"


def test_the_api_loads_on_first_use():
    assert "sim.api" in loaded_after("import sim\nsim.load")
