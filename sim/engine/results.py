"""What runs produce, as pandas tables: one scenario's runs (``RunResult``) and several side
by side (``Comparison``), and the frames built from engine arrays.

Nothing here runs the engine: ``sim.api`` runs it and fills these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.model import outcomes
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.engine.batch import Results


def month_labels(start: str, horizon: int) -> list[str]:
    """Calendar month (YYYY-MM) of months 1..horizon after ``start``."""
    y, m = (int(x) for x in start.split("-"))
    out = []
    for t in range(1, horizon + 1):
        k = (m - 1) + t
        out.append(f"{y + k // 12:04d}-{k % 12 + 1:02d}")
    return out


def _columns_doc(decls: Sequence[Any]) -> str:
    return "\n".join(f"        - ``{o.name}`` ({o.unit}, {o.kind}): {o.meaning}" for o in decls)


@dataclass(repr=False)
class RunResult:
    """What :func:`run` produced, as DataFrames.

    Attributes:
        scenario: the resolved scenario that ran (with every override applied).
        seeds: the seed of each run.
        steps: one row per run and month: ``run``, ``seed``, ``month``, ``date`` and the
            monthly outcomes (below).
        summary: one row per run: ``run``, ``seed`` and the per-run outcomes (below).
        states: one row per run and coalition state: ``run``, ``seed``, ``code``, ``name``,
            ``committed_<mode>``, ``committed_any``, ``committed_presence``, ``troops``,
            ``burden_pct_gdp``, ``burden_share``, ``gdp_share``.
        log: the scenario's events: ``month``, ``date``, ``note``.
        overrides: every override applied after loading (with_overrides, --set, run()).
        timings: seconds spent compiling and simulating.

    Monthly outcomes (``steps``):
__MONTHLY__

    Per-run outcomes (``summary``):
