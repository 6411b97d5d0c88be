"""The dated observations of the 2025 record (seeds/observations.yaml), and how a run meets
them.

An observation is a monthly outcome at a date (``outcome``), or a state's pledge of a mode
at a date (``state`` and ``mode``), with a value and an uncertainty (one standard deviation).
``compare`` puts each next to what a run simulated: the mean and the 90% band of the runs
(5th to 95th percentile; for a state's pledge, Wilson's 90% interval of the share of runs), and
whether the band meets the observation's own 90% interval (value ± 1.645 sd).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.engine import batch as engine
from sim.engine.results import month_labels, step_frame
from sim.model import outcomes
from sim.model.parameters import MODES
from sim.model.record import Observation, for_scenario
from sim.model.world import months_between
from sim.scenario.schema import Scenario

__all__ = ["check", "compare", "simulated"]

CHUNK = 2000
"""Runs simulated at once by :func:`check`."""


def check(scenario: Scenario, replicates: int | None = None,
          posterior: Any = None) -> pd.DataFrame:
    """Run ``scenario`` (its replicates, or ``replicates``) and compare it with its
    observations (see :func:`compare`); empty if it has none. With a ``posterior``
    (``sim.analysis.posterior.Posterior``) each run draws its calibrated parameters as ``api.run``
    does, so the table checks the very runs a run with that posterior made."""
    obs = for_scenario(scenario)
    if not obs:
        return pd.DataFrame()
    seeds = scenario.seed + np.arange(replicates or scenario.replicates)
    values = posterior.values_for(scenario, seeds)[0] if posterior is not None else None
    months = sorted({months_between(scenario.start, o.date) for o in obs if o.state})
    dates = month_labels(scenario.start, scenario.horizon)
    parts: list[list[np.ndarray]] = [[] for _ in obs]
    world = None
    for lo in range(0, len(seeds), CHUNK):  # memory bounded by the chunk, not the replicates
        part = seeds[lo:lo + CHUNK]
        batch = engine.compile_batch(
            scenario, seeds=part, world=world,
            values=None if values is None else {k: v[lo:lo + CHUNK] for k, v in values.items()})
        world = batch.world
        res = engine.simulate(batch, record_steps=True, snapshot_months=months)
        steps = step_frame(res, lo, dates, res.steps)
        rows = []
        for month, committed in res.snapshots.items():
            for i, code in enumerate(batch.world.codes):
                rows.append(pd.DataFrame({"run": np.arange(lo, lo + len(part)), "month": month,
                                          "code": code,
                                          **{f"committed_{m}": committed[:, i, j].astype(float)
                                             for j, m in enumerate(MODES)}}))
        states_at = pd.concat(rows, ignore_index=True) if rows else None
        for k, o in enumerate(obs):
            x = simulated(o, steps, states_at, scenario.start)
            if x is not None:
                parts[k].append(x)
    return table(obs, [np.concatenate(p) if p else None for p in parts])


def simulated(obs: Observation, steps: pd.DataFrame, states_at: pd.DataFrame | None,
              start: str) -> np.ndarray | None:
    """The simulated values behind ``obs``, one per run (None if the run does not cover it)."""
    month = months_between(start, obs.date)
    if obs.outcome is not None:
        if obs.window == "by":
            sel = steps[(steps["month"] >= 1) & (steps["month"] <= month)]
            if sel.empty:
                return None
            return sel.groupby("run")[obs.outcome].max().to_numpy(dtype=float)
        sel = steps[steps["month"] == month]
        return None if sel.empty else sel.sort_values("run")[obs.outcome].to_numpy(dtype=float)
    if states_at is None or month not in set(states_at["month"]):
        return None
    sel = states_at[(states_at["month"] == month) & (states_at["code"] == obs.state)]
    return None if sel.empty else sel[f"committed_{obs.mode}"].to_numpy(dtype=float)


def compare(observations: tuple[Observation, ...], steps: pd.DataFrame,
            states_at: pd.DataFrame | None, start: str) -> pd.DataFrame:
    """One row per observation: observed value and interval, simulated mean and 90% band,
    ``covered`` (the band meets the observation's interval), and the predictive ``z`` and its
    two-sided ``p_value``: (observed − simulated mean) / √(observation sd² + sd of the runs²),
    how far the observation lies in the predictive distribution of one run plus the
    observation's own error."""
    return table(observations, [simulated(o, steps, states_at, start) for o in observations])


def table(observations: tuple[Observation, ...], values: list[np.ndarray | None]
          ) -> pd.DataFrame:
    """The table of :func:`compare` from each observation's simulated values (one per run;
    None: not covered by the runs)."""
    rows = []
    for obs, x in zip(observations, values, strict=True):
        if x is None:
            continue
        if obs.state is not None or (obs.outcome and outcomes.is_probability(obs.outcome,
                                                                              "monthly")):
            mean, lo, hi = stats.interval(x, probability=True)
        else:
            mean = float(np.mean(x))
            lo, hi = stats.spread(x)
        olo, ohi = obs.interval()
        spread = float(np.std(x, ddof=1)) if len(x) > 1 else 0.0
        z = (obs.value - mean) / math.sqrt(obs.sd ** 2 + spread ** 2)
        rows.append({"id": obs.id, "date": obs.date, "what": obs.label, "role": obs.role,
                     "observed": obs.value,
                     "observed_lo": olo, "observed_hi": ohi, "simulated": mean,
                     "simulated_lo": lo, "simulated_hi": hi,
                     "covered": bool(hi >= olo and lo <= ohi), "z": z,
                     "p_value": math.erfc(abs(z) / math.sqrt(2.0)),
                     "facts": ", ".join(obs.facts), "note": obs.note})
    return pd.DataFrame(rows)

