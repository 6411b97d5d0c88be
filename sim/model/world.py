"""The states of a world and their public attributes, as arrays.

The article-based world is the 34 participants in seeds/countries.yaml; a scenario may define
its own list (a classroom world of five states, a hundred identical ones). ``StateAttributes`` is the
schema of one state; ``World`` holds all states as numpy arrays indexed by state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.model.facts import COUNTRIES_FILE
from sim.model.parameters import MODES
from sim.util import yamldata

KYIV = (50.45, 30.52)
"""Latitude and longitude of Kyiv, from which exposure distance is measured."""
EXPOSURE_RANGE_KM = 3000.0
"""Distance from Kyiv beyond which distance adds no threat exposure."""
EXPOSURE_BORDER_WEIGHT = 0.5
"""Share of threat exposure from a land border with Russia or Belarus (docs/ODD.md 7.8)."""
EXPOSURE_DISTANCE_WEIGHT = 0.5
"""Share of threat exposure from the capital's closeness to Kyiv (docs/ODD.md 7.8)."""
GROUPS: tuple[str, ...] = ("nato", "eu", "jef", "nb8", "b9", "weimar")
"""Groupings whose members watch each other's pledges (docs/ODD.md 7.1), besides the coalition
itself, to which every state of a world belongs."""


MONTH_PATTERN = r"^(19|2[01])\d\d-(0[1-9]|1[0-2])$"
"""A calendar month, YYYY-MM, of the years 1900 to 2199."""


class StateAttributes(BaseModel):
    """One coalition state and its public attributes."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    code: str = Field(min_length=2, max_length=8, description="Short code (ISO 3166-1 alpha-2).")
    name: str = Field(min_length=1, description="Display name.")
    capital: str = Field("", description="Capital city (map placement).")
    lat: float = Field(ge=-90, le=90, description="Capital latitude.")
    lon: float = Field(ge=-180, le=180, description="Capital longitude.")
    gdp_usd_bn: float = Field(ge=0.01, le=100_000, description="GDP 2024, USD bn "
                              "(0.01 to 100,000: USD 10 million to 100 trillion).")
    active_personnel: float = Field(ge=0, le=5_000_000,
                                    description="Active military personnel (at most 5 million).")
    defence_pct_gdp: float = Field(ge=0, le=20, description="Defence spending, % of GDP.")
    border_russia_belarus: bool = Field(description="Land border with Russia or Belarus.")
    landlocked: bool = Field(False, description="No sea coast (cannot commit naval presence).")
    combat_aircraft: float = Field(ge=0, le=20_000,
                                   description="Combat-capable aircraft (at most 20,000).")
    major_warships: float = Field(ge=0, le=2_000, description="Principal surface combatants and "
                                                              "submarines (at most 2,000).")
    deployment_approval: Literal["parliament", "government"] = Field(
        description="Who must approve a deployment abroad.")
    next_election: str = Field("2099-01", pattern=MONTH_PATTERN,
                               description="Next national election, YYYY-MM.")
    fiscal_constraint: Literal["none", "eu_edp", "debt_brake"] = Field(
        "none", description="Fiscal rule binding new spending.")
    nato: bool = Field(True, description="NATO member.")
    eu: bool = Field(True, description="EU member.")
    groups: list[Literal["jef", "nb8", "b9", "weimar"]] = Field(
        default_factory=list, description="Regional groupings the state belongs to besides NATO "
        "and the EU: jef (Joint Expeditionary Force), nb8 (Nordic-Baltic Eight), b9 (Bucharest "
        "Nine), weimar (Weimar triangle).")
    coalition_government: bool = Field(False, description="Governed by a coalition of parties.")
    neutral: bool = Field(False, description="Militarily neutral or non-aligned by law or policy.")


@cache
def coalition_states() -> tuple[StateAttributes, ...]:
    """The 34 article-based participants from seeds/countries.yaml."""
    data = yamldata.load_file(COUNTRIES_FILE)
    return tuple(StateAttributes(**row) for row in data["states"])


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` (both YYYY-MM)."""
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in end.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def _haversine_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(lat0)
    dphi, dlmb = p2 - p1, np.radians(lon0 - lon)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def _log_scale(x: np.ndarray, full: float) -> np.ndarray:
    """0 at x = 0, 1 at x = full, logarithmic in between, capped at 1."""
    return np.clip(np.log1p(x) / np.log1p(full), 0.0, 1.0)


