"""The README's command sequences for sweeps, sensitivity and discovery, and for calibration,
run as written, in order (in a scratch folder that sees the project's scenarios/ and seeds/
folders)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECTION = "## Sweeps and sensitivity"
CALIBRATION = "## Calibration and parameter uncertainty"
PER_COMMAND_SECONDS = 60


def section_commands(section: str = SECTION) -> list[str]:
    """The shell commands of the ```bash blocks of a README section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(section)
    end = text.find("\n## ", start + len(section))
    body = text[start:end if end > 0 else len(text)]
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", body, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_the_section_has_the_sequences() -> None:
    commands = section_commands()
    kinds = [shlex.split(c)[1] for c in commands]
    assert kinds.count("sweep") >= 2 and "sensitivity" in kinds and "discover" in kinds
    assert all(shlex.split(c)[0] == "coalition-sim" for c in commands)


@pytest.mark.slow
def test_readme_sweep_section_runs_in_order(tmp_path: Path) -> None:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for command in section_commands():
        argv = shlex.split(command)
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "sim.cli", *argv[1:]], cwd=tmp_path,
                           capture_output=True, text=True, env=env,
                           timeout=PER_COMMAND_SECONDS * 3)
        seconds = time.perf_counter() - t0
        assert r.returncode == 0, f"{command}\n{r.stderr}"
        assert seconds < PER_COMMAND_SECONDS, f"{command}: {seconds:.0f} s"
        listed = [Path(line) for line in r.stdout.splitlines() if line.startswith("out/")]
        assert listed, f"{command}: no written files listed\n{r.stdout}"
        folder = tmp_path / listed[-1].parent
        # the listing is exactly what is in the output folder
        on_disk = {p.relative_to(tmp_path) for p in folder.rglob("*") if p.is_file()}
        assert set(listed) == on_disk, command
        assert Path(folder.relative_to(tmp_path) / "manifest.json") in listed
    assert (tmp_path / "out" / "sweeps" / "bs" / "points.csv").is_file()


@pytest.mark.slow
def test_readme_calibration_section_runs_in_order(tmp_path: Path) -> None:
    """Calibrate, then run, compare and sweep drawing from a posterior (the shipped one by
    default, or the new one) or at fixed values, as the README writes them."""
    for name in ("scenarios", "seeds"):
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    commands = section_commands(CALIBRATION)
    kinds = [shlex.split(c)[1] for c in commands]
    assert kinds[0] == "calibrate" and {"run", "compare", "sweep"} <= set(kinds)
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "coalition-sim"
        r = subprocess.run([sys.executable, "-m", "sim.cli", *argv[1:]], cwd=tmp_path,
                           capture_output=True, text=True, env=env, timeout=900)
        assert r.returncode == 0, f"{command}\n{r.stderr}"
        out = tmp_path / argv[argv.index("--out") + 1]
        assert (out / "manifest.json").is_file(), command
        if argv[1] != "calibrate":  # drawn by default, fixed only when asked
            fixed = "--fixed-parameters" in argv
            recorded = json.loads((out / "manifest.json").read_text())
            assert recorded["parameter_source"] == ("fixed" if fixed else "posterior"), command
    assert (tmp_path / "out" / "calibration" / "posterior.parquet").is_file()
    assert (tmp_path / "out" / "record-post" / "uncertainty.csv").is_file()
    sweep = pd.read_parquet(tmp_path / "out" / "sweeps" / "bs-post" / "results.parquet")
    assert "particle" in sweep.columns
