"""The Python API: load, override, run and compare scenarios, with pandas DataFrames.

The command line is a thin layer over these functions; notebooks use them directly::

    from sim import api
    sc = api.with_overrides(api.load("sep-2025-paris"), {"us.backstop_scale": 1.5})
    res = api.run(sc, replicates=50)
    res.summary.describe()
    cmp = api.compare()            # all seed scenarios
    cmp.table; cmp.matrix

Writing output folders (tables, figures, report) is one layer up, in ``sim.output.report``:
``report.write_run(res, "out/run")`` and ``report.write_comparison(cmp, "out/compare")``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.engine import batch as engine
from sim.model import outcomes, rules
from sim.model.parameters import MODES, PARAM_INFO, path_problem
from sim.scenario.designs import design_names, load_design
from sim.scenario.errors import Issue, ScenarioError, did_you_mean
from sim.scenario.loader import SCENARIOS_DIR, load_resolved, scenario_names
from sim.scenario.schema import Scenario
from sim.scenario.validate import check_scenario, suggest_code
from sim.util.progress import progress as progress_bar

CHUNK = 1000
"""Runs simulated at once; memory stays bounded whatever the number of replicates."""
SEED_SCENARIOS: tuple[str, ...] = (
    "feb-2025-summit", "hague-2025-intel-only", "sep-2025-paris", "dec-2025-assets",
    "us-full-backstop", "us-withdrawal", "max-sanctions", "sanctions-relief",
    "us-backstop-erodes", "europe-steps-up",
)
"""The article-based scenarios ``compare`` runs by default (those present in scenarios/)."""
PARAM_INFO_GROUPS = tuple(dict.fromkeys(k.split(".")[0] for k in PARAM_INFO))
SCALAR_KEYS = ("name", "description", "start", "horizon", "replicates", "seed", "design",
               "hypothetical")
"""Top-level scenario keys an override may set besides parameters."""


# --- loading and overrides -----------------------------------------------------------------

def load(name_or_path: str | Path | Scenario, directory: Path = SCENARIOS_DIR) -> Scenario:
    """A validated scenario by name (scenarios/NAME.yaml) or file path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    return load_resolved(name_or_path, directory).scenario


PARAMETER_GROUPS = frozenset(PARAM_INFO_GROUPS)
"""First segments of parameter paths (us, sanctions, ..., burden)."""
STATE_KEYS = ("troops", "aircraft", "warships", "deployable_share", "pledged", "start", "until",
              "note", "hypothetical", "facts")
"""Per-state settings an override may set (``DE.troops``), besides ``DE.shift.<mode>``."""
OVERRIDE_SOURCE = "set by an override (with_overrides or --set), no source given"
"""The hypothetical reason recorded for a per-state override that cites nothing."""


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """A copy of ``scenario`` with overrides applied, validated and recorded.

    Keys:

    - a parameter path: ``us.backstop_scale``, ``coalition.peer_weight`` (``coalition-sim
      explain`` lists them);
    - a top-level key: ``name``, ``description``, ``start``, ``horizon``, ``replicates``,
      ``seed``, ``design`` (a design's ``design.*`` values replace the current design's;
      explicit ``design.*`` overrides in the same call still win), ``hypothetical``;
    - a per-state setting ``CODE.key`` for a state of the scenario's world: ``DE.troops``,
      ``DE.aircraft``, ``DE.warships``, ``DE.deployable_share``, ``DE.shift.ground``,
      ``DE.pledged`` (a list of modes, or text "ground,financing"), ``DE.start``,
      ``DE.until`` (YYYY-MM), ``DE.note``, ``DE.hypothetical``, ``DE.facts``. A changed state
      setting is recorded as hypothetical (the facts of the stated position no longer state
      it) unless ``DE.hypothetical`` gives the reason.

    Every override is kept in ``Scenario.overrides`` (and so in run results and manifests).
    Bad keys or values raise ScenarioError naming the key, with "did you mean".
    """
    if not overrides:
        return scenario
    data = scenario.model_dump(mode="python")
    issues: list[Issue] = []
    if "design" in overrides:  # the new design's values replace the old design's
        data["parameters"]["design"] = {}
    codes = [st.code for st in scenario.states()]
    names = [st.name for st in scenario.states()]
    for key, value in overrides.items():
        if key in SCALAR_KEYS:
            data[key] = value
            continue
        head, _, rest = key.partition(".")
        if head not in PARAMETER_GROUPS and rest and head.isalpha() and head.isupper():
            issue = _state_override(data, head, rest, value, codes, names)
            if issue is not None:
                issues.append(issue)
            continue
        problem = path_problem(key)
        if problem is not None:
            issues.append(Issue("unknown parameter", "override", None, key,
                                expected=problem.expected + ", a per-state setting CODE.key "
                                         "or one of " + ", ".join(SCALAR_KEYS),
                                found=problem.found,
                                suggestion=problem.suggestion or did_you_mean(key, SCALAR_KEYS)))
            continue
        node = data["parameters"]
        *groups, leaf = key.split(".")
        for g in groups:
            node = node[g]
        node[leaf] = value
    if issues:
        raise ScenarioError(issues)
    data["overrides"] = {**dict(scenario.overrides), **{k: _plain(v) for k, v in overrides.items()}}
    return check_scenario(data, {}, "override").pin(scenario.written_parameters)


