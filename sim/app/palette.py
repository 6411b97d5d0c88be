"""Colours and words for what a state commits: one colour per mode, the 'strongest' mode first.

Okabe-Ito colours, which stay distinguishable for colour-blind pupils and on a projector.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sim.model.parameters import MODES

STRENGTH_ORDER: tuple[str, ...] = ("ground", "air", "sea", "financing", "arms", "training")
"""Modes from strongest to weakest: a state's colour is its strongest committed mode."""

NOTHING = "nothing"

COLOURS: dict[str, str] = {
    "ground": "#D55E00",  # vermilion
    "air": "#0072B2",  # blue
    "sea": "#009E73",  # bluish green
    "financing": "#E69F00",  # orange (money)
    "arms": "#CC79A7",  # reddish purple
    "training": "#56B4E9",  # sky blue
    NOTHING: "#D9D9D9",  # light grey
}
"""Fill colour of a state by its strongest committed mode."""

LABELS: dict[str, str] = {
    "ground": "Ground troops",
    "air": "Air presence",
    "sea": "Naval presence",
    "financing": "Money (financing)",
    "arms": "Arms",
    "training": "Training",
    NOTHING: "Nothing",
}
"""Legend text of each colour."""

PHRASES: dict[str, str] = {
    "ground": "ground troops",
    "air": "air presence",
    "sea": "naval presence",
    "financing": "financing",
    "arms": "arms deliveries",
    "training": "training",
}
"""A mode in a sentence: 'the Netherlands commits air presence'."""

assert set(STRENGTH_ORDER) == set(MODES)


def strongest(commitments: Mapping[str, bool] | Iterable[str]) -> str:
    """The strongest committed mode (ground > air > sea > financing > arms > training),
    or 'nothing'. Accepts a mode → committed mapping or an iterable of committed modes."""
    on = ({m for m, v in commitments.items() if v} if isinstance(commitments, Mapping)
          else set(commitments))
    unknown = on - set(STRENGTH_ORDER)
    if unknown:
        raise ValueError(f"unknown mode(s) {sorted(unknown)}; expected some of {STRENGTH_ORDER}")
    return next((m for m in STRENGTH_ORDER if m in on), NOTHING)


def colour_of(commitments: Mapping[str, bool] | Iterable[str]) -> str:
    """Fill colour for a state committing these modes."""
    return COLOURS[strongest(commitments)]


def legend_entries() -> list[tuple[str, str]]:
    """(label, colour) for every category, strongest first, 'Nothing' last."""
    return [(LABELS[k], COLOURS[k]) for k in (*STRENGTH_ORDER, NOTHING)]
