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
    assert len(post.names) == 10 and np.isclose(post.weights.sum(), 1.0)


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
