"""The inputs of issue 9, items 2, 3, 5, 7, 8, 9 and 10, exactly as reported: each exits 2 with
a located message (exit 1 only for a failure of the machine, with the file named)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent

STATE = """\
  - code: {code}
    name: State {code}
    lat: 50
    lon: 10
    gdp_usd_bn: {gdp}
    active_personnel: {personnel}
    defence_pct_gdp: 2
    border_russia_belarus: false
    combat_aircraft: 10
    major_warships: 1
    deployment_approval: government
"""


def scenario(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\ndescription: test\n{body}")
    return path


def err_of(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --------------------------------------------------------------------------- item 2

@pytest.mark.slow
def test_from_manifest_in_the_current_folder(tmp_path: Path, capsys, monkeypatch) -> None:
    sep = tmp_path / "out" / "sep"
    assert main(["run", "sep-2025-paris", "-n", "2", "--out", str(sep)]) == 0
    monkeypatch.chdir(sep)
    assert main(["run", "--from-manifest", "manifest.json", "--out", "../again"]) == 0
    assert "identical to the recorded run" in capsys.readouterr().out
    assert main(["run", "--from-manifest", "manifest.json"]) == 0  # default: ../sep-repeat
    assert (tmp_path / "out" / "sep-repeat" / "manifest.json").exists()


# --------------------------------------------------------------------------- item 3 (files)

def test_validate_dev_zero_is_refused_without_reading(capsys) -> None:
    t0 = time.monotonic()
    assert main(["validate", "/dev/zero"]) == 2
    assert "/dev/zero: expected a scenario file, found a device" in err_of(capsys)
    assert time.monotonic() - t0 < 5


def test_validate_a_fifo_does_not_wait(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    assert main(["validate", str(fifo)]) == 2
    assert "found a FIFO (named pipe)" in err_of(capsys)
    assert time.monotonic() - t0 < 5


def test_files_are_read_at_most_the_limit_plus_one_byte(tmp_path: Path, monkeypatch) -> None:
    from sim.scenario import yaml_safe
    from sim.scenario.errors import ScenarioError

    reads: list[int] = []
    real = os.read
    def counted(fd: int, n: int) -> bytes:
        data = real(fd, n)
        reads.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counted)
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 50)
    with pytest.raises(ScenarioError, match="too large"):
        yaml_safe.read_regular(path, 10)  # refused by its size, nothing read
    assert reads == []
    assert yaml_safe.read_regular(path, 50) == b"#" * 50
    assert sum(reads) <= 51


def test_spec_files_use_the_same_safe_reader(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "s.yaml"
    aliases = "\n".join(f"  - *a{i % 2}" for i in range(150))
    spec.write_text(f"name: s\nscenario: sep-2025-paris\nx: &a0 1\ny: &a1 2\nz:\n{aliases}\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = err_of(capsys)
    assert "too many YAML aliases" in err and "at most 100 aliases" in err
    assert f"{spec}:" in err
    os.mkfifo(tmp_path / "p.yaml")
    assert main(["sweep", str(tmp_path / "p.yaml")]) == 2
    assert "found a FIFO" in err_of(capsys)


# --------------------------------------------------------------------------- item 5

def test_largest_seed_with_replicates_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["run", "sep-2025-paris", "--seed", "9223372036854775807", "--replicates", "3",
                 "--out", str(tmp_path / "o")]) == 2
    err = err_of(capsys)
    assert "seed: seed too large for the replicates" in err
    assert "9223372036854775805" in err  # the largest seed for 3 replicates
    path = scenario(tmp_path, "s", "seed: 9223372036854775807\nreplicates: 3\n")
    assert main(["validate", str(path)]) == 2
    assert f"{path}:3: seed: seed too large" in err_of(capsys)


@pytest.mark.slow
def test_seed_set_is_an_exact_integer(tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["run", "sep-2025-paris", "-n", "2", "--set", "seed=9007199254740993",
                 "--out", str(out)]) == 0
    seeds = json.loads((out / "manifest.json").read_text())["seeds"]
    assert seeds["base"] == seeds["first"] == 9007199254740993
    assert main(["run", "sep-2025-paris", "-n", "2", "--set", "seed=9007199254740993.0",
                 "--out", str(out)]) == 2
    assert "--set seed: expected a whole number" in err_of(capsys)


# --------------------------------------------------------------------------- item 7

def test_nul_byte_in_a_scenario_is_located(tmp_path: Path, capsys) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"name: nul\ndescription: a\x00b\n")
    assert main(["validate", str(path)]) == 2
    err = err_of(capsys)
    assert f"{path}:2: file holds a character YAML does not allow" in err
    assert "U+0000" in err


def test_manifest_whose_scenario_is_a_string(tmp_path: Path, capsys) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"kind": "run", "scenario": "sep-2025-paris"}))
    assert main(["run", "--from-manifest", str(path), "--out", str(tmp_path / "o")]) == 2
    assert f"--from-manifest {path}: scenario:" in err_of(capsys)
    os.mkfifo(tmp_path / "fifo.json")
    assert main(["run", "--from-manifest", str(tmp_path / "fifo.json")]) == 2
    assert "found a FIFO" in err_of(capsys)


def test_discover_outcome_nested_2000_deep(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sweep"
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nscenario: sep-2025-paris\nhorizon: 6\nreplicates: 2\naxes:\n"
                    "  - param: us.backstop_scale\n    values: [0.5, 1.5]\n")
    assert main(["sweep", str(spec), "--out", str(out), "--no-figures", "--quiet"]) == 0
    capsys.readouterr()
    outcome = "not " * 2000 + "holds == 1"
    assert main(["discover", str(out), "--outcome", outcome]) == 2
    assert "nested too deeply" in err_of(capsys)


def test_scheduler_not_a_url(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: s\nscenario: sep-2025-paris\naxes:\n"
                    "  - param: us.backstop_scale\n    values: [0.5, 1.5]\n")
    assert main(["sweep", str(spec), "--scheduler", "not a url", "--out",
                 str(tmp_path / "o")]) == 2
    assert "--scheduler 'not a url': expected a Dask scheduler address" in err_of(capsys)
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- item 8

def test_absurd_world_values_are_located(tmp_path: Path, capsys) -> None:
    path = scenario(tmp_path, "absurd", "world:\n" + STATE.format(
        code="AA", gdp="1.0e-300", personnel="1.0e+300"))
    assert main(["run", str(path), "-n", "2", "--out", str(tmp_path / "o")]) == 2
    err = err_of(capsys)
    assert f"{path}:8: world[0].gdp_usd_bn: value out of range" in err
    assert f"{path}:9: world[0].active_personnel: value out of range" in err
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- item 9

@pytest.mark.parametrize("parent", ["../outside", "/tmp/outside", "sub/base", "..", "base.yaml"])
def test_extends_must_be_a_plain_name(tmp_path: Path, capsys, parent: str) -> None:
    (tmp_path / "outside.yaml").write_text("name: outside\ndescription: o\n")
    folder = tmp_path / "s"
    folder.mkdir()
    path = scenario(folder, "child", f"extends: {parent!r}\n")
    assert main(["validate", str(path)]) == 2
    assert f"{path}:3: extends: extends must be a plain scenario name" in err_of(capsys)


# --------------------------------------------------------------------------- item 10

@pytest.mark.slow
def test_big_world_says_which_limit(tmp_path: Path, capsys) -> None:
    states = "".join(f"- {{code: S{i:04d}, name: n, lat: 5, lon: 1, gdp_usd_bn: 9, "
                     "active_personnel: 1, defence_pct_gdp: 2, border_russia_belarus: false, "
                     "combat_aircraft: 1, major_warships: 1, deployment_approval: parliament}\n"
                     for i in range(5000))
    path = scenario(tmp_path, "big", "world:\n" + states)
    assert path.stat().st_size < 1_000_000
    assert main(["validate", str(path)]) == 2
    err = err_of(capsys)
    assert "alias bomb" not in err and "(it uses no alias)" in err
    assert "at most 100,000 values" in err


def test_extends_symlink_loop_is_named(tmp_path: Path, capsys) -> None:
    (tmp_path / "loopa.yaml").symlink_to("loopb.yaml")
    (tmp_path / "loopb.yaml").symlink_to("loopa.yaml")
    path = scenario(tmp_path, "child", "extends: loopa\n")
    assert main(["validate", str(path)]) == 2
    err = err_of(capsys)
    assert "symbolic link loop" in err and "did you mean" not in err


def test_deep_nesting_names_a_line(tmp_path: Path, capsys) -> None:
    path = scenario(tmp_path, "deep", "parameters:\n  us: " + "[" * 2000 + "]" * 2000 + "\n")
    assert main(["validate", str(path)]) == 2
    err = err_of(capsys)
    assert f"{path}:4: parameters.us: scenario nested too deeply" in err


def test_set_start_is_accepted(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert main(["run", "sep-2025-paris", "-n", "2", "--set", "start=2025-09",
                 "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["scenario"]["resolved"][
        "start"] == "2025-09"


def test_run_checks_out_before_simulating(tmp_path: Path, capsys, monkeypatch) -> None:
    from sim import api

    monkeypatch.setattr(api, "run", lambda *a, **k: pytest.fail("simulated first"))
    (tmp_path / "f").write_text("x")
    assert main(["run", "sep-2025-paris", "-n", "100000", "--summary-only", "--out",
                 str(tmp_path / "f")]) == 2
    assert "expected a folder, found a file" in err_of(capsys)


def test_discover_ignores_a_runs_index_column(tmp_path: Path) -> None:
    from sim.analysis.discover import input_columns

    out = tmp_path / "run"
    assert main(["run", "sep-2025-paris", "-n", "5", "--no-figures", "--out", str(out)]) == 0
    assert "run" not in input_columns(out / "summary.parquet")
    assert input_columns(out / "summary.parquet") == []
