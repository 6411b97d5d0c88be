"""Output folders hold one consistent result under faults (issue 9): SIGKILL at several points,
a full disk, a rerun of another scenario into the same folder; one sweep at a time per folder;
workers end with their parent; memory limits refused up front."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from folder_checks import consistent, small_tmpfs

from sim.cli import main
from sim.output import outdir

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "sim.cli"]


def siblings(folder: Path) -> list[str]:
    """What else is beside ``folder`` (temporary folders, locks)."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


def run_cli(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


# --------------------------------------------------------------------------- reruns

@pytest.mark.slow
def test_rerun_of_another_scenario_replaces_the_whole_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "X"
    assert main(["run", "sep-2025-paris", "-n", "3", "--out", str(out)]) == 0
    assert (out / "trajectories.png").exists()
    (out / ".steps.parquet.abc.tmp").write_text("stray")  # as a killed older version left it
    assert main(["run", "us-withdrawal", "-n", "3", "--no-figures", "--out", str(out)]) == 0
    manifest = consistent(out)
    assert manifest["scenario"]["name"] == "us-withdrawal"
    assert not (out / "trajectories.png").exists()  # no figure of the other scenario
    assert not (out / ".steps.parquet.abc.tmp").exists()
    assert siblings(out) == []


def test_out_that_is_not_an_output_is_refused_before_running(tmp_path: Path, capsys,
                                                            monkeypatch) -> None:
    from sim import api

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    (tmp_path / "file").write_text("x")
    monkeypatch.setattr(api, "run", lambda *a, **k: pytest.fail("simulated before --out check"))
    for out, message in ((tmp_path / "mine", "not an output of coalition-sim"),
                         (tmp_path / "file", "expected a folder, found a file"),
                         (tmp_path / "file" / "sub", "a file is in the way")):
        assert main(["run", "sep-2025-paris", "-n", "100000", "--summary-only", "--out",
                     str(out)]) == 2
        assert message in capsys.readouterr().err
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me"


def test_out_under_an_unreadable_folder_is_bad_input(tmp_path: Path, capsys,
                                                     monkeypatch) -> None:
    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", denied)  # as for a folder without x permission
    assert main(["run", "sep-2025-paris", "-n", "2", "--out", str(tmp_path / "a" / "b")]) == 2
    err = capsys.readouterr().err
    assert "cannot create the folder (Permission denied)" in err and "Traceback" not in err


# --------------------------------------------------------------------------- SIGKILL

DRIVER = r"""
import os, signal, sys
import sim.output.io as io, sim.output.outdir as od

point = sys.argv[1]

def die(*a, **k):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "tables":  # half way through writing the tables
    real, n = io.write_csv, [0]
    def write_csv(*a, **k):
        n[0] += 1
        out = real(*a, **k)
        if n[0] == 2:
            die()
        return out
    io.write_csv = write_csv
elif point == "manifest":  # every file written, before the manifest lists them
    od.finish = die
elif point == "swap":  # a file system without RENAME_EXCHANGE, killed between the renames
    od._exchange = lambda a, b: False
    real_rename, n = os.rename, [0]
    def rename(a, b):
        n[0] += 1
        if n[0] == 2:
            die()
        return real_rename(a, b)
    os.rename = rename
from sim.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("point", ["tables", "manifest", "swap"])
def test_sigkill_at_any_point_leaves_the_old_complete_result(tmp_path: Path, point: str) -> None:
    out = tmp_path / "X"
    assert main(["run", "sep-2025-paris", "-n", "3", "--out", str(out)]) == 0
    old = consistent(out)
    r = subprocess.run([sys.executable, "-c", DRIVER, point, "run", "us-withdrawal", "-n", "3",
                        "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == -signal.SIGKILL, r.stderr
    if point == "swap":  # cut between the renames: the old result waits beside, whole
        assert not out.exists()
        (old_folder,) = tmp_path.glob(".X.old-*")
        assert consistent(old_folder) == old
        with outdir.folder_lock(out):
            outdir.clean_strays(out)  # what the next command on X does first
    assert consistent(out) == old
    # the next command cleans what the killed one left and writes a whole new result
    assert main(["run", "us-withdrawal", "-n", "3", "--no-figures", "--out", str(out)]) == 0
    assert consistent(out)["scenario"]["name"] == "us-withdrawal"
    assert siblings(out) == []


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_one_complete_result(tmp_path: Path) -> None:
    out = tmp_path / "X"
    assert main(["run", "sep-2025-paris", "-n", "3", "--no-figures", "--out", str(out)]) == 0
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen([*CLI, "run", "us-withdrawal", "-n", "4000", "--out", str(out)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=30)
        name = consistent(out)["scenario"]["name"]
        assert name in ("sep-2025-paris", "us-withdrawal")


# --------------------------------------------------------------------------- full disk


@pytest.mark.slow
def test_full_disk_tmpfs_keeps_the_old_result(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        out = disk / "X"
        r = run_cli("run", "sep-2025-paris", "-n", "3", "--no-figures", "--out", str(out))
        assert r.returncode == 0, r.stderr
        old = consistent(out)
        r = run_cli("run", "us-withdrawal", "-n", "3000", "--out", str(out))
        assert r.returncode == 1, r.stderr
        assert "No space left on device" in r.stderr and str(disk) in r.stderr
        assert "Traceback" not in r.stderr
        assert consistent(out) == old
        assert siblings(out) == []


@pytest.mark.slow
def test_full_disk_fake_writer_keeps_the_old_result(tmp_path: Path, capsys,
                                                    monkeypatch) -> None:
    import errno

    from sim.output import io

    out = tmp_path / "X"
    assert main(["run", "sep-2025-paris", "-n", "3", "--out", str(out)]) == 0
    old = consistent(out)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")  # no file named, like pyarrow

    monkeypatch.setattr(io, "write_csv", full)
    assert main(["run", "us-withdrawal", "-n", "3", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(out) in err
    assert consistent(out) == old and siblings(out) == []


# --------------------------------------------------------------------------- sweeps

SPEC = """\
name: t
scenario: sep-2025-paris
horizon: 12
replicates: {replicates}
chunk_size: 20
axes:
  - param: us.backstop_scale
    linspace: [0.0, 2.0, {n}]
  - param: sanctions.scale
    values: [0.5, 1.5]
"""


def make_spec(tmp_path: Path, replicates: int = 5, n: int = 4) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(replicates=replicates, n=n))
    return path


@pytest.mark.slow
def test_second_sweep_on_a_folder_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    spec, out = make_spec(tmp_path), tmp_path / "S"
    with outdir.folder_lock(out, "sweep"):
        r = run_cli("sweep", str(spec), "--out", str(out), "--resume", "--quiet")
    assert r.returncode == 2, r.stderr
    assert f"another sweep (pid {os.getpid()}) is writing {out}" in r.stderr
    assert not out.exists() and siblings(out) == ["spec.yaml"]
    r = run_cli("sweep", str(spec), "--out", str(out), "--resume", "--quiet", "--no-figures")
    assert r.returncode == 0, r.stderr
    consistent(out)
    assert siblings(out) == ["spec.yaml"]


@pytest.mark.slow
def test_two_sweeps_started_together_one_wins_cleanly(tmp_path: Path) -> None:
    spec, out = make_spec(tmp_path, replicates=20, n=20), tmp_path / "S"
    cmd = [*CLI, "sweep", str(spec), "--out", str(out), "--resume", "--quiet", "--no-figures"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results  # the second may start after the first ended
    for code, err in results:
        assert "Traceback" not in err
        if code == 2:
            assert "another sweep" in err
    assert consistent(out)["runs"] == 800
    assert siblings(out) == ["spec.yaml"]


@pytest.mark.slow
def test_failed_start_leaves_nothing_that_blocks_the_next_sweep(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    spec, out = make_spec(tmp_path), tmp_path / "S"
    r = run_cli("sweep", str(spec), "--out", str(out), "--scheduler", "not a url", "--quiet")
    assert r.returncode == 2 and "--scheduler 'not a url'" in r.stderr, r.stderr
    r = run_cli("sweep", str(spec), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9",
                "--quiet")
    assert r.returncode == 2 and "cannot connect to the Dask scheduler" in r.stderr, r.stderr
    assert not out.exists() and siblings(out) == ["spec.yaml"]
    r = run_cli("sweep", str(spec), "--out", str(out), "--quiet", "--no-figures")
    assert r.returncode == 0, r.stderr
    consistent(out)


@pytest.mark.slow
def test_sweep_resume_of_a_complete_folder_rewrites_it_whole(tmp_path: Path) -> None:
    spec, out = make_spec(tmp_path), tmp_path / "S"
    assert run_cli("sweep", str(spec), "--out", str(out), "--quiet").returncode == 0
    before = consistent(out)
    assert any(f.startswith("figures/") for f in before["files"])
    r = run_cli("sweep", str(spec), "--out", str(out), "--quiet", "--resume", "--no-figures")
    assert r.returncode == 0, r.stderr
    after = consistent(out)
    assert not any(f.startswith("figures/") for f in after["files"])
    assert after["files"]["results.parquet"] == before["files"]["results.parquet"]
    r = run_cli("sweep", str(spec), "--out", str(out), "--quiet")
    assert r.returncode == 2 and "--resume" in r.stderr


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc")
def test_sigkill_of_a_parallel_sweep_ends_its_workers(tmp_path: Path) -> None:
    spec, out = make_spec(tmp_path, replicates=50, n=200), tmp_path / "S"
    proc = subprocess.Popen([*CLI, "sweep", str(spec), "--out", str(out), "--jobs", "2",
                             "--quiet", "--no-figures"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    kids: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        kids = _descendants(proc.pid)
        if len(kids) >= 3 and (tmp_path / ".S.partial" / "chunks").exists():
            break  # two workers and the resource tracker, chunks being written
        time.sleep(0.05)
    assert proc.poll() is None and len(kids) >= 2, "the sweep ended before it could be killed"
    proc.kill()
    proc.wait(timeout=30)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.1)
    assert not [k for k in kids if _alive(k)], "workers outlived their parent"
    assert not out.exists()


@pytest.mark.slow
def test_jobs_are_capped_at_the_cores(tmp_path: Path) -> None:
    r = run_cli("sweep", str(make_spec(tmp_path)), "--out", str(tmp_path / "S"), "--jobs",
                "1000", "--no-figures")
    assert r.returncode == 0, r.stderr
    assert "note: --jobs 1000 capped at" in r.stderr


# --------------------------------------------------------------------------- memory limits

@pytest.mark.slow
def test_largest_grids_are_refused_up_front_naming_the_run_count(tmp_path: Path) -> None:
    spec = tmp_path / "huge.yaml"
    spec.write_text("name: huge\nscenario: sep-2025-paris\naxes:\n"
                    "  - param: us.backstop_scale\n    linspace: [0, 2, 10000]\n"
                    "  - param: sanctions.scale\n    linspace: [0, 2, 10000]\n")
    t0 = time.monotonic()
    r = run_cli("sweep", str(spec), "--out", str(tmp_path / "o"), timeout=60)
    assert r.returncode == 2, r.stderr
    assert "100,000,000 points × 10 replicates = 1,000,000,000 runs" in r.stderr
    assert "huge.yaml:" in r.stderr and "Traceback" not in r.stderr
    assert time.monotonic() - t0 < 30 and not (tmp_path / "o").exists()
    spec.write_text("name: huge\nscenario: sep-2025-paris\naxes:\n"
                    "  - param: us.backstop_scale\n    linspace: [0, 2, 9223372036854775807]\n")
    r = run_cli("sweep", str(spec), "--out", str(tmp_path / "o"), timeout=60)
    assert r.returncode == 2 and "9,223,372,036,854,775,807 values" in r.stderr, r.stderr


def test_run_per_month_rows_past_the_limit_are_refused_up_front(tmp_path: Path,
                                                                capsys) -> None:
    assert main(["run", "sep-2025-paris", "-n", "1000000", "--out", str(tmp_path / "o")]) == 2
    assert "--summary-only" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_compare_past_the_limit_is_refused_up_front(tmp_path: Path, capsys) -> None:
    assert main(["compare", "--replicates", "1000000", "--out", str(tmp_path / "o")]) == 2
    assert "compare would keep" in capsys.readouterr().err


@pytest.mark.slow
def test_large_state_tables_are_streamed_to_the_same_content(tmp_path: Path,
                                                             monkeypatch) -> None:
    import pandas as pd

    from sim.util import limits

    assert main(["run", "sep-2025-paris", "-n", "30", "--out", str(tmp_path / "a")]) == 0
    monkeypatch.setattr(limits, "STREAM_STATE_ROWS", 10)
    assert main(["run", "sep-2025-paris", "-n", "30", "--out", str(tmp_path / "b")]) == 0
    a, b = consistent(tmp_path / "a"), consistent(tmp_path / "b")
    assert a["outputs"]["states.csv"] == b["outputs"]["states.csv"]
    assert b["outputs"]["states.parquet"] == b["files"]["states.parquet"]["sha256"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "states.parquet"),
                                  pd.read_parquet(tmp_path / "b" / "states.parquet"))


def test_sensitivity_bootstrap_past_the_limit_is_refused(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "sob.yaml"
    spec.write_text("name: sob\nscenario: sep-2025-paris\nmethod: sobol\nsamples: 262144\n"
                    "replicates: 1\nparameters:\n  us.backstop_scale: null\n"
                    "  sanctions.scale: null\n")
    assert main(["sensitivity", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "262,144 × 100 = 26,214,400 bootstrap values" in err and f"{spec}:" in err
