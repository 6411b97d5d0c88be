"""Limits that keep every accepted command under 2 GB of memory (checked before running).

Tables a command keeps in memory grow with replicates × months (per-month outcomes) and
replicates × states (commitments at the horizon); a sweep's grid grows with the product of its
axes. Inputs past these limits are refused up front (exit 2, naming the count and the limit)
instead of failing with MemoryError after minutes. bench/bench_memory.py measures the peak at
the limits.
"""

from __future__ import annotations

MAX_STEP_ROWS = 2_000_000
"""``run`` without --summary-only: replicates × horizon (per-month rows kept for the figures)
plus replicates × states when the states table is held (not streamed)."""
STREAM_STATE_ROWS = 1_000_000
"""``run``: above this many replicates × states, the states table is streamed to disk."""
MAX_COMPARE_ROWS = 4_000_000
"""``compare``: Σ replicates × (horizon + states) over the scenarios (all kept in memory)."""
MAX_DESIGN_RUNS = 10_000_000
"""``sweep`` and ``sensitivity``: points × replicates."""
MAX_SAMPLE_VALUES = 20_000_000
"""``sensitivity``: sample points × parameters (the SALib sample is built in memory);
``sweep``: runs × axes (the per-point table reads every run's parameter values)."""
MAX_BOOTSTRAP = 10_000_000
"""``sensitivity``: samples × num_resamples (SALib draws every bootstrap resample at once:
262,144 Sobol samples × 100 resamples peaked at 2.1 GB)."""
MAX_DISCOVER_VALUES = 2_000_000
"""``discover``: runs analysed × parameters PRIM may restrict (PRIM holds 400-600 bytes per
value: 1,000,000 runs × 6 parameters peaked at 3.1 GB, 500,000 × 6 at 2.0 GB)."""
DISCOVER_ROWS = 500_000
"""``discover``: runs analysed by default (fewer when the parameters are many)."""
MAX_POINT_ROWS = 2_000_000
"""``sweep``: grid points × outputs (the per-point statistics are built in memory)."""


class TooLarge(ValueError):
    """An input past a memory limit (bad input: exit 2)."""


def streams_states(replicates: int, states: int, horizon: int = 0) -> bool:
    """Whether ``run`` streams the states table to disk instead of holding it: when it has
    more than STREAM_STATE_ROWS rows, or when held beside the per-month table (``horizon``
    months; 0: none kept) the two would pass MAX_STEP_ROWS."""
    rows = replicates * states
    return rows > STREAM_STATE_ROWS or replicates * horizon + rows > MAX_STEP_ROWS


def run_rows(replicates: int, horizon: int, states: int, record_steps: bool = True) -> int:
    """Rows of the tables ``run`` holds in memory: the per-month table (replicates × months,
    unless --summary-only) and the states table (replicates × states) unless streamed."""
    months = horizon if record_steps else 0
    held = 0 if streams_states(replicates, states, months) else replicates * states
    return replicates * months + held


def check_run(replicates: int, horizon: int, states: int, record_steps: bool = True) -> None:
    """``run``: every table it holds together at most MAX_STEP_ROWS rows (the states table is
    streamed when it would not fit, so the per-month table is what can be refused)."""
    if run_rows(replicates, horizon, states, record_steps) <= MAX_STEP_ROWS:
        return
    rows = replicates * horizon
    raise TooLarge(
        f"{replicates:,} replicates × {horizon} months = {rows:,} per-month rows, more "
        f"than the {MAX_STEP_ROWS:,} kept in memory: pass --summary-only (per-run "
        f"outcomes only, up to a million replicates) or at most "
        f"{MAX_STEP_ROWS // max(horizon, 1):,} replicates")


def check_steps(replicates: int, horizon: int) -> None:
    """The per-month table alone (see :func:`check_run`)."""
    check_run(replicates, horizon, 0)


def discover_rows(requested: int | None, inputs: int) -> int:
    """Rows ``discover`` analyses: ``requested`` (--max-rows) or the default, at most
    MAX_DISCOVER_VALUES / ``inputs``; TooLarge if ``requested`` asks for more."""
    most = MAX_DISCOVER_VALUES // max(inputs, 1)
    if requested is None:
        return min(DISCOVER_ROWS, most)
    if requested > most:
        raise TooLarge(
            f"--max-rows {requested:,} × {inputs} parameters = {requested * inputs:,} values, "
            f"more than the {MAX_DISCOVER_VALUES:,} PRIM holds in memory: pass --max-rows "
            f"{most:,} or less, or fewer --inputs")
    return requested


def check_compare(sizes: list[tuple[str, int, int, int]]) -> None:
    """``sizes``: (scenario, replicates, horizon, states) per scenario."""
    rows = sum(r * (h + s) for _, r, h, s in sizes)
    if rows > MAX_COMPARE_ROWS:
        detail = ", ".join(f"{n}: {r:,} × ({h} months + {s} states)" for n, r, h, s in sizes[:4])
        raise TooLarge(
            f"compare would keep {rows:,} rows in memory ({detail}{', ...' if len(sizes) > 4 else ''}), "
            f"more than {MAX_COMPARE_ROWS:,}: pass fewer --replicates, or use `run "
            "--summary-only` per scenario")


