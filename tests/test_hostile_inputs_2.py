"""The reproductions of issue 24 ("Reliability, round two"), one test each: bad input exits 2
with a located message, never a traceback (round one: tests/test_hostile_inputs.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.posterior import DEFAULT_DIR
from sim.cli import main

SWEEP = """\
name: tiny
scenario: sep-2025-paris
horizon: 4
replicates: 2
seed: 40
axes:
  - param: us.backstop_scale
    values: [0.5, 1.5]
outputs: [pledged_troops]
"""


def err_of(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --------------------------------------------------------------------------- item 5

def bad_posterior(tmp_path: Path, edit) -> Path:
    """A copy of the shipped posterior folder with ``edit`` applied to its table."""
    folder = tmp_path / "post"
    shutil.copytree(DEFAULT_DIR, folder)
    df = pd.read_parquet(folder / "posterior.parquet")
    df = edit(df)
    df.to_parquet(folder / "posterior.parquet")
    return folder


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    df["russia.pain_span"] = df["russia.pain_span"].map(lambda v: f"{v:.3f}")
    return df


def _huge_weights(df: pd.DataFrame) -> pd.DataFrame:
    df["weight"] = 0.0
    df.loc[:1, "weight"] = 1e308
    return df


def _string_weights(df: pd.DataFrame) -> pd.DataFrame:
    df["weight"] = df["weight"].astype(str)
    return df


def _duplicate_ids(df: pd.DataFrame) -> pd.DataFrame:
    df.loc[3, "particle"] = 2
    return df


BAD_POSTERIORS = {
    "strings": (_strings, "column russia.pain_span: expected numbers, found text"),
    "huge weights": (_huge_weights, "column weight, row 3: expected a finite positive number"),
    "string weights": (_string_weights, "column weight: expected numbers, found text"),
    "missing free parameter": (lambda df: df.drop(columns=["russia.pain_span"]),
                               "no column for the free parameter(s) russia.pain_span"),
    "unknown column": (lambda df: df.assign(**{"russia.pain_spam": 1.0}),
                       "unknown column 'russia.pain_spam'"),
    "parameter not calibrated": (lambda df: df.assign(**{"us.backstop_scale": 1.0}),
                                 "us.backstop_scale are not free parameters"),
    "duplicate ids": (_duplicate_ids, "column particle: id 2 appears more than once"),
}


@pytest.mark.parametrize("case", sorted(BAD_POSTERIORS))
def test_bad_posterior_folders_are_refused_by_run(tmp_path: Path, capsys, case: str) -> None:
    edit, message = BAD_POSTERIORS[case]
    folder = bad_posterior(tmp_path, edit)
    assert main(["run", "sep-2025-paris", "-n", "2", "--posterior", str(folder),
                 "--out", str(tmp_path / "out")]) == 2
    err = err_of(capsys)
    assert message in err and "posterior.parquet" in err
    assert not (tmp_path / "out").exists()


def test_overflowing_weights_are_refused(tmp_path: Path, capsys) -> None:
    def two_huge(df: pd.DataFrame) -> pd.DataFrame:
        df["weight"] = 1e-3
        df.loc[:1, "weight"] = 1e308
        return df

    folder = bad_posterior(tmp_path, two_huge)
    assert main(["run", "sep-2025-paris", "-n", "2", "--posterior", str(folder),
                 "--out", str(tmp_path / "out")]) == 2
    assert "sum to more than the largest number" in err_of(capsys)


@pytest.mark.parametrize("command", ["compare", "sweep", "app"])
def test_bad_posterior_is_refused_by_every_command(tmp_path: Path, capsys, command: str) -> None:
    folder = bad_posterior(tmp_path, _strings)
    out = str(tmp_path / "out")
    if command == "compare":
        argv = ["compare", "sep-2025-paris", "-n", "2", "--no-screening", "--out", out]
    elif command == "sweep":
        spec = tmp_path / "tiny.yaml"
        spec.write_text(SWEEP)
        argv = ["sweep", str(spec), "--no-figures", "--out", out]
    else:
        argv = ["app", "sep-2025-paris", "--no-open"]
    assert main([*argv, "--posterior", str(folder)]) == 2
    assert "column russia.pain_span: expected numbers, found text" in err_of(capsys)


def test_the_shipped_posterior_is_still_valid() -> None:
    from sim.analysis.posterior import load

    post = load("default")
    from sim.analysis.calibration.spec import DEFAULT_FREE

    assert len(post.calibrated) == len(DEFAULT_FREE) and np.isclose(post.weights.sum(), 1.0)
    assert len(post.literature) == 10  # seeds/priors.yaml, joined


# --------------------------------------------------------------------------- item 2

def _upgrade(port: int, origin: str | None) -> str:
    """The status line the app answers a WebSocket upgrade of its kernel channel with."""
    import base64
    import os
    import socket
    import uuid

    lines = [f"GET /jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()} "
             "HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
             "Sec-WebSocket-Version: 13", *([f"Origin: {origin}"] if origin else [])]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return s.recv(4096).decode("latin-1").split("\r\n")[0]


def test_app_websocket_refuses_a_foreign_or_null_origin() -> None:
    from sim.cli.app import start_process

    proc, url = start_process("classroom-five", "--port", "0")
    port = int(url.rsplit(":", 1)[1])
    try:
        for origin in ("http://evil.com", "null", f"http://127.0.0.1:{port + 1}",
                       f"https://127.0.0.1:{port}", f"http://127.0.0.1.evil.com:{port}"):
            assert " 403 " in _upgrade(port, origin), origin
        for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", None):
            assert " 101 " in _upgrade(port, origin), origin  # the app's own page still works
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_origin_check_reads_the_origin_header() -> None:
    from sim.cli.app import origin_allowed

    def scope(origin: bytes | None) -> dict:
        headers = [(b"host", b"127.0.0.1:8765")] + ([(b"origin", origin)] if origin else [])
        return {"type": "websocket", "headers": headers, "server": ("127.0.0.1", 8765)}

    assert origin_allowed(scope(None)) and origin_allowed(scope(b"http://LOCALHOST:8765"))
    assert origin_allowed(scope(b"http://[::1]:8765"))
    for bad in (b"null", b"http://evil.com", b"http://127.0.0.1:8766", b"http://127.0.0.1",
                b"file://", b"http://127.0.0.1:99999", b"http://[::1"):
        assert not origin_allowed(scope(bad)), bad


# --------------------------------------------------------------------------- items 6 and 8

def scenario(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: {name}\ndescription: test\nextends: sep-2025-paris\n{body}")
    return path


POSITION = "positions:\n  DE:\n    hypothetical: test\n    shift: {{ground: 1.0}}\n    {}\n"
WORLD = """\
world:
  - code: AA
    name: State AA
    lat: 50
    lon: 10
    gdp_usd_bn: 100
    active_personnel: 1000
    defence_pct_gdp: 2
    border_russia_belarus: false
    combat_aircraft: 10
    major_warships: 1
    deployment_approval: government
    next_election: '2025-99'
