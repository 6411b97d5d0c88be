"""The fact base: figures and stances from the seed articles and public statistics."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sim.util import yamldata

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
FACTS_FILE = SEEDS_DIR / "facts.yaml"
COUNTRIES_FILE = SEEDS_DIR / "countries.yaml"
MODELLING = "modelling"
"""Pseudo fact id for an assumption of the model itself (documented in docs/ODD.md)."""


@dataclass(frozen=True)
class Fact:
    """One fact: a figure or stance, where it comes from, and a paraphrase."""

    id: str
    value: Any
    unit: str
    date: str
    source: tuple[str, ...]
    kind: str
    paraphrase: str


@cache
def load_facts(path: Path = FACTS_FILE) -> dict[str, Fact]:
    """All facts in seeds/facts.yaml, by id."""
    data = yamldata.load_file(path)
    facts: dict[str, Fact] = {}
    for row in data["facts"]:
        src = row["source"]
        facts[row["id"]] = Fact(
            id=row["id"],
            value=row["value"],
            unit=str(row.get("unit", "")),
            date=str(row.get("date", "")),
            source=tuple(src) if isinstance(src, list) else (str(src),),
            kind=str(row.get("kind", "")),
            paraphrase=str(row["paraphrase"]),
        )
    return facts


def fact(fact_id: str) -> Fact:
    """The fact with this id (KeyError names the id)."""
    facts = load_facts()
    if fact_id not in facts:
        raise KeyError(f"unknown fact id {fact_id!r}")
    return facts[fact_id]


def describe(fact_id: str) -> str:
    """A one-line citation: ``id (source files): paraphrase``; modelling assumptions say so."""
    if fact_id == MODELLING:
        return "modelling assumption (docs/ODD.md)"
    f = fact(fact_id)
    return f"{f.id} ({', '.join(f.source)}): {f.paraphrase}"
