"""What a scenario may contain: the one schema, validated with pydantic.

docs/scenarios.md is generated from this module and ``coalition-sim schema`` prints it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.parameters import MODES, PARAM_INFO, Parameters
from sim.world import StateSpec, coalition_states

Mode = Literal["ground", "air", "sea", "financing", "arms", "training"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Position(_Strict):
    """A state's stated position, as a shift of its thresholds; must cite a seed-article fact."""

    shift: dict[Mode, float] = Field(
        description="Added to the rule-based threshold of each named mode (assurance units); "
                    "a large value (e.g. 9) means 'will not commit'.")
    facts: list[str] = Field(min_length=1, description="Fact ids stating this position.")
    note: str = Field("", description="The position in plain words.")

    @field_validator("shift")
    @classmethod
    def _bounded(cls, v: dict[str, float]) -> dict[str, float]:
        for mode, x in v.items():
            if not -10 <= x <= 10:
                raise ValueError(f"shift for {mode} must be within [-10, 10], found {x}")
        return v


class Event(_Strict):
    """A change of parameters from a given month on, told in plain words in the event log."""

    month: int = Field(ge=1, le=600, description="Month (1 = first simulated month) it takes effect.")
    set: dict[str, float] = Field(min_length=1,
                                  description="Dotted parameter paths and their new values.")
    note: str = Field(min_length=1, description="What happens, in plain words.")
    facts: list[str] = Field(default_factory=list, description="Fact ids the event rests on.")

    @field_validator("set")
    @classmethod
    def _known_paths(cls, v: dict[str, float]) -> dict[str, float]:
        for path, x in v.items():
            info = PARAM_INFO.get(path)
            if info is None:
                raise ValueError(f"unknown parameter {path!r}")
            if not info.lo <= x <= info.hi:
                raise ValueError(f"{path} must be within [{info.lo:g}, {info.hi:g}], found {x}")
        return v


class Scenario(_Strict):
    """A what-if world: parameters, states, stated positions and a timeline of events."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Short id (file stem).")
    description: str = Field(min_length=1, description="One line: what this scenario is.")
    extends: str | None = Field(None, description="Name of the scenario this one builds on.")
    design: str = Field("rear-reassurance-30k",
                        description="The force design on the table (scenarios/designs/NAME.yaml); "
                                    "its design.* values apply under any design.* set here.")
    facts: list[str] = Field(default_factory=list, description="Fact ids the scenario rests on.")
    start: str = Field("2025-02", pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                       description="Calendar month of month 0, YYYY-MM.")
    horizon: int = Field(36, ge=1, le=600, description="Months simulated.")
    replicates: int = Field(200, ge=1, le=1_000_000, description="Seeded runs.")
    seed: int = Field(2025, ge=0, le=2**63 - 1,
                      description="Base seed; replicate i uses seed + i.")
    world: Literal["coalition"] | list[StateSpec] = Field(
        "coalition", description="'coalition' (the 34 participants in seeds/countries.yaml) or "
                                 "a list of states of the scenario's own.")
    positions: dict[str, Position] = Field(
        default_factory=dict, description="Stated positions by state code.")
    parameters: Parameters = Field(default_factory=Parameters)
    events: list[Event] = Field(default_factory=list, description="Timeline of changes.")

    def states(self) -> tuple[StateSpec, ...]:
        """The states of this scenario's world."""
        return coalition_states() if self.world == "coalition" else tuple(self.world)


__all__ = ["MODES", "Event", "Position", "Scenario"]