__PER_RUN__
    """

    scenario: Scenario
    seeds: np.ndarray
    steps: pd.DataFrame  # run, seed, month, date, one column per outcomes.MONTHLY
    summary: pd.DataFrame  # run, seed, one column per outcomes.PER_RUN
    states: pd.DataFrame  # run, seed, code, name, per-mode commitments, troops, burden
    log: pd.DataFrame  # month, date, note
    overrides: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    posterior: Any = None  # the sim.analysis.posterior.Posterior the runs drew their parameters from

    @property
    def name(self) -> str:
        return self.scenario.name

    def uncertainty(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """Both sources of uncertainty per outcome (with a posterior): total sd over runs,
        sd of runs alone (seed pairs share a parameter draw) and the share of variance due to
        the parameters (``sim.analysis.posterior.uncertainty``)."""
        from sim.analysis import posterior as post

        return post.uncertainty(self.summary, list(names or outcomes.COMPARE_TABLE))

    def __repr__(self) -> str:
        s = self.summary
        extra = ""
        if len(s) and "ceasefire_agreed" in s:
            extra = (f", P(ceasefire agreed) {s['ceasefire_agreed'].mean():.0%}, "
                     f"P(holds) {s['holds'].mean():.0%}")
        over = f", {len(self.overrides)} overrides" if self.overrides else ""
        return (f"<RunResult {self.name!r}: {len(self.seeds)} runs x {self.scenario.horizon} "
                f"months from {self.scenario.start}, design {self.scenario.design}{over}{extra}>")


class StepTable:
    """The monthly table of runs, filled chunk by chunk into columns allocated once: the table
    is held once, never as chunks plus their concatenation (twice the memory). Rows are the
    runs ``first_run ..`` in order, each with its months."""

    def __init__(self, runs: int, dates: list[str], outcomes: Sequence[str],
                 first_run: int = 0):
        self.dates, self.outcomes, self.T = dates, list(outcomes), len(dates)
        self.first = first_run
        n = runs * self.T
        self.cols: dict[str, np.ndarray] = {
            "run": np.empty(n, dtype=np.int64), "seed": np.empty(n, dtype=np.int64),
            "month": np.tile(np.arange(1, self.T + 1), runs),
            **{k: np.empty(n, dtype=np.float64) for k in self.outcomes}}

    def add(self, res: Results, run0: int) -> None:
        """The rows of the runs ``run0 ..`` of ``res``."""
        assert res.steps is not None
        R, T = len(res.seeds), self.T
        rows = slice((run0 - self.first) * T, (run0 - self.first + R) * T)
        self.cols["run"][rows] = np.repeat(np.arange(run0, run0 + R), T)
        self.cols["seed"][rows] = np.repeat(res.seeds, T)
        for k in self.outcomes:
            self.cols[k][rows] = res.steps[k].reshape(-1)

    def frame(self) -> pd.DataFrame:
        """``run``, ``seed``, ``month``, ``date`` and one column per outcome (the table's
        columns are handed over, not copied)."""
        runs = len(self.cols["run"]) // max(self.T, 1)
        cols = {"run": self.cols["run"], "seed": self.cols["seed"], "month": self.cols["month"],
                "date": np.tile(np.array(self.dates, dtype=object), runs),
                **{k: self.cols[k] for k in self.outcomes}}
        self.cols = {}
        return pd.DataFrame(cols, copy=False)


def step_frame(res: Results, run0: int, dates: list[str],
               outcomes: Sequence[str]) -> pd.DataFrame:
    """The monthly table of one batch of engine results: ``run`` (from ``run0``), ``seed``,
    ``month``, ``date`` and one column per outcome in ``outcomes``."""
    table = StepTable(len(res.seeds), dates, outcomes, first_run=run0)
    table.add(res, run0)
    return table.frame()


@dataclass(repr=False)
class Comparison:
    """Several scenarios (and, with designs, scenario × design cells) run side by side.

    Attributes:
        results: label → :class:`RunResult` (a scenario's name, or ``"<scenario> × <design>"``).
        cells: label → (scenario, design) when designs were compared.

    ``table`` is scenario × (outcome, stat) with stats ``mean``, ``lo``, ``hi`` (the 90%
    interval of the mean: Wilson's for probabilities, Student's t otherwise), ``p5``, ``p95``
    (the spread of the runs) and ``n``; ``matrix`` and ``shares`` are state × scenario shares
    of runs pledging; ``bands`` the monthly mean and 90% band; ``design_grid`` scenario ×
    design of one outcome. Effects against a reference: ``sim.analysis.effects.effects``.
    """

    def __repr__(self) -> str:
        what = (f"{len({c for c, _ in self.cells.values()})} scenarios x "
                f"{len({d for _, d in self.cells.values()})} designs" if self.cells
                else f"{len(self.results)} scenarios")
        names = ", ".join(list(self.results)[:4]) + (", ..." if len(self.results) > 4 else "")
        return f"<Comparison of {what}: {names}>"

    results: dict[str, RunResult]
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Result label → (scenario name, design name), when designs were compared."""

    def design_grid(self, outcome: str, stat: str = "mean") -> pd.DataFrame:
        """Scenario × design table of one per-run outcome's ``stat`` (mean, lo or hi)."""
        t = self.table
        rows: dict[str, dict[str, float]] = {}
        for label, (scenario, design) in self.cells.items():
            rows.setdefault(scenario, {})[design] = float(t.loc[label, (outcome, stat)])
        grid = pd.DataFrame.from_dict(rows, orient="index")
        grid.index.name, grid.columns.name = "scenario", "design"
        return grid

    def scenario_of(self, label: str) -> str:
        """The scenario of a result label (the label itself without designs)."""
        return self.cells[label][0] if self.cells else label

    @property
    def names(self) -> list[str]:
        return list(self.results)

    @cached_property
    def table(self) -> pd.DataFrame:
        """Scenario × (outcome, stat): mean, lo, hi over replicates (``sim.analysis.stats.interval``);
        computed once."""
        data = {}
        for name, r in self.results.items():
            st = stats.outcome_stats(r.summary, outcomes.COMPARE_TABLE)
            data[name] = {(k, s): v for k, d in st.items() for s, v in d.items()}
        df = pd.DataFrame.from_dict(data, orient="index")
        df.columns = pd.MultiIndex.from_tuples(df.columns, names=["outcome", "stat"])
        df.index.name = "scenario"
        return df

    def shares(self, mode: str = "presence") -> pd.DataFrame:
        """State × scenario: share of runs in which the state commits to ``mode`` at the
        horizon (a mode, ``presence`` = ground, air or sea, or ``any``)."""
        col = f"committed_{mode}"
        frames = {}
        for name, r in self.results.items():
            frames[name] = r.states.groupby("code", sort=False)[col].mean()
        df = pd.DataFrame(frames)
        df.index.name = "state"
        return df

    @property
    def matrix(self) -> pd.DataFrame:
        """State × scenario share of runs in which the state commits a presence (ground, air
        or sea) at the horizon."""
        return self.shares("presence")

    def bands(self) -> pd.DataFrame:
        """Per scenario and month: mean and 90% band of the figure outcomes."""
        out = []
        for name, r in self.results.items():
            b = stats.bands(r.steps, [k for k in outcomes.COMPARE_BANDS if k in r.steps.columns])
            b.insert(0, "scenario", name)
            out.append(b)
        return pd.concat(out, ignore_index=True)


RunResult.__doc__ = (RunResult.__doc__ or "").replace(
    "__MONTHLY__", _columns_doc(outcomes.MONTHLY)).replace(
    "__PER_RUN__", _columns_doc(outcomes.PER_RUN))
