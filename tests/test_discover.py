"""Scenario discovery: outcome conditions, PRIM boxes (EMA Workbench), the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.discover import OutcomeError, discover, parse_outcome
from sim.analysis.sweep import SweepSpec, load_spec, run_sweep
from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def frame() -> pd.DataFrame:
    return pd.DataFrame({"troops": [10000, 30000, 45000, 30000], "holds": [1, 1, 0, 0],
                         "us.backstop_scale": [0.5, 1.0, 1.5, 2.0]})


@pytest.mark.parametrize(("expr", "expected"), [
    ("troops >= 30000 and holds == 1", [False, True, False, False]),
    ("troops >= 30000 or holds == 1", [True, True, True, True]),
    ("not holds == 1", [False, False, True, True]),
    ("1.0 <= us.backstop_scale < 2", [False, True, True, False]),
    ("(troops > 20000) and not (us.backstop_scale > 1.2)", [False, True, False, False]),
    ("troops != 30000", [True, False, True, False]),
    ("holds", [True, True, False, False]),
])
def test_outcome_conditions(expr: str, expected: list[bool]) -> None:
    fn, used = parse_outcome(expr, list(frame().columns))
    np.testing.assert_array_equal(fn(frame()), expected)
    assert used and set(used) <= set(frame().columns)


@pytest.mark.parametrize(("expr", "words"), [
    ("troop >= 30000", "did you mean 'troops'"),
    ("troops >= ", "not a condition"),
    ("__import__('os').system('true')", "is not allowed"),
    ("troops + 1 > 3", "is not allowed"),
    ("3 > 2", "names no column"),
])
def test_bad_outcome_conditions(expr: str, words: str) -> None:
    with pytest.raises(OutcomeError, match="outcome") as info:
        parse_outcome(expr, list(frame().columns))
    assert words in str(info.value)


@pytest.mark.slow
def test_prim_finds_a_known_box() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.uniform(0, 1, 4000), "b": rng.uniform(0, 1, 4000),
                       "c": rng.uniform(0, 1, 4000)})
    df["hit"] = ((df.a > 0.6) & (df.b < 0.3)).astype(float)
    d = discover(df, ["a", "b", "c"], "hit == 1", min_density=0.9)
    s = d.stats
    assert s.density >= 0.9 and s.coverage >= 0.75
    lim = d.limits.set_index("parameter")
    assert abs(lim.loc["a", "box_min"] - 0.6) < 0.06 and lim.loc["a", "box_max"] == lim.loc[
        "a", "data_max"]
    assert abs(lim.loc["b", "box_max"] - 0.3) < 0.06
    assert list(lim.restricted) == [True, True, False]
    assert {"coverage", "density", "mass", "res_dim"} <= set(d.trajectory.columns)
    assert d.of_interest == int(df.hit.sum()) and d.rows == 4000


SPEC = """\
name: disc
scenario: sep-2025-paris
horizon: 24
replicates: 4
axes:
  - param: us.backstop_scale
    linspace: [0.0, 2.0, 5]
  - param: sanctions.scale
    linspace: [0.0, 2.0, 5]
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("disc")
    (base / "spec.yaml").write_text(SPEC)
    run_sweep(load_spec(base / "spec.yaml", SweepSpec), base / "out", figures=False)
    return base / "out"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim.cli", "discover", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.slow
def test_cli_on_a_sweep(sweep_dir: Path, tmp_path: Path) -> None:
    df = pd.read_parquet(sweep_dir / "results.parquet")
    # deterrence varies with both axes (troops pledged are the UK's and France's 27,520 in
    # most of this grid: the design's cap, nearly filled by the two)
    threshold = round(float(df.deterrence.quantile(0.7)), 3)
    outcome = f"deterrence >= {threshold}"
    r = cli(str(sweep_dir), "--outcome", outcome, "--min-density", "0.5", "--out",
            str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "d" / "discovery.json").read_text())
    assert summary["inputs"] == ["us.backstop_scale", "sanctions.scale"]
    assert summary["of_interest"] == int((df.deterrence >= threshold).sum())
    assert 0 < summary["coverage"] <= 1 and 0 < summary["density"] <= 1
    traj = pd.read_csv(tmp_path / "d" / "trajectory.csv")
    assert traj.coverage.iloc[0] == 1.0  # the first box holds every case
    box = pd.read_csv(tmp_path / "d" / "box.csv")
    assert list(box.parameter) == summary["inputs"]
    for name in ("tradeoff.png", "box.svg"):
        assert (tmp_path / "d" / "figures" / name).stat().st_size > 1000
    # per grid point (in process: the PRIM import alone takes seconds)
    code = main(["discover", str(sweep_dir / "results.parquet"), "--outcome", outcome,
                 "--per-point", "0.5", "--min-density", "0.5", "--out", str(tmp_path / "p"),
                 "--no-figures", "--quiet"])
    assert code == 0
    assert json.loads((tmp_path / "p" / "discovery.json").read_text())["rows"] == 25


@pytest.mark.parametrize(("args", "words"), [
    (["--outcome", "pledged_troop >= 1"], "did you mean 'pledged_troops'"),
    (["--outcome", "pledged_troops < -1"], "never holds"),
    (["--outcome", "pledged_troops >= 0"], "holds in all"),
    (["--outcome", "holds == 1", "--inputs", "us.backstop"], "not a column"),
    (["--outcome", "holds == 1", "--min-density", "2"], "expected a number in (0, 1]"),
])
def test_cli_bad_input(sweep_dir: Path, args: list[str], words: str,
                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["discover", str(sweep_dir), *args]) == 2
    assert words in capsys.readouterr().err


def test_cli_missing_results(tmp_path: Path) -> None:
    r = cli(str(tmp_path), "--outcome", "holds == 1")
    assert r.returncode == 2 and "no sweep results" in r.stderr and "Traceback" not in r.stderr
