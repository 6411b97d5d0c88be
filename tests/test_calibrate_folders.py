"""``calibrate`` writes its folder like run and sweep (issue 24, items 3 and 4): built aside
and swapped in, its manifest lists every file, a kill leaves --out as it was, and kill +
``--resume`` gives the posterior of an uninterrupted calibration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from folder_checks import consistent, small_tmpfs

from sim.cli import main

pytest.importorskip("pyabc")
ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "sim.cli"]
SPEC = """\
kind: calibration
name: tiny
scenario: record-2025
parameters: [russia.adjust_months, coalition.ground_threshold]
observations: all
reps: 2
budget:
  populations: {populations}
  population_size: 40
seed: 4
"""


def spec(tmp_path: Path, populations: int = 4) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC.format(populations=populations))
    return path


def results(folder: Path) -> tuple[pd.DataFrame, str]:
    return pd.read_parquet(folder / "posterior.parquet"), (folder / "thresholds.csv").read_text()


def test_calibrate_builds_aside_and_lists_every_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cal"
    argv = ["calibrate", str(spec(tmp_path, 2)), "--out", str(out), "--predictive-runs", "20",
            "--quiet"]
    assert main(argv) == 0
    manifest = consistent(out)
    assert manifest["kind"] == "calibration" and "abc.db" in manifest["files"]
    assert len(manifest["files"]) >= 13
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal", "tiny.yaml"]
    # a second calibration into the folder is refused; --overwrite replaces it whole
    assert main(argv) == 2
    assert "already holds a calibration: pass --resume" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0
    consistent(out)


def test_full_store_says_disk_full_and_keeps_the_old_result(tmp_path: Path, capsys,
                                                             monkeypatch) -> None:
    import sqlite3

    from sim.analysis.calibration import abc

    out = tmp_path / "cal"
    argv = ["calibrate", str(spec(tmp_path, 1)), "--out", str(out), "--predictive-runs", "20",
            "--quiet", "--overwrite"]
    assert main(argv) == 0
    old = consistent(out)

    def full(*a, **k):
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as exc:  # as SQLAlchemy wraps it, then hides it
            raise RuntimeError("This session is in 'prepared' state") from exc

    monkeypatch.setattr(abc.pyabc_adapter, "abc_smc", full)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "abc.db" in err and "prepared" not in err
    assert consistent(out) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal", "tiny.yaml"]


def test_sigkill_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    path = spec(tmp_path, 4)
    out = tmp_path / "killed"
    cmd = [*CLI, "calibrate", str(path), "--out", str(out), "--predictive-runs", "20"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    seen = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        if "generation 1:" in line or not line:
            break
    assert proc.poll() is None, f"the calibration ended before it could be killed: {seen}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert not out.exists()  # --out only ever receives the finished result
    assert (tmp_path / ".killed.partial" / "abc.db").exists()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "--resume" in r.stderr  # the store is not thrown away
    r = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    consistent(out)
    assert not (tmp_path / ".killed.partial").exists()
    assert main(["calibrate", str(path), "--out", str(tmp_path / "whole"),
                 "--predictive-runs", "20", "--quiet"]) == 0
    posterior, thresholds = results(out)
    whole_posterior, whole_thresholds = results(tmp_path / "whole")
    assert len(thresholds.splitlines()) == 5  # header and 4 generations
    pd.testing.assert_frame_equal(posterior, whole_posterior)
    assert thresholds == whole_thresholds


def test_a_real_full_disk_names_the_store(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "48k") as disk:
        r = subprocess.run([*CLI, "calibrate", str(spec(tmp_path, 3)), "--out",
                            str(disk / "cal"), "--predictive-runs", "20", "--quiet"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 1, r.stderr
        assert "No space left on device" in r.stderr and "abc.db" in r.stderr
        assert "Traceback" not in r.stderr and "prepared" not in r.stderr
        assert not (disk / "cal").exists()


def test_resume_of_a_finished_calibration_works_on_a_copy(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cal"
    argv = ["calibrate", str(spec(tmp_path, 2)), "--out", str(out), "--predictive-runs", "20",
            "--quiet"]
    assert main(argv) == 0
    before = consistent(out)
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert main([*argv, "--resume"]) == 0  # nothing left to run: the outputs again
    after = consistent(out)
    assert after["resumed"] is True and after["generations"] == before["generations"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"), posterior)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal", "tiny.yaml"]
    (tmp_path / "tiny.yaml").write_text(SPEC.format(populations=3).replace("seed: 4", "seed: 5"))
    assert main([*argv, "--resume"]) == 2
    assert "differs from the spec" in capsys.readouterr().err
    assert consistent(out) == after  # the finished folder is untouched, nothing beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal", "tiny.yaml"]
