"""Serial, --jobs 2 and a Dask cluster on loopback give identical Parquet content; a sweep
killed with SIGKILL half way and resumed equals the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.analysis.sweep import SweepSpec, load_spec, run_sweep

ROOT = Path(__file__).resolve().parent.parent

SPEC = """\
name: par
scenario: sep-2025-paris
horizon: {horizon}
replicates: {replicates}
seed: 11
axes:
  - param: us.backstop_scale
    linspace: [0.0, 2.0, {n}]
  - param: sanctions.scale
    values: [0.5, 1.5]
chunk_size: {chunk}
"""


def make_spec(tmp_path: Path, horizon: int = 8, replicates: int = 5, n: int = 5,
              chunk: int = 6) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(horizon=horizon, replicates=replicates, n=n, chunk=chunk))
    return path


def table(path: Path) -> pd.DataFrame:
    """Parquet content: the rows, column names and types."""
    t = pq.read_table(path)
    return t.to_pandas().assign(_schema=str(t.schema.remove_metadata()))


@pytest.mark.slow
def test_serial_processes_and_dask_agree(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = load_spec(make_spec(tmp_path), SweepSpec)
    serial = run_sweep(spec, tmp_path / "serial", figures=False).report
    jobs = run_sweep(spec, tmp_path / "jobs", jobs=2, figures=False).report
    assert jobs.executor == "processes:2" and jobs.chunks_run == serial.chunks_run > 2
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run_sweep(spec, tmp_path / "dask", scheduler=client, figures=False).report
        by_address = run_sweep(spec, tmp_path / "dask-addr", scheduler=cluster.scheduler_address,
                               figures=False, chunk_size=7).report
    base = table(serial.results)
    assert len(base) == 5 * 2 * 5
    for other in (jobs, on_dask, by_address):
        pd.testing.assert_frame_equal(base, table(other.results))


@pytest.mark.slow
def test_unreachable_scheduler_is_bad_input(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    spec = make_spec(tmp_path)
    r = subprocess.run([sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out",
                        str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9", "--quiet"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "cannot connect to the Dask scheduler" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    # 40 × 2 points × 50 replicates = 4,000 runs in 200 chunks of 20 (many small chunks, so
    # that even a fast machine is caught half way)
    spec = make_spec(tmp_path, horizon=12, replicates=50, n=40, chunk=20)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out),
           "--no-figures", "--quiet", "--fixed-parameters"]  # compared with run_sweep's default
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    chunks = tmp_path / ".killed.partial" / "chunks"  # work in progress, beside --out
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if chunks.exists() and len(list(chunks.glob("chunk-*.parquet"))) >= 8:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    done = sorted(chunks.glob("chunk-*.parquet"))
    assert 8 <= len(done) < 200
    assert not out.exists()  # --out only ever receives the finished result
    # every chunk file on disk is whole (written to a temporary file, then renamed)
    for path in done:
        assert pq.read_metadata(path).num_rows == 20

    r = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    whole = load_spec(spec, SweepSpec)
    fresh = run_sweep(whole, tmp_path / "fresh", figures=False).report
    resumed = table(out / "results.parquet")
    assert len(resumed) == 4000
    assert not resumed.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(table(fresh.results), resumed)
    assert not chunks.parent.exists()  # the work folder became --out
