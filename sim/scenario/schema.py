"""What a scenario may contain: the one schema, validated with pydantic.

docs/scenarios.md is generated from this module and ``coalition-sim schema`` prints it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from sim.model.parameters import MODES, Parameters, value_problem
from sim.model.world import MONTH_PATTERN, StateAttributes, coalition_states

Mode = Literal["ground", "air", "sea", "financing", "arms", "training"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class _Provenance(_Strict):
    """What a stated value rests on: article facts or public statistics (fact ids in
    seeds/facts.yaml), or ``hypothetical`` with a one-line reason. At least one is given."""

    facts: list[str] = Field(default_factory=list,
                             description="Fact ids (articles or public statistics) it rests on.")
    hypothetical: str = Field("", description="One-line reason, when no source states it: "
                                              "marks an assumption openly (explain, manifest "
                                              "and report flag it).")
    note: str = Field("", description="The position or change in plain words.")

    @model_validator(mode="after")
    def _sourced(self) -> _Provenance:
        if not self.facts and not self.hypothetical.strip():
            raise ValueError("cite at least one fact id in 'facts', or say 'hypothetical: "
                             "<reason>'")
        return self


class Position(_Provenance):
    """A state's stated position and per-state settings, optionally for a date range.

    ``shift`` moves the rule-based thresholds (assurance units; 9 means 'will not'). ``troops``,
    ``aircraft`` and ``warships`` replace the rule-based contribution when the state pledges
    that mode; ``deployable_share`` replaces the rule's share of active personnel; ``pledged``
    lists modes the state has pledged when the position starts (an initial condition)."""

    shift: dict[Mode, float] = Field(
        default_factory=dict,
        description="Added to the rule-based threshold of each named mode (assurance units); "
                    "a large value (e.g. 9) means 'will not pledge'.")
    troops: float | None = Field(None, ge=0, le=200_000,
                                 description="Troops the state sends when it pledges ground "
                                             "troops (replaces the capacity rule).")
    aircraft: float | None = Field(None, ge=0, le=1000,
                                   description="Combat aircraft it sends when it pledges air "
                                               "presence.")
    warships: float | None = Field(None, ge=0, le=100,
                                   description="Major warships it sends when it pledges sea "
                                               "presence.")
    deployable_share: float | None = Field(
        None, ge=0, le=0.5, description="Share of its active personnel it sends when it pledges "
                                        "ground troops (replaces sustainable share x readiness).")
    pledged: list[Mode] = Field(default_factory=list,
                                description="Modes the state has pledged when this position "
                                            "starts (initial conditions).")
    start: str | None = Field(None, pattern=MONTH_PATTERN,
                              description="First month the position holds (YYYY-MM); default: "
                                          "from the scenario's start.")
    until: str | None = Field(None, pattern=MONTH_PATTERN,
                              description="Last month the position holds (YYYY-MM); default: to "
                                          "the horizon.")

    @field_validator("shift")
    @classmethod
    def _bounded(cls, v: dict[str, float]) -> dict[str, float]:
        for mode, x in v.items():
            if not -10 <= x <= 10:
                raise ValueError(f"shift for {mode} must be within [-10, 10], found {x}")
        return v

    @model_validator(mode="after")
    def _range(self) -> Position:
        if self.start and self.until and self.until < self.start:
            raise ValueError(f"until ({self.until}) is before start ({self.start})")
        return self


class Event(_Strict):
    """From a given month on: new parameter values, a new force design and/or new positions
    of states, told in plain words in the event log."""

    month: int = Field(ge=1, le=600, description="Month (1 = first simulated month) it takes effect.")
    set: dict[str, float] = Field(default_factory=dict,
                                  description="Dotted parameter paths and their new values.")
    design: str | None = Field(None, description="A force design put on the table from this "
                                                 "month (scenarios/designs/NAME.yaml).")
    positions: dict[str, Position] = Field(
        default_factory=dict, description="States whose position is replaced from this month "
                                          "(state code -> position).")
    note: str = Field(min_length=1, description="What happens, in plain words.")
    facts: list[str] = Field(default_factory=list, description="Fact ids the event rests on.")
    hypothetical: str = Field("", description="One-line reason, when no source states it.")

    @field_validator("set")
    @classmethod
    def _known_paths(cls, v: dict[str, float]) -> dict[str, float]:
        for path, x in v.items():
            problem = value_problem(path, x)
            if problem is not None:
                raise ValueError(str(problem))
        return v

    @model_validator(mode="after")
    def _something(self) -> Event:
        if not (self.set or self.design or self.positions):
            raise ValueError("an event changes something: give 'set', 'design' or 'positions'")
        return self


class Scenario(_Strict):
    """A what-if world: parameters, states, stated positions and a timeline of events."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Short id (file stem).")
    description: str = Field(min_length=1, description="One line: what this scenario is.")
    extends: str | None = Field(None, description="Name of the scenario this one builds on.")
    design: str = Field("rear-reassurance-30k",
                        description="The force design on the table (scenarios/designs/NAME.yaml); "
                                    "its design.* values apply under any design.* set here.")
    facts: list[str] = Field(default_factory=list, description="Fact ids the scenario rests on.")
    start: str = Field("2025-02", pattern=MONTH_PATTERN,
                       description="Calendar month of month 0, YYYY-MM.")
    horizon: int = Field(36, ge=1, le=600, description="Months simulated.")
    replicates: int = Field(200, ge=1, le=1_000_000, description="Seeded runs.")
    seed: int = Field(2025, ge=0, le=2**63 - 1,
                      description="Base seed; replicate i uses seed + i.")
    world: Literal["coalition"] | list[StateAttributes] = Field(
        "coalition", description="'coalition' (the 34 participants in seeds/countries.yaml) or "
                                 "a list of states of the scenario's own.")
    positions: dict[str, Position] = Field(
        default_factory=dict, description="Stated positions by state code.")
    parameters: Parameters = Field(default_factory=Parameters)
    events: list[Event] = Field(default_factory=list, description="Timeline of changes.")
    hypothetical: str = Field("", description="One-line reason when the scenario as a whole is "
                                              "a hypothetical (flagged like any hypothetical).")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Overrides applied after loading (with_overrides, "
                                          "--set), recorded so results and manifests say what "
                                          "was changed; not written in scenario files.")
    _written: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @property
    def written_parameters(self) -> frozenset[str]:
        """Parameter paths the scenario's files write (its own or through ``extends``), even
        at their default value: a calibrated posterior never draws them (``sim.analysis.posterior``).
        Set by the loader and kept by ``with_overrides``; empty for a scenario built in code."""
        return self._written

    def pin(self, paths: frozenset[str]) -> Scenario:
        """This scenario, recording ``paths`` as written by its files (see
        :attr:`written_parameters`)."""
        self._written = frozenset(paths)
        return self

    def states(self) -> tuple[StateAttributes, ...]:
        """The states of this scenario's world."""
        return coalition_states() if self.world == "coalition" else tuple(self.world)


    def hypotheticals(self) -> list[str]:
        """Every hypothetical in the scenario, as 'where: reason' lines (empty if none)."""
        out = [f"scenario {self.name}: {self.hypothetical}"] if self.hypothetical else []
        out += [f"positions.{c}: {p.hypothetical}" for c, p in self.positions.items()
                if p.hypothetical]
        for i, e in enumerate(self.events):
            if e.hypothetical:
                out.append(f"events[{i}] (month {e.month}): {e.hypothetical}")
            out += [f"events[{i}].positions.{c} (month {e.month}): {p.hypothetical}"
                    for c, p in e.positions.items() if p.hypothetical]
        return out


__all__ = ["MODES", "Event", "Position", "Scenario"]