def _plain(value: Any) -> Any:
    """An override value as JSON can keep it."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _state_override(data: dict[str, Any], code: str, rest: str, value: Any, codes: list[str],
                    names: list[str]) -> Issue | None:
    """Apply ``CODE.rest = value`` to the scenario data's positions; an Issue if it is bad."""
    key = f"{code}.{rest}"
    if code not in codes:
        return Issue(f"unknown state code {code!r}", "override", None, key,
                     expected="a state code of this world (" + ", ".join(codes[:8])
                              + (", ..." if len(codes) > 8 else "") + ")",
                     found=repr(code), suggestion=suggest_code(code, codes, names))
    field_, _, mode = rest.partition(".")
    if not ((field_ == "shift" and mode) or (field_ in STATE_KEYS and not mode)):
        return Issue("unknown per-state setting", "override", None, key,
                     expected="CODE." + ", CODE.".join((*STATE_KEYS, "shift.<mode>")),
                     found=repr(rest),
                     suggestion=did_you_mean(rest, [*STATE_KEYS, "shift.ground"]))
    pos = data.setdefault("positions", {}).setdefault(code, {"shift": {}, "facts": []})
    if field_ == "shift":
        pos.setdefault("shift", {})[mode] = value
    elif field_ == "pledged" and isinstance(value, str):
        pos["pledged"] = [m.strip() for m in value.split(",") if m.strip()]
    elif field_ == "facts" and isinstance(value, str):
        pos["facts"] = [f.strip() for f in value.split(",") if f.strip()]
    else:
        pos[field_] = value
    if field_ not in ("facts", "hypothetical", "note"):  # a changed value the user states
        pos["hypothetical"] = pos.get("hypothetical") or OVERRIDE_SOURCE
    return None


def variant(scenario: str | Path | Scenario, name: str, overrides: Mapping[str, Any] | None = None,
            *, hypothetical: str | None = None, description: str | None = None) -> Scenario:
    """A named what-if: ``scenario`` (a name, file or Scenario) with ``overrides`` (see
    :func:`with_overrides`), called ``name`` so that compare and reports label it as such.

    ``hypothetical`` states openly why the variant is assumed (flagged in explain, manifests
    and reports)."""
    base = load(scenario)
    extra: dict[str, Any] = {"name": name}
    if description is not None:
        extra["description"] = description
    if hypothetical is not None:
        extra["hypothetical"] = hypothetical
    return with_overrides(base, {**extra, **dict(overrides or {})})


def hypotheticals(scenario: Scenario) -> list[str]:
    """Everything the scenario assumes without a source, as 'where: reason' lines: its own
    ``hypothetical``, hypothetical positions and events, and a hypothetical force design."""
    out = scenario.hypotheticals()
    design = load_design(scenario.design)
    if design.hypothetical:
        out.append(f"design {design.name}: {design.reason.strip()}")
    for i, e in enumerate(scenario.events):
        if e.design and load_design(e.design).hypothetical:
            out.append(f"events[{i}] (month {e.month}) design {e.design}: "
                       f"{load_design(e.design).reason.strip()}")
    return out


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the resolved scenario's canonical JSON (what a run depends on)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def month_labels(start: str, horizon: int) -> list[str]:
    """Calendar month (YYYY-MM) of months 1..horizon after ``start``."""
    y, m = (int(x) for x in start.split("-"))
    out = []
    for t in range(1, horizon + 1):
        k = (m - 1) + t
        out.append(f"{y + k // 12:04d}-{k % 12 + 1:02d}")
    return out


