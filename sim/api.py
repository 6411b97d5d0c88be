"""The Python API: load, override, run and compare scenarios, with pandas DataFrames.

The command line is a thin layer over these functions; notebooks use them directly::

    from sim import api
    sc = api.with_overrides(api.load("sep-2025-paris"), {"us.backstop_scale": 1.5})
    res = api.run(sc, replicates=50)
    res.summary.describe()
    cmp = api.compare()            # all seed scenarios
    cmp.table; cmp.matrix

Analyses that run more (effects, screening, observations) are in ``sim.analysis``; writing
output folders (tables, figures, report) is in ``sim.output.report``, which only writes what it
is given: ``write_comparison(cmp, out, sim.analysis.assess.assess(cmp))``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine import batch as engine
from sim.engine.results import Comparison, RunResult, StepTable, month_labels, step_frame
from sim.model import outcomes, rules
from sim.model.parameters import MODES, PRESENCE_MODES
from sim.scenario.designs import design_names
from sim.scenario.errors import Issue, ScenarioError, did_you_mean
from sim.scenario.loader import SCENARIOS_DIR, scenario_names
from sim.scenario.overrides import hypotheticals, load, scenario_hash, variant, with_overrides
from sim.scenario.schema import Scenario
from sim.util.progress import progress as progress_bar

CHUNK = 1000
"""Runs simulated at once; memory stays bounded whatever the number of replicates."""
SEED_SCENARIOS: tuple[str, ...] = (
    "feb-2025-summit", "hague-2025-intel-only", "sep-2025-paris", "dec-2025-assets",
    "us-full-backstop", "us-withdrawal", "max-sanctions", "sanctions-relief",
    "us-backstop-erodes", "europe-steps-up",
)
"""The article-based scenarios ``compare`` runs by default (those present in scenarios/)."""
# --- running -------------------------------------------------------------------------------

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
    if res.offered is not None:
        troops = res.offered[:, :, rules.GROUND]
    else:
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
    cols["committed_presence"] = res.committed[:, :, PRESENCE_MODES].any(axis=2).reshape(-1).astype(np.int8)
    cols["troops"] = troops.reshape(-1)
    cols["burden_pct_gdp"] = res.burden_pct_gdp.reshape(-1)
    cols["burden_share"] = share.reshape(-1)
    cols["gdp_share"] = np.tile(gdp / gdp.sum(), R)
    return pd.DataFrame(cols)


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
            separates parameters from runs. Default None: fixed parameters (the command
            line draws from the shipped posterior unless ``--fixed-parameters``; code asks
            explicitly).

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
    steps = StepTable(len(seeds), dates, outcomes) if record_steps else None
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
            :func:`run`; default None: fixed); the same seeds draw the same particles in every
            scenario.

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


__all__ = ["Comparison", "RunResult", "compare", "hypotheticals", "load", "month_labels", "run",
           "scenario_hash", "step_frame", "variant", "with_overrides"]


