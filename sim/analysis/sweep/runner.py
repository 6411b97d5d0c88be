"""Chunked execution of a design (points × replicates) over the batch engine.

A ``SweepPlan`` is a base scenario, the swept parameters, a matrix of points (P, D), a number of
replicates and a base seed. Run ``i`` is (point ``i // replicates``, replicate
``i % replicates``) and uses seed ``seed + replicate`` at every point (common random numbers),
so its numbers do not depend on the chunk it falls in, on the executor or on the order.
With a calibrated posterior (``sim.analysis.posterior``), each run also draws the calibrated parameters
the design neither sweeps nor fixes from it, by its seed: replicate ``r`` uses the same draw
at every point, and a ``particle`` column says which.

Chunks of ``chunk_size`` runs are simulated serially, in local processes (``jobs``) or on a Dask
cluster (``scheduler``); each is written atomically to ``chunks/chunk-NNNNNN.parquet`` by the
calling process (workers need no shared disk). ``resume`` skips chunks already on disk; at the
end the chunks are merged, in order, into ``results.parquet``: one row per (point, replicate),
sorted, with the point's parameter values, the seed and every engine summary outcome.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis.posterior import Posterior
from sim.analysis.posterior import fingerprint as posterior_fingerprint
from sim.analysis.sweep.spec import spec_hash
from sim.engine import batch as engine
from sim.output import manifest as mf
from sim.output.io import atomic_path, dependency_versions, write_json
from sim.scenario import Scenario
from sim.util.procs import die_with_parent

RESULTS = "results.parquet"
MANIFEST = "manifest.json"
CHUNKS = "chunks"
ID_COLUMNS = ("point", "replicate", "seed")
PARTICLE = "particle"
"""Column of the posterior particle a run drew (only with a posterior)."""
SUB_BATCH = 2048
"""Runs simulated at once inside a chunk: arrays of this size stay in cache (speed only; a
run's numbers do not depend on it)."""


class SweepError(ValueError):
    """A sweep that cannot start or resume as asked (the message says what to do)."""


def _array_hash(a: Any) -> str:
    """Short hash of an array's values (float64, C order); a lazy Grid is hashed block by
    block, to the same value as its full array."""
    h = hashlib.sha256()
    for block in (a.blocks() if hasattr(a, "blocks") else [a]):
        h.update(np.ascontiguousarray(block, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class SweepPlan:
    """Runs to simulate: every point (row of ``points``) × ``replicates`` seeds."""

    scenario: Scenario
    params: tuple[str, ...]
    points: Any  # (P, D) float64: an array, or a lazy sim.analysis.sweep.spec.Grid
    replicates: int
    seed: int
    fixed: dict[str, float] = field(default_factory=dict)
    chunk_size: int = 10_000
    posterior: Posterior | None = None

    @property
    def n_points(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replicates

    @property
    def n_chunks(self) -> int:
        return -(-self.n_runs // self.chunk_size)

    @property
    def id_columns(self) -> tuple[str, ...]:
        """Integer columns: point, replicate, seed and, with a posterior, particle."""
        return (*ID_COLUMNS, *((PARTICLE,) if self.posterior is not None else ()))

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.id_columns, *self.params, *engine.SUMMARY_OUTCOMES)

    def drawn(self) -> tuple[str, ...]:
        """The posterior's parameters each run draws: those the scenario leaves at their
        default that the design neither sweeps nor fixes (none without a posterior)."""
        if self.posterior is None:
            return ()
        return tuple(n for n in self.posterior.drawn_names(self.scenario)
                     if n not in self.params and n not in self.fixed)

    def schema(self) -> pa.Schema:
        """The Parquet schema of every chunk and of the result."""
        return pa.schema([(c, pa.int64()) for c in self.id_columns]
                         + [(c, pa.float64()) for c in (*self.params, *engine.SUMMARY_OUTCOMES)])

    def fingerprint(self) -> str:
        """Hash of everything the results depend on (not the chunk size, which changes only
        how the runs are cut into files)."""
        return spec_hash({"scenario": self.scenario, "params": list(self.params),
                          "points": _array_hash(self.points), "shape": self.points.shape,
                          "replicates": self.replicates, "seed": self.seed,
                          "fixed": self.fixed, "columns": list(self.columns),
                          **({"posterior": posterior_fingerprint(self.posterior),
                              "drawn": list(self.drawn())} if self.posterior is not None
                             else {})})

    def bounds(self, k: int) -> tuple[int, int]:
        """Run indices [lo, hi) of chunk ``k``."""
        lo = k * self.chunk_size
        return lo, min(lo + self.chunk_size, self.n_runs)

    def task(self, k: int) -> ChunkTask:
        """What a worker needs for chunk ``k`` (only the points it touches)."""
        lo, hi = self.bounds(k)
        p_lo, p_hi = lo // self.replicates, (hi - 1) // self.replicates + 1
        return ChunkTask(k, lo, hi, self.scenario, self.params, self.points[p_lo:p_hi].copy(),
                         p_lo, self.replicates, self.seed, dict(self.fixed), self.posterior)


@dataclass(frozen=True)
class ChunkTask:
    """One chunk: runs [lo, hi) of a design."""

    index: int
    lo: int
    hi: int
    scenario: Scenario
    params: tuple[str, ...]
    points: np.ndarray  # the rows p_lo .. of the design's points
    p_lo: int
    replicates: int
    seed: int
    fixed: dict[str, float]
    posterior: Posterior | None = None


def run_chunk(task: ChunkTask) -> dict[str, np.ndarray]:
    """Simulate a chunk: columns point, replicate, seed, (particle,) parameters, summary
    outcomes."""
    rows = np.arange(task.lo, task.hi, dtype=np.int64)
    point, rep = rows // task.replicates, rows % task.replicates
    seeds = task.seed + rep
    swept = {p: task.points[point - task.p_lo, j] for j, p in enumerate(task.params)}
    drawn: dict[str, np.ndarray] = {}
    ids: dict[str, np.ndarray] = {}
    if task.posterior is not None:  # swept and fixed values win over drawn ones
        drawn, particle = task.posterior.values_for(task.scenario, seeds)
        ids[PARTICLE] = particle.astype(np.int64)
    batch = engine.compile_batch(task.scenario, seeds=seeds,
                                 values={**drawn, **task.fixed, **swept})
    parts = [engine.simulate(engine.select(batch, slice(i, i + SUB_BATCH)), record_steps=False)
             for i in range(0, batch.runs, SUB_BATCH)]
    summary = {k: np.concatenate([r.summary[k] for r in parts]) for k in engine.SUMMARY_OUTCOMES}
    return {"point": point, "replicate": rep, "seed": seeds, **ids, **swept, **summary}


# --------------------------------------------------------------------------- executors

Progress = Callable[[int], None]


def _serial(tasks: list[ChunkTask], done: Callable[[ChunkTask, dict], None]) -> None:
    for t in tasks:
        done(t, run_chunk(t))


def _processes(tasks: list[ChunkTask], jobs: int,
               done: Callable[[ChunkTask, dict], None]) -> None:
    """A spawn pool with at most 2 × jobs chunks in flight (bounded memory)."""
    pending = iter(tasks)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))
    try:
        running: dict[Future, ChunkTask] = {}

        def top_up() -> None:
            while len(running) < 2 * jobs:
                t = next(pending, None)
                if t is None:
                    return
                running[pool.submit(run_chunk, t)] = t

        top_up()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for f in finished:
                done(running.pop(f), f.result())
            top_up()
    except BaseException:  # interrupted or failed: drop the queued chunks, do not wait for them
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _dask(tasks: list[ChunkTask], scheduler: Any, window: int,
          done: Callable[[ChunkTask, dict], None]) -> None:
    """The same chunk function on a Dask cluster (an address or a ``Client``)."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - optional extra
        raise SweepError("--scheduler needs Dask: pip install 'coalition-sim[distributed]'") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise SweepError(f"cannot connect to the Dask scheduler at {scheduler!r}: {exc}") from None
    else:
        client = scheduler
    try:
        if window <= 0:
            window = 2 * max(1, sum(client.nthreads().values()))
        pending = iter(tasks)
        by_key: dict[str, ChunkTask] = {}

        def submit() -> Any:
            t = next(pending, None)
            if t is None:
                return None
            fut = client.submit(run_chunk, t, pure=False)
            by_key[fut.key] = t
            return fut

        first = [f for f in (submit() for _ in range(window)) if f is not None]
        queue = as_completed(first)
        for fut in queue:
            result = fut.result()
            done(by_key.pop(fut.key), result)
            fut.release()
            nxt = submit()
            if nxt is not None:
                queue.add(nxt)
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------- files

def chunk_path(out_dir: Path, k: int) -> Path:
    return out_dir / CHUNKS / f"chunk-{k:06d}.parquet"


def write_chunk(path: Path, columns: dict[str, np.ndarray], schema: pa.Schema) -> None:
    """One chunk as Parquet, atomically (a temporary file renamed into place)."""
    table = pa.table({name: pa.array(np.asarray(columns[name]), type=schema.field(name).type)
                      for name in schema.names}, schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _chunk_ok(path: Path, rows: int, schema: pa.Schema) -> bool:
    try:
        meta = pq.read_metadata(path)
        return meta.num_rows == rows and meta.schema.to_arrow_schema().equals(schema)
    except (OSError, pa.ArrowException):
        return False


def merge_chunks(out_dir: Path, design: SweepPlan) -> Path:
    """``results.parquet``: every chunk in order (one row group each), written atomically."""
    target = out_dir / RESULTS
    schema = design.schema()
    with atomic_path(target) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as w:
        for k in range(design.n_chunks):
            w.write_table(pq.read_table(chunk_path(out_dir, k), schema=schema))
    rows = pq.read_metadata(target).num_rows
    if rows != design.n_runs:
        raise RuntimeError(f"{target}: {rows} rows, expected {design.n_runs}")
    return target


# --------------------------------------------------------------------------- the run

@dataclass
class RunReport:
    """What ``run_design`` did."""

    out_dir: Path
    results: Path
    runs: int
    chunks: int
    chunks_run: int
    chunks_skipped: int
    seconds: float
    executor: str


def _executor_name(jobs: int, scheduler: Any) -> str:
    if scheduler is not None:
        return f"dask:{scheduler if isinstance(scheduler, str) else 'client'}"
    return "serial" if jobs <= 1 else f"processes:{jobs}"


def _prepare(out_dir: Path, design: SweepPlan, resume: bool, overwrite: bool,
             manifest: dict[str, Any]) -> dict[str, Any] | None:
    """Check the output folder against the design; returns the old manifest when resuming."""
    mpath = out_dir / MANIFEST
    old = None
    if mpath.exists():
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
    has_work = (out_dir / CHUNKS).exists() or (out_dir / RESULTS).exists()
    if overwrite:
        shutil.rmtree(out_dir / CHUNKS, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (out_dir / RESULTS).unlink()
        return None
    if not resume:
        if has_work:
            raise SweepError(f"{out_dir} already holds sweep results: pass --resume to continue "
                             "them or --overwrite to start again")
        return None
    if old is None:
        if has_work:
            raise SweepError(f"{out_dir} holds chunks but no readable {MANIFEST}: cannot tell "
                             "what they belong to; pass --overwrite to start again")
        return None
    if old.get("fingerprint") != design.fingerprint():
        changed = [k for k in ("scenario_hash", "points_hash", "replicates", "seed", "params",
                               "fixed", "posterior") if old.get(k) != manifest.get(k)]
        raise SweepError(f"cannot resume in {out_dir}: the sweep differs from the one started "
                         f"there ({', '.join(changed) or 'model outputs'} changed); pass "
                         "--overwrite to start again or use another --out")
    return old


def run_design(design: SweepPlan, out_dir: str | Path, *, jobs: int = 1, scheduler: Any = None,
               resume: bool = False, overwrite: bool = False, keep_chunks: bool = False,
               progress: Progress | None = None, window: int = 0,
               extra: dict[str, Any] | None = None) -> RunReport:
    """Simulate every run of ``design`` into ``out_dir/results.parquet`` (see module doc)."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        **mf.header("design"), **(extra or {}),
        "fingerprint": design.fingerprint(),
        "scenario": design.scenario.name,
        "scenario_hash": spec_hash(design.scenario),
        "params": list(design.params),
        "points_hash": _array_hash(design.points),
        "n_points": design.n_points, "replicates": design.replicates, "seed": design.seed,
        "fixed": design.fixed, "runs": design.n_runs, "chunk_size": design.chunk_size,
        "parameter_source": "fixed" if design.posterior is None else "posterior",
        **({"posterior": design.posterior.record(list(design.drawn()))}
           if design.posterior is not None else {}),
        "chunks": design.n_chunks, "horizon": design.scenario.horizon,
        "columns": list(design.columns), "complete": False,
        "versions": dependency_versions(("numpy", "pandas", "pyarrow", "mesa", "SALib",
                                         "ema-workbench", "distributed")),
    }
    old = _prepare(out_dir, design, resume, overwrite, manifest)
    if old is not None and old.get("chunk_size") != design.chunk_size:
        # chunk files on disk follow the size the run started with
        design = replace(design, chunk_size=int(old["chunk_size"]))
        manifest.update(chunk_size=design.chunk_size, chunks=design.n_chunks)
    results = out_dir / RESULTS
    if old is not None and old.get("complete") and _chunk_ok(results, design.n_runs,
                                                             design.schema()):
        if progress:
            progress(design.n_runs)
        return RunReport(out_dir, results, design.n_runs, design.n_chunks, 0, design.n_chunks,
                         time.perf_counter() - t0, _executor_name(jobs, scheduler))
    write_json(out_dir / MANIFEST, manifest)
    (out_dir / CHUNKS).mkdir(exist_ok=True)
    for stray in (out_dir / CHUNKS).glob(".chunk-*.tmp"):
        stray.unlink(missing_ok=True)
    schema = design.schema()
    todo = []
    for k in range(design.n_chunks):
        lo, hi = design.bounds(k)
        if resume and _chunk_ok(chunk_path(out_dir, k), hi - lo, schema):
            if progress:
                progress(hi - lo)
        else:
            todo.append(design.task(k))

    def done(task: ChunkTask, columns: dict[str, np.ndarray]) -> None:
        write_chunk(chunk_path(out_dir, task.index), columns, schema)
        if progress:
            progress(task.hi - task.lo)

    t_sim = time.perf_counter()
    if scheduler is not None:
        _dask(todo, scheduler, window, done)
    elif jobs > 1 and len(todo) > 1:
        _processes(todo, jobs, done)
    else:
        _serial(todo, done)
    t_merge = time.perf_counter()
    merge_chunks(out_dir, design)
    if not keep_chunks:
        shutil.rmtree(out_dir / CHUNKS, ignore_errors=True)
    seconds = time.perf_counter() - t0
    manifest.update(complete=True, executor=_executor_name(jobs, scheduler),
                    timings={"simulate_s": round(t_merge - t_sim, 3),
                             "merge_s": round(time.perf_counter() - t_merge, 3),
                             "total_s": round(seconds, 3), "chunks_run": len(todo)})
    write_json(out_dir / MANIFEST, manifest)
    return RunReport(out_dir, results, design.n_runs, design.n_chunks, len(todo),
                     design.n_chunks - len(todo), seconds, _executor_name(jobs, scheduler))