# --- running -------------------------------------------------------------------------------

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


def _final_params(batch: engine.Batch) -> rules.Params:
    params = {k: v.copy() for k, v in batch.params.items()}
    for month, values, _ in batch.events:
        if month <= batch.horizon:
            for k, v in values.items():
                params[k] = np.full(batch.runs, v)
    return params


def _state_frame(batch: engine.Batch, res: engine.Results, run0: int) -> pd.DataFrame:
    world, R = batch.world, batch.runs
    S = world.size
    params = _final_params(batch)
    troops = res.committed[:, :, 0] * engine.contributions_at(batch, params, batch.horizon)[
        :, :, rules.GROUND]
    gdp = world.gdp
    cost = res.burden_pct_gdp * gdp[None, :] / 100.0  # USD bn per year
    total = cost.sum(axis=1, keepdims=True)
    share = np.divide(cost, total, out=np.zeros_like(cost), where=total > 0)
    cols: dict[str, Any] = {
        "run": np.repeat(np.arange(run0, run0 + R), S),
        "seed": np.repeat(res.seeds, S),
        "code": np.tile(np.array(world.codes, dtype=object), R),
        "name": np.tile(np.array(world.names, dtype=object), R),
    }
    for i, m in enumerate(MODES):
        cols[f"committed_{m}"] = res.committed[:, :, i].reshape(-1).astype(np.int8)
    cols["committed_any"] = res.committed.any(axis=2).reshape(-1).astype(np.int8)
    cols["committed_presence"] = res.committed[:, :, :3].any(axis=2).reshape(-1).astype(np.int8)
    cols["troops"] = troops.reshape(-1)
    cols["burden_pct_gdp"] = res.burden_pct_gdp.reshape(-1)
    cols["burden_share"] = share.reshape(-1)
    cols["gdp_share"] = np.tile(gdp / gdp.sum(), R)
    return pd.DataFrame(cols)


def step_frame(res: engine.Results, run0: int, dates: list[str],
                outcomes: Sequence[str]) -> pd.DataFrame:
    """The monthly table of engine results: ``run`` (from ``run0``), ``seed``, ``month``,
    ``date`` and one column per outcome in ``outcomes``."""
    assert res.steps is not None
    R, T = len(res.seeds), len(dates)
    cols: dict[str, Any] = {
        "run": np.repeat(np.arange(run0, run0 + R), T),
        "seed": np.repeat(res.seeds, T),
        "month": np.tile(np.arange(1, T + 1), R),
        "date": np.tile(np.array(dates, dtype=object), R),
    }
    for k in outcomes:
        cols[k] = res.steps[k].reshape(-1).astype(np.float64)
    return pd.DataFrame(cols)


class _StepTable:
    """The monthly table of a whole run, filled chunk by chunk into columns allocated once:
    the table is held once, never as chunks plus their concatenation (twice the memory)."""

    def __init__(self, runs: int, dates: list[str], outcomes: Sequence[str]):
        self.dates, self.outcomes, self.T = dates, list(outcomes), len(dates)
        n = runs * self.T
        self.cols: dict[str, np.ndarray] = {
            "run": np.empty(n, dtype=np.int64), "seed": np.empty(n, dtype=np.int64),
            "month": np.tile(np.arange(1, self.T + 1), runs),
            **{k: np.empty(n, dtype=np.float64) for k in self.outcomes}}

    def add(self, res: engine.Results, run0: int) -> None:
        """The rows of the runs ``run0 ..`` of ``res`` (as :func:`step_frame` builds them)."""
        assert res.steps is not None
        R, T = len(res.seeds), self.T
        rows = slice(run0 * T, (run0 + R) * T)
        self.cols["run"][rows] = np.repeat(np.arange(run0, run0 + R), T)
        self.cols["seed"][rows] = np.repeat(res.seeds, T)
        for k in self.outcomes:
            self.cols[k][rows] = res.steps[k].reshape(-1)

    def frame(self) -> pd.DataFrame:
        runs = len(self.cols["run"]) // max(self.T, 1)
        cols = {"run": self.cols["run"], "seed": self.cols["seed"], "month": self.cols["month"],
                "date": np.tile(np.array(self.dates, dtype=object), runs),
                **{k: self.cols[k] for k in self.outcomes}}
        self.cols = {}
        return pd.DataFrame(cols, copy=False)


