"""The dated observations of the 2025 record (seeds/observations.yaml), and how a run meets
them.

An observation is a monthly outcome at a date (``outcome``), or a state's pledge of a mode
at a date (``state`` and ``mode``), with a value and an uncertainty (one standard deviation).
``compare`` puts each next to what a run simulated: the mean and the 90% band of the runs
(5th to 95th percentile; for a state's pledge, Wilson's 90% interval of the share of runs), and
whether the band meets the observation's own 90% interval (value ± 1.645 sd).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.analysis import stats
from sim.api import month_labels, step_frame
from sim.engine import batch as engine
from sim.model import outcomes
from sim.model.facts import FACTS_FILE
from sim.model.parameters import MODES
from sim.model.world import months_between
from sim.scenario.schema import Scenario

OBSERVATIONS_FILE = FACTS_FILE.parent / "observations.yaml"
"""The record's observations."""


class Observation(BaseModel):
    """One dated observation and its uncertainty."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    date: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    outcome: str | None = None
    state: str | None = None
    mode: Literal["ground", "air", "sea", "financing", "arms", "training"] | None = None
    window: Literal["at", "by"] = "at"
    value: float
    sd: float = Field(gt=0)
    facts: list[str] = Field(min_length=1)
    note: str = ""

    @model_validator(mode="after")
    def _what(self) -> Observation:
        if (self.outcome is None) == (self.state is None):
            raise ValueError("give either 'outcome' or 'state' (with 'mode')")
        if self.outcome is not None and self.outcome not in outcomes.MONTHLY_NAMES:
            raise ValueError(f"unknown monthly outcome {self.outcome!r}")
        if self.state is not None and self.mode is None:
            raise ValueError("a state's observation names its 'mode'")
        return self

    @property
    def label(self) -> str:
        if self.state:
            return f"{self.state} pledges {self.mode}"
        return outcomes.monthly(self.outcome).label + (" (by then)" if self.window == "by" else "")

    def interval(self) -> tuple[float, float]:
        """The observation's own 90% interval."""
        return self.value - stats.Z90 * self.sd, self.value + stats.Z90 * self.sd


@cache
def load_observations(path: Path = OBSERVATIONS_FILE) -> tuple[Observation, ...]:
    """Every observation in seeds/observations.yaml, validated."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Observation.model_validate(row) for row in data["observations"])


@cache
def observed_scenarios(path: Path = OBSERVATIONS_FILE) -> tuple[str, ...]:
    """The scenarios the observations are a record of (``scenarios:`` in the file)."""
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8")).get("scenarios", ()))


def for_scenario(scenario: Scenario) -> tuple[Observation, ...]:
    """The observations a scenario is checked against (none unless it is a record), those
    within its months."""
    if scenario.name not in observed_scenarios():
        return ()
    return tuple(o for o in load_observations()
                 if 1 <= months_between(scenario.start, o.date) <= scenario.horizon)


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
    and ``covered`` (the band meets the observation's interval)."""
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
        rows.append({"id": obs.id, "date": obs.date, "what": obs.label, "observed": obs.value,
                     "observed_lo": olo, "observed_hi": ohi, "simulated": mean,
                     "simulated_lo": lo, "simulated_hi": hi,
                     "covered": bool(hi >= olo and lo <= ohi), "facts": ", ".join(obs.facts),
                     "note": obs.note})
    return pd.DataFrame(rows)

