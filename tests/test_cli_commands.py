"""Every command end to end as a subprocess, plus exit codes and error handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim.cli
from sim.cli import build_parser, main

BAD = Path(__file__).parent / "bad_scenarios"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_top_level_help_documents_exit_codes_and_main_job():
    proc = cli("--help")
    assert proc.returncode == 0
    for text in ("exit codes:", "0  ok", "1  a run failed", "2  bad input",
                 "coalition-sim compare --out out/compare"):
        assert text in proc.stdout
    for command in ("list", "run", "compare", "validate", "explain", "schema"):
        assert command in proc.stdout


@pytest.mark.parametrize("command", ["list", "run", "compare", "validate", "explain", "schema",
                                     "lesson"])
def test_every_command_has_help_with_an_example(command: str):
    proc = cli(command, "--help")
    assert proc.returncode == 0
    assert "examples:" in proc.stdout and f"coalition-sim {command}" in proc.stdout
    assert "exit codes:" in proc.stdout


def test_list_shows_descriptions():
    proc = cli("list")
    assert proc.returncode == 0
    assert "sep-2025-paris" in proc.stdout and "vague US backstop" in proc.stdout
    assert "dec-2025-assets" in proc.stdout


def test_validate_good_and_bad():
    assert cli("validate", "--all").returncode == 0
    proc = cli("validate", "scenarios/sep-2025-paris.yaml", BAD / "misspelt-param.yaml")
    assert proc.returncode == 2
    assert "misspelt-param.yaml:6: parameters.us.backstop.intelligance: unknown key" in \
        proc.stderr
    assert "did you mean 'intelligence'?" in proc.stderr
    assert "1 of 2 scenario file(s) invalid" in proc.stderr


def test_explain_shows_sources_facts_and_events():
    proc = cli("explain", "us-backstop-erodes")
    assert proc.returncode == 0
    out = proc.stdout
    assert "us-backstop-erodes.yaml <- " in out and "base.yaml" in out
    assert "month 6: The US backstop falls to intelligence only." in out
    assert "us.backstop.air_support = 0.35" in out and "from month 6: 0 (event)" in out
    assert "us_intel_only (004_" in out  # fact id with its article file
    assert "scenarios/sep-2025-paris.yaml:" in out  # where the value was set
    data = json.loads(cli("explain", "dec-2025-assets", "--json", "--only", "finance.").stdout)
    loan = next(p for p in data["parameters"] if p["path"] == "finance.assets_loan")
    assert loan["value"] == 1.0 and loan["set_in"].endswith("dec-2025-assets.yaml:9")
    assert any(f["id"] == "frozen_assets_210bn" for f in loan["facts"])


def test_schema_prints_the_docs():
    proc = cli("schema")
    assert proc.returncode == 0
    assert proc.stdout.strip() == Path("docs/scenarios.md").read_text().strip()
    assert json.loads(cli("schema", "--json").stdout)["title"] == "Scenario"
    outputs = cli("schema", "--outputs")
    assert outputs.returncode == 0
    assert outputs.stdout.strip() == Path("docs/outputs.md").read_text().strip()
    for name in ("ceasefire_in_force", "ceasefire_agreed", "deterrence_avg", "burden_share"):
        assert f"`{name}`" in outputs.stdout


@pytest.mark.slow
def test_run_writes_outputs_and_is_byte_identical(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        proc = cli("run", "us-backstop-erodes", "--replicates", "5", "--out", out)
        assert proc.returncode == 0, proc.stderr
    for name in ("summary", "steps", "states", "events"):
        for ext in ("parquet", "csv"):
            assert (a / f"{name}.{ext}").read_bytes() == (b / f"{name}.{ext}").read_bytes()
    for fig in ("trajectories", "modes"):
        assert (a / f"{fig}.png").stat().st_size > 1000 and not (a / f"{fig}.svg").exists()
    summary = pd.read_parquet(a / "summary.parquet")
    assert list(summary["seed"]) == [2025, 2026, 2027, 2028, 2029]
    assert summary.equals(pd.read_csv(a / "summary.csv"))
    steps = pd.read_csv(a / "steps.csv")
    assert len(steps) == 5 * 36 and steps["date"].iloc[0] == "2025-10"
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["scenario"]["name"] == "us-backstop-erodes"
    assert len(manifest["scenario"]["content_sha256"]) == 64
    assert manifest["seeds"]["base"] == 2025 and manifest["seeds"]["replicates"] == 5
    assert manifest["parameters"]["us.backstop.air_support"] == 0.35
    assert {"numpy", "pandas", "mesa", "python"} <= set(manifest["dependencies"])
    assert "simulate_s" in manifest["timings_s"]
    assert not list(a.glob(".*.tmp"))  # atomic writes leave no temporaries


@pytest.mark.slow
def test_run_from_manifest_repeats_exactly(tmp_path: Path):
    first = tmp_path / "first"
    assert cli("run", "feb-2025-summit", "-n", "4", "--seed", "99", "--set",
               "us.backstop_scale=1.5", "--out", first, "--no-figures").returncode == 0
    again = tmp_path / "again"
    proc = cli("run", "--from-manifest", first / "manifest.json", "--out", again)
    assert proc.returncode == 0, proc.stderr
    assert "identical to the recorded run" in proc.stdout
    assert (first / "summary.parquet").read_bytes() == (again / "summary.parquet").read_bytes()
    m = json.loads((again / "manifest.json").read_text())
    assert m["overrides"] == {"us.backstop_scale": 1.5} and m["seeds"]["base"] == 99


@pytest.mark.slow
def test_compare_writes_report_that_opens_with_the_figure(tmp_path: Path):
    out = tmp_path / "cmp"
    proc = cli("compare", "feb-2025-summit", "us-full-backstop", "us-backstop-erodes",
               "--replicates", "5", "--svg", "--fixed-parameters", "--out", out)
    assert proc.returncode == 0, proc.stderr
    report = (out / "report.md").read_text()
    first = [line for line in report.splitlines() if line.strip()][:3]
    assert first[0].startswith("# ") and first[1] == "## The answer"
    assert first[2].startswith("**A ceasefire holds most often in `")
    # drawn from the posterior, 5 runs may agree no ceasefire anywhere: the answer says so
    drawn = cli("compare", "feb-2025-summit", "us-full-backstop", "--replicates", "5",
                "--out", tmp_path / "drawn")
    assert drawn.returncode == 0, drawn.stderr
    first = [line for line in (tmp_path / "drawn" / "report.md").read_text().splitlines()
             if line.strip()][:3]
    assert first[2].startswith(("**A ceasefire holds most often in `",
                                "**No scenario stands out:**"))
    assert report.index("## The answer") < report.index("## Effects against `feb-2025-summit`")
    assert report.index("## Effects against") < report.index("![")
    appendix = (out / "appendix.md").read_text()
    assert appendix.index("| Scenario |") < appendix.index("## What differs, and why")
    assert "**Pledged and deployed.**" in appendix and "month 6" in appendix
    assert "report.html" in {p.name for p in out.iterdir()}
    for f in ("comparison.png", "comparison.svg", "commitment_matrix.png",
              "commitment_matrix.svg", "comparison.csv", "comparison.parquet",
              "commitment_matrix.csv", "trajectories.csv", "summary.parquet", "manifest.json"):
        assert (out / f).exists(), f
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["scenario"]) == ["feb-2025-summit", "us-full-backstop",
                                       "us-backstop-erodes"]
    assert (table["pledged_troops_lo"] <= table["pledged_troops_mean"]).all()
    assert (table["pledged_troops_mean"] <= table["pledged_troops_hi"]).all()
    matrix = pd.read_csv(out / "commitment_matrix.csv")
    assert len(matrix) == 34 and matrix.iloc[:, 1:].stack().between(0, 1).all()


@pytest.mark.parametrize("args, text", [
    (["run", "sep-2025-pari"], "did you mean 'sep-2025-paris'?"),
    (["run", "sep-2025-paris", "--set", "us.folow_through=0.5"], "did you mean"),
    (["run", "sep-2025-paris", "--set", "us.follow_through=abc"], "expected a number"),
    (["run", "sep-2025-paris", "--set", "us.follow_through=2"], "from 0 to 1"),
    (["run", "sep-2025-paris", "--replicates", "0"], "expected a number >= 1"),
    (["run"], "needs a SCENARIO"),
    (["run", "--from-manifest", "nowhere/manifest.json"], "file not found"),
    (["compare", "feb-2025-summit", str(BAD / "nan-value.yaml")], "not a finite number"),
    (["explain", str(BAD / "cycle-a.yaml")], "extends cycle: cycle-a -> cycle-b -> cycle-a"),
    (["validate"], "needs FILE"),
    (["no-such-command"], "invalid choice"),
    (["lesson", "export", "--out", "."], "expected a file name (e.g. lesson.html), found a folder"),
    (["lesson", "export", "--out", "lesson.txt"], "expected a file ending in .html"),
    (["lesson", "export", "--out", "README.md/lesson.html"], "is a file"),
])
def test_bad_input_exits_2_with_a_message(args: list[str], text: str):
    proc = cli(*args)
    assert proc.returncode == 2
    assert text in proc.stderr


def test_out_path_that_is_a_file_is_bad_input(tmp_path: Path):
    f = tmp_path / "file"
    f.write_text("x")
    proc = cli("run", "feb-2025-summit", "-n", "2", "--out", f)
    assert proc.returncode == 2 and "expected a folder" in proc.stderr


def test_failure_during_a_run_exits_1_without_traceback(monkeypatch, capsys):
    import sim.api

    def boom(*a, **k):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(sim.api, "run", boom)
    assert main(["run", "feb-2025-summit", "-n", "2"]) == 1
    err = capsys.readouterr().err
    assert "engine exploded" in err and "Traceback" not in err and "--debug" in err
    with pytest.raises(RuntimeError):
        main(["--debug", "run", "feb-2025-summit", "-n", "2"])


def test_commands_are_discovered_from_modules(tmp_path: Path, monkeypatch):
    pkg = tmp_path / "extra"
    pkg.mkdir()
    (pkg / "hello.py").write_text(
        "def register(sub):\n"
        "    p = sub.add_parser('hello')\n"
        "    p.set_defaults(func=lambda a: print('hi') or 0)\n")
    (pkg / "helper_only.py").write_text("X = 1\n")
    monkeypatch.setattr(sim.cli, "__path__", [*sim.cli.__path__, str(pkg)])
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"hello", "run", "compare", "list", "validate", "explain", "schema"} <= set(
        sub.choices)
    assert "helper_only" not in sub.choices
    sys.modules.pop("sim.cli.hello", None)