def run(scenario_or_name: str | Path | Scenario, replicates: int | None = None,
        seed: int | None = None, overrides: Mapping[str, Any] | None = None,
        progress: bool | None = False, record_steps: bool = True,
        step_outcomes: Sequence[str] | None = None, chunk: int = CHUNK,
        states_sink: Callable[[pd.DataFrame], None] | None = None,
        posterior: Any = None) -> RunResult:
    """Run a scenario's replicates (replicate i has seed ``seed + i``), in chunks.

    Args:
        scenario_or_name: a scenario name (scenarios/NAME.yaml), a .yaml path or a Scenario
            (e.g. from :func:`variant` or :func:`with_overrides`).
        replicates: runs (default: the scenario's own).
        seed: base seed (default: the scenario's own); run *i* uses ``seed + i``.
        overrides: as :func:`with_overrides` (parameter paths, top-level keys, per-state
            ``CODE.key`` settings); recorded in the result.
        progress: a progress bar on stderr (None: only on a terminal).
        record_steps: keep the monthly table (False: summary and states only).
        step_outcomes: monthly outcomes to keep (default: all).
        chunk: runs simulated at once (memory stays bounded).
        states_sink: receives the states table chunk by chunk instead of keeping it.
        posterior: a calibrated posterior (a folder of ``coalition-sim calibrate``,
            ``"default"`` for the shipped one, or a ``sim.analysis.posterior.Posterior``): each run
            draws the calibrated parameters from it by its seed (seeds 2k and 2k+1 share a
            draw); the summary gets a ``particle`` column and ``RunResult.uncertainty()``
            separates parameters from runs.

    Returns:
        A :class:`RunResult` whose DataFrames are documented on the class (and in
        docs/outputs.md).
    """
    t0 = time.perf_counter()
    scenario = with_overrides(load(scenario_or_name), dict(overrides or {}))
    if replicates is not None or seed is not None:
        scenario = with_overrides(scenario, {
            **({"replicates": int(replicates)} if replicates is not None else {}),
            **({"seed": int(seed)} if seed is not None else {})})
    seeds = scenario.seed + np.arange(scenario.replicates, dtype=np.int64)
    post = _posterior(posterior)

    def drawn(part: np.ndarray) -> tuple[dict[str, np.ndarray] | None, np.ndarray | None]:
        return post.values_for(scenario, part) if post is not None else (None, None)

    values, particle = drawn(seeds[:chunk])
    first = engine.compile_batch(scenario, seeds=seeds[:chunk], values=values)
    t_compile = time.perf_counter()
    dates = month_labels(scenario.start, scenario.horizon)
    outcomes = tuple(step_outcomes or engine.STEP_OUTCOMES)
    steps = _StepTable(len(seeds), dates, outcomes) if record_steps else None
    summary, states = [], []
    state_columns: list[str] = []
    log: list[tuple[int, str]] = []
    with progress_bar(total=len(seeds), desc=scenario.name, enabled=progress) as pbar:
        for lo in range(0, len(seeds), chunk):
            if lo > 0:
                values, particle = drawn(seeds[lo:lo + chunk])
            part = first if lo == 0 else engine.compile_batch(
                scenario, seeds=seeds[lo:lo + chunk], world=first.world, values=values)
            res = engine.simulate(part, record_steps=record_steps)
            log = log or res.log
            if steps is not None:
                steps.add(res, lo)
            summary.append(pd.DataFrame({"run": np.arange(lo, lo + part.runs),
                                         "seed": res.seeds, **res.summary,
                                         **({"particle": particle} if particle is not None
                                            else {})}))
            frame = _state_frame(part, res, lo)
            if states_sink is None:
                states.append(frame)
            else:
                states_sink(frame)
                state_columns = list(frame.columns)
            pbar.update(part.runs)
    t_run = time.perf_counter()
    log_df = pd.DataFrame({"month": [m for m, _ in log],
                           "date": [dates[m - 1] for m, _ in log],
                           "note": [n for _, n in log]})
    empty_steps = pd.DataFrame(columns=["run", "seed", "month", "date", *outcomes])
    return RunResult(
        scenario=scenario, seeds=seeds,
        steps=steps.frame() if steps is not None and len(seeds) else empty_steps,
        summary=pd.concat(summary, ignore_index=True),
        states=(pd.concat(states, ignore_index=True) if states
                else pd.DataFrame(columns=state_columns)),
        log=log_df, overrides=dict(scenario.overrides),
        timings={"compile_s": round(t_compile - t0, 4), "simulate_s": round(t_run - t_compile, 4)},
        posterior=post)