"""
COERCED = {
    "overrides in a file": ("overrides: {us.backstop_scale: 99}\n", 4, "overrides",
                            "overrides are not written in scenario files"),
    "year 0": ("start: 0000-01\n", 4, "start", "years 1900 to 2199"),
    "year 9999": ("start: 9999-12\nhorizon: 600\n", 4, "start", "years 1900 to 2199"),
    "month 99": (WORLD, 16, "world[0].next_election", "found: '2025-99'"),
    "base 60": ("replicates: 1:30\n", 4, "replicates",
                "found: 1:30 (YAML 1.1 reads it as the base-60 number 90)"),
    "octal": ("seed: 010\n", 4, "seed", "YAML 1.1 reads it as the octal number 8"),
    "horizon as text": ("horizon: '36'\n", 4, "horizon", "wrong type"),
    "until before start": (POSITION.format("until: '1990-01'"), 8, "positions.DE.until",
                           "until is before the scenario's start"),
    "parameter as text": ("parameters:\n  us.backstop_scale: '1.5'\n", 5,
                          "parameters.us.backstop_scale", "wrong type"),
}


@pytest.mark.parametrize("case", sorted(COERCED))
def test_coerced_input_is_refused_and_located(tmp_path: Path, capsys, case: str) -> None:
    body, line, key, message = COERCED[case]
    path = scenario(tmp_path, "x", body)
    for command in (["validate", str(path)], ["run", str(path), "-n", "2", "--out",
                                               str(tmp_path / "out")]):
        assert main(command) == 2, command
        err = err_of(capsys)
        assert f"x.yaml:{line}: {key}:" in err and message in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["1e300", "1.0e300", "'1e300'"])
def test_numbers_read_alike_everywhere(tmp_path: Path, capsys, value: str) -> None:
    """A number in scientific notation is a number for a shift and a parameter alike; the same
    text in quotes is text for both."""
    quoted = value.startswith("'")
    shift = scenario(tmp_path, "shift", POSITION.replace("ground: 1.0", f"ground: {value}")
                     .format(""))
    param = scenario(tmp_path, "param", f"parameters:\n  us.backstop_scale: {value}\n")
    for path in (shift, param):
        assert main(["validate", str(path)]) == 2
        err = err_of(capsys)
        assert ("wrong type" if quoted else "value out of range") in err, err
    tiny = scenario(tmp_path, "tiny", "parameters:\n  russia.growth0: 1e-320\n")
    assert main(["validate", str(tiny)]) == 0


def test_run_refuses_a_bad_file_as_fast_as_validate(tmp_path: Path) -> None:
    """`run` checks the file before it imports the engine, the output writers and figures."""
    import subprocess
    import sys

    path = scenario(tmp_path, "x", "horizon: '36'\n")
    code = ("import sys, time; t=time.perf_counter(); from sim.cli import main; "
            f"rc=main(['run', {str(path)!r}, '--out', {str(tmp_path / 'o')!r}]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'pyarrow', 'mesa'))); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert r.returncode == 2 and "wrong type" in r.stderr
    assert r.stdout.strip() == "[]", r.stdout


# --------------------------------------------------------------------------- item 7

def results_file(tmp_path: Path, edit) -> Path:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"point": np.arange(400) // 4, "replicate": np.arange(400) % 4,
                       "us.backstop_scale": rng.uniform(0, 2, 400),
                       "sanctions.scale": rng.uniform(0.5, 1.5, 400)})
    df["holds"] = (df["us.backstop_scale"] > 1).astype(float)
    df["first_ceasefire_month"] = np.where(df["holds"] == 1, 7.0, np.nan)  # NaN: never agreed
    path = tmp_path / "results.parquet"
    edit(df).to_parquet(path)
    return path


def _set(column: str, value: object):
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df[column] = df[column].astype(object if isinstance(value, str) else float)
        df.loc[5, column] = value
        if isinstance(value, str):
            df[column] = df[column].astype(str)
        return df
    return edit


@pytest.mark.parametrize(("column", "value", "message"), [
    ("us.backstop_scale", np.nan, "column 'us.backstop_scale' of the results holds 1 value(s) "
                                  "that are not finite numbers (first: row 6, nan)"),
    ("us.backstop_scale", np.inf, "(first: row 6, inf)"),
    ("holds", np.nan, "column 'holds' of the results holds 1 value(s) that are not finite"),
    ("holds", -np.inf, "(first: row 6, -inf)"),
    ("holds", "1", "column 'holds' of the results holds text, e.g. '1.0'; expected numbers"),
])
def test_discover_refuses_nan_inf_and_text(tmp_path: Path, capsys, column: str, value: object,
                                           message: str) -> None:
    path = results_file(tmp_path, _set(column, value))
    assert main(["discover", str(path), "--outcome", "holds == 1", "--inputs",
                 "us.backstop_scale,sanctions.scale", "--no-figures", "--out",
                 str(tmp_path / "d")]) == 2
    assert message in err_of(capsys)
    assert not (tmp_path / "d").exists()


def test_discover_reads_nan_of_a_month_outcome_as_never(tmp_path: Path, capsys) -> None:
    path = results_file(tmp_path, lambda df: df)
    assert main(["discover", str(path), "--outcome", "first_ceasefire_month <= 12", "--inputs",
                 "us.backstop_scale,sanctions.scale", "--no-figures", "--quiet", "--out",
                 str(tmp_path / "d")]) == 0


# --------------------------------------------------------------------------- item 1

def test_run_limit_counts_the_states_table_it_holds(tmp_path: Path, capsys) -> None:
    """Every table `run` holds counts: the states table is held only when it fits beside the
    monthly table under the limit, else streamed to disk (the reported case: 666,666 × 3
    months = 1,999,998 monthly rows and 22.7 million state rows)."""
    from sim.util import limits

    assert limits.streams_states(666_666, 34, 3)
    assert limits.run_rows(666_666, 3, 34) == 1_999_998
    # 25,000 × 34 = 850,000 state rows would fit alone, not beside 1,225,000 monthly rows
    assert limits.streams_states(25_000, 34, 49) and not limits.streams_states(25_000, 34)
    assert limits.run_rows(25_000, 49, 34) == 1_225_000
    assert limits.run_rows(20_000, 49, 34) == 20_000 * (49 + 34)  # held: both fit
    assert limits.run_rows(25_000, 49, 34, record_steps=False) == 850_000
    for r, h in ((666_666, 3), (25_000, 49), (40_816, 49), (1_000, 2_000)):
        assert limits.run_rows(r, h, 34) <= limits.MAX_STEP_ROWS or r * h > limits.MAX_STEP_ROWS
    path = scenario(tmp_path, "x", "horizon: 49\n")
    assert main(["run", str(path), "-n", "40817", "--out", str(tmp_path / "o")]) == 2
    assert "at most 40,816 replicates" in err_of(capsys)


def test_a_run_that_streams_its_states_table_writes_the_same_folder(tmp_path: Path,
                                                                    monkeypatch) -> None:
    from sim.util import limits

    assert main(["run", "sep-2025-paris", "-n", "30", "--no-figures", "--out",
                 str(tmp_path / "held")]) == 0
    monkeypatch.setattr(limits, "MAX_STEP_ROWS", 30 * 36 + 10)  # states no longer fit
    assert main(["run", "sep-2025-paris", "-n", "30", "--no-figures", "--out",
                 str(tmp_path / "streamed")]) == 0
    for name in ("states.csv", "steps.csv", "summary.csv"):
        assert (tmp_path / "held" / name).read_bytes() == (tmp_path / "streamed" / name
                                                           ).read_bytes()


def test_manifest_hashes_are_streamed(tmp_path: Path, monkeypatch) -> None:
    """The run's manifest hashes its tables a block at a time (the states CSV of a large run
    is gigabytes): no output is read whole."""
    read: list[str] = []
    real = Path.read_bytes

    def whole(self: Path) -> bytes:
        read.append(self.name)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", whole)
    assert main(["run", "sep-2025-paris", "-n", "3", "--no-figures", "--out",
                 str(tmp_path / "o")]) == 0
    assert not [n for n in read if n.endswith((".csv", ".parquet"))], read


def test_discover_limit_counts_runs_times_parameters(tmp_path: Path, capsys) -> None:
    from sim.util import limits

    assert limits.discover_rows(None, 2) == limits.DISCOVER_ROWS
    assert limits.discover_rows(None, 8) == limits.MAX_DISCOVER_VALUES // 8
    assert limits.discover_rows(1_000_000, 2) == 1_000_000
    path = results_file(tmp_path, lambda df: df)
    assert main(["discover", str(path), "--outcome", "holds == 1", "--inputs",
                 "us.backstop_scale,sanctions.scale", "--max-rows", "1000001", "--out",
                 str(tmp_path / "d")]) == 2
    assert ("--max-rows 1,000,001 × 2 parameters = 2,000,002 values, more than the 2,000,000"
            in err_of(capsys))
