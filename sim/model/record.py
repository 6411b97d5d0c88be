"""The dated observations of the 2025 record (seeds/observations.yaml): what was observed, when,
with what uncertainty, and which scenarios are records of it. How runs meet them:
``sim.analysis.observations``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.analysis.stats import Z90
from sim.model import outcomes
from sim.model.facts import FACTS_FILE
from sim.model.world import months_between
from sim.util import yamldata

if TYPE_CHECKING:
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
    role: Literal["target", "consistency"] = "target"
    """``target``: a calibration target and a test of the model; ``consistency``: what it
    observes is also an input (a stance written into the scenarios as a position), so meeting
    it is a consistency check, reported apart, never fitted nor counted as a prediction."""

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
        return self.value - Z90 * self.sd, self.value + Z90 * self.sd


@cache
def load_observations(path: Path = OBSERVATIONS_FILE) -> tuple[Observation, ...]:
    """Every observation in seeds/observations.yaml, validated."""
    data = yamldata.load_file(path)
    return tuple(Observation.model_validate(row) for row in data["observations"])


@cache
def observed_scenarios(path: Path = OBSERVATIONS_FILE) -> tuple[str, ...]:
    """The scenarios the observations are a record of (``scenarios:`` in the file)."""
    return tuple(yamldata.load_file(path).get("scenarios", ()))


def for_scenario(scenario: Scenario) -> tuple[Observation, ...]:
    """The observations a scenario is checked against (none unless it is a record), those
    within its months."""
    if scenario.name not in observed_scenarios():
        return ()
    return tuple(o for o in load_observations()
                 if 1 <= months_between(scenario.start, o.date) <= scenario.horizon)