def _posterior(posterior: Any) -> Any:
    """A Posterior from a folder, ``"default"`` or a Posterior (None stays None)."""
    if posterior is None:
        return None
    from sim.analysis import posterior as post

    return posterior if isinstance(posterior, post.Posterior) else post.load(posterior)


# --- comparing -----------------------------------------------------------------------------

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

    @property
    def names(self) -> list[str]:
        return list(self.results)

    @property
    def table(self) -> pd.DataFrame:
        """Scenario × (outcome, stat): mean, lo, hi over replicates (``sim.analysis.stats.interval``)."""
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


def default_scenarios(directory: Path = SCENARIOS_DIR) -> list[str]:
    """The seed scenarios present in ``directory``, in the order of SEED_SCENARIOS."""
    present = set(scenario_names(directory))
    return [n for n in SEED_SCENARIOS if n in present]


def compare(names_or_scenarios: Sequence[str | Path | Scenario] | None = None,
            replicates: int | None = None, progress: bool | None = False,
            seed: int | None = None, designs: Sequence[str] | None = None,
            posterior: Any = None) -> Comparison:
    """Run each scenario (default: all seed scenarios) and put them side by side.

    Args:
        names_or_scenarios: scenario names, .yaml paths or Scenario objects (default: the seed
            scenarios, SEED_SCENARIOS).
        replicates: runs per scenario (default: each scenario's).
        progress: progress bars (None: only on a terminal).
        seed: base seed for every scenario (default: each scenario's).
        designs: force designs to cross with every scenario (see below).
        posterior: a calibrated posterior every run draws its parameters from (see
            :func:`run`); the same seeds draw the same particles in every scenario.

    Returns:
        A :class:`Comparison` (its tables are documented on the class).

    With ``designs`` (names of scenarios/designs/*.yaml, or ``["all"]``), every scenario runs
    with every design: the results are labelled ``"<scenario> × <design>"`` and
    ``Comparison.design_grid`` tabulates them. Every design of a scenario uses the same seeds
    (common random numbers), so differences between designs are not seed noise.
    """
    items = list(names_or_scenarios) if names_or_scenarios else default_scenarios()
    scenarios = [load(x) for x in items]  # every bad file is reported before anything runs
    chosen = resolve_designs(designs)
    posterior = _posterior(posterior)
    results: dict[str, RunResult] = {}
    cells: dict[str, tuple[str, str]] = {}
    for sc in scenarios:
        for design in chosen or [None]:
            variant = sc if design is None else with_overrides(sc, {"design": design})
            base = sc.name if design is None else f"{sc.name} × {design}"
            name, k = base, 2
            while name in results:
                name, k = f"{base}#{k}", k + 1
            results[name] = run(variant, replicates=replicates, seed=seed, progress=progress,
                                step_outcomes=outcomes.COMPARE_BANDS, posterior=posterior)
            cells[name] = (sc.name, variant.design)
    return Comparison(results, cells if chosen else {})


def resolve_designs(designs: Sequence[str] | None) -> list[str]:
    """Design names to compare: ``["all"]`` means every file in scenarios/designs/."""
    if not designs:
        return []
    names = design_names()
    if list(designs) == ["all"]:
        return names
    bad = [d for d in designs if d not in names]
    if bad:
        raise ScenarioError([Issue("unknown design", "--designs", None, "designs",
                                   expected="one of " + ", ".join(names) + " (or all)",
                                   found=repr(d), suggestion=did_you_mean(d, names))
                             for d in bad])
    return list(dict.fromkeys(designs))


__all__ = ["Comparison", "RunResult", "compare", "load", "run", "scenario_hash", "variant",
           "with_overrides"]


RunResult.__doc__ = (RunResult.__doc__ or "").replace(
    "__MONTHLY__", _columns_doc(outcomes.MONTHLY)).replace(
    "__PER_RUN__", _columns_doc(outcomes.PER_RUN))