CAPACITY_FULL = {
    "ground": 200_000.0,  # active personnel
    "air": 300.0,  # combat aircraft
    "sea": 40.0,  # major warships
    "financing": 4_500.0,  # GDP, USD bn
    "arms": 90.0,  # defence budget, USD bn
    "training": 200_000.0,  # active personnel
}
"""Attribute value at which a state's capacity in a mode counts as full (ODD, submodel 'capacity')."""


@dataclass(frozen=True)
class World:
    """All states of a run as arrays (index s = state, m = mode)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    gdp: np.ndarray
    personnel: np.ndarray
    defence_pct: np.ndarray
    border: np.ndarray  # bool
    aircraft: np.ndarray
    warships: np.ndarray
    approval: np.ndarray  # bool: parliament must approve deployments
    fiscal: np.ndarray  # bool: a fiscal rule binds new spending
    election_offset: np.ndarray  # months from scenario start to next election
    exposure: np.ndarray  # threat exposure in [0, 1]
    capacity: np.ndarray  # (S, M) in [0, 1]
    feasible: np.ndarray  # (S, M) bool: the state has any capacity in the mode
    coalition_govt: np.ndarray  # bool: governed by a coalition of parties
    neutral: np.ndarray  # bool: militarily neutral or non-aligned
    groups: np.ndarray  # (G, S) bool: distinct peer groups (the coalition first), see peer_groups

    @property
    def size(self) -> int:
        return len(self.codes)

    def index(self, code: str) -> int:
        """Position of a state code (KeyError names it)."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"unknown state code {code!r}") from None

    @classmethod
    def from_attributes(cls, states: tuple[StateAttributes, ...] | list[StateAttributes],
                        start: str) -> World:
        """Arrays for these states, with election dates counted from ``start`` (YYYY-MM)."""
        def col(name: str) -> np.ndarray:
            return np.array([float(getattr(s, name)) for s in states])

        lat, lon = col("lat"), col("lon")
        border = np.array([s.border_russia_belarus for s in states])
        dist = _haversine_km(lat, lon, *KYIV)
        exposure = (EXPOSURE_BORDER_WEIGHT * border
                    + EXPOSURE_DISTANCE_WEIGHT * np.clip(1.0 - dist / EXPOSURE_RANGE_KM, 0.0, 1.0))
        personnel, aircraft, warships = col("active_personnel"), col("combat_aircraft"), col(
            "major_warships")
        gdp, pct = col("gdp_usd_bn"), col("defence_pct_gdp")
        landlocked = np.array([s.landlocked for s in states])
        raw = {
            "ground": personnel,
            "air": aircraft,
            "sea": np.where(landlocked, 0.0, warships),
            "financing": gdp,
            "arms": gdp * pct / 100.0,
            "training": personnel,
        }
        capacity = np.stack([_log_scale(raw[m], CAPACITY_FULL[m]) for m in MODES], axis=1)
        return cls(
            codes=tuple(s.code for s in states),
            names=tuple(s.name for s in states),
            lat=lat,
            lon=lon,
            gdp=gdp,
            personnel=personnel,
            defence_pct=pct,
            border=border,
            aircraft=aircraft,
            warships=np.where(landlocked, 0.0, warships),
            approval=np.array([s.deployment_approval == "parliament" for s in states]),
            fiscal=np.array([s.fiscal_constraint != "none" for s in states]),
            election_offset=np.array([months_between(start, s.next_election) for s in states]),
            exposure=exposure,
            capacity=capacity,
            feasible=capacity > 0,
            coalition_govt=np.array([s.coalition_government for s in states]),
            neutral=np.array([s.neutral for s in states]),
            groups=peer_groups(states),
        )


def peer_groups(states: tuple[StateAttributes, ...] | list[StateAttributes]) -> np.ndarray:
    """(G, S) membership of the distinct peer groups: the whole coalition first, then NATO,
    the EU and the regional groupings of ``GROUPS`` with at least two members here. A group
    with the same members as an earlier one is the same group (counted once)."""
    rows = [np.ones(len(states), dtype=bool)]
    for g in GROUPS:
        row = np.array([getattr(s, g) if g in ("nato", "eu") else g in s.groups for s in states],
                       dtype=bool)
        if row.sum() >= 2 and not any(np.array_equal(row, r) for r in rows):
            rows.append(row)
    return np.stack(rows)
