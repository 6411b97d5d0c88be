"""The event log in plain words, told from what changed between two months.

``narrate`` compares two monthly snapshots (who pledges what; the force pledged and deployed,
the ceasefire, US conduct) and returns sentences such as "Month 4: the Netherlands pledges air
presence after the US restores intelligence sharing." Scheduled scenario events
(``model.log``) are told first and become the reason for the moves of that month.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sim.app.palette import PHRASES, STRENGTH_ORDER

_THE = frozenset({"Netherlands", "Czech Republic", "Philippines", "Bahamas", "Gambia",
                  "Maldives", "Seychelles", "Vatican", "Holy See", "Baltic States"})
_STOP: dict[str, tuple[str, str]] = {
    "ground": ("withdraws its pledge of ground troops", "withdraw their pledges of ground troops"),
    "air": ("withdraws its pledge of air presence", "withdraw their pledges of air presence"),
    "sea": ("withdraws its pledge of naval presence", "withdraw their pledges of naval presence"),
    "financing": ("stops financing", "stop financing"),
    "arms": ("stops arms deliveries", "stop arms deliveries"),
    "training": ("stops training", "stop training"),
}
"""What a state that leaves a mode does (one state, several states)."""
FORCE_UNITS: tuple[tuple[str, str, str], ...] = (
    ("deployed_troops", "soldier", "troops"),
    ("deployed_aircraft", "combat aircraft", "combat aircraft"),
    ("deployed_warships", "warship", "warships"))
"""Deployed forces the log counts (sim/model/outcomes.py names), with their unit: one, several."""
LOG_OUTCOMES: tuple[str, ...] = ("pledged_troops", *(k for k, _, _ in FORCE_UNITS), "enabler_gap",
                                 "ceasefire_in_force", "breakdowns", "disengaged", "tariffs")
"""The monthly outcomes the log reads (a test checks the model reports each of them)."""
_LIST_MAX = 5
"""Name up to this many states in full in one sentence; more become 'A, B, C, D and N others'."""


@dataclass(frozen=True)
class Snapshot:
    """One month as the log sees it."""

    month: int
    commitments: Mapping[str, frozenset[str]]  # state code -> committed modes
    outcomes: Mapping[str, float] = field(default_factory=dict)  # sim.model.outcomes.MONTHLY
    notes: Sequence[str] = ()  # scheduled events that took effect this month


def with_article(name: str) -> str:
    """'the Netherlands', 'the United Kingdom', 'France'."""
    if name in _THE or name.startswith(("United ", "Republic ", "Kingdom ")):
        return f"the {name}"
    return name


def join_names(names: Sequence[str], limit: int = _LIST_MAX) -> str:
    """'A', 'A and B', 'A, B and C', ... up to ``limit`` names in full; beyond it the first
    ``limit - 1`` and a count: 'A, B, C, D and 5 others'."""
    names = list(names)
    if not names:
        return ""
    if len(names) > limit:
        shown = names[: limit - 1]
        return f"{', '.join(shown)} and {len(names) - len(shown)} others"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def clause(note: str) -> str:
    """A scenario note as a clause after 'after': 'The US restores X.' → 'the US restores X'."""
    text = note.strip().rstrip(".!")
    first, _, rest = text.partition(" ")
    if first in {"The", "A", "An"}:
        text = f"{first.lower()} {rest}"
    return text


def _sentence(month: int, text: str) -> str:
    return f"Month {month}: {text}."


def _value(outcomes: Mapping[str, float], key: str) -> float:
    v = float(outcomes.get(key, 0.0))
    return 0.0 if math.isnan(v) else v


def narrate(before: Snapshot, after: Snapshot, names: Mapping[str, str],
            ask: float = 30_000.0) -> list[str]:
    """Plain sentences for what happened in ``after.month`` compared with ``before``.

    ``names`` maps state codes to display names (the order of ``names`` is the order in
    which states are listed); ``ask`` is the number of ground troops the force design asks
    for (0: a design with no ground troops, whose pledges are not counted against it).
    """
    m = after.month
    out = [_sentence(m, n.strip().rstrip(".!")) for n in after.notes]
    reason = f" after {clause(after.notes[-1])}" if after.notes else ""
    codes = list(names)
    for mode in STRENGTH_ORDER:
        was = [c for c in codes if mode in before.commitments.get(c, frozenset())]
        now = [c for c in codes if mode in after.commitments.get(c, frozenset())]
        joined = [c for c in now if c not in was]
        left = [c for c in was if c not in now]
        phrase = PHRASES[mode]
        if joined:
            who = join_names([with_article(names[c]) for c in joined])
            verb = "pledges" if len(joined) == 1 else "pledge"
            if reason:
                why = reason
            elif not was:
                why = " - the first to do so"
            else:
                stay = [c for c in was if c in now]
                if len(stay) > 2:
                    why = f", joining {len(stay)} others"
                elif stay:
                    why = f", joining {join_names([with_article(names[c]) for c in stay])}"
                else:
                    why = ""
            if len(joined) > _LIST_MAX:
                who = f"{len(joined)} states ({who})"
            out.append(_sentence(m, f"{who} {verb} {phrase}{why}"))
        if left:
            who = join_names([with_article(names[c]) for c in left])
            verb = _STOP[mode][0] if len(left) == 1 else _STOP[mode][1]
            if len(left) > _LIST_MAX:
                who = f"{len(left)} states ({who})"
            out.append(_sentence(m, f"{who} {verb}{reason}"))
    out.extend(_outcome_sentences(before.outcomes, after.outcomes, m, ask))
    return out


def _deployed(outcomes: Mapping[str, float]) -> list[str]:
    """'24,375 troops', '1 warship', ...: the forces in place, in whole units."""
    counts = ((round(_value(outcomes, k)), one, many) for k, one, many in FORCE_UNITS)
    return [f"{n:,} {one if n == 1 else many}" for n, one, many in counts if n > 0]


def _outcome_sentences(b: Mapping[str, float], a: Mapping[str, float], m: int,
                       ask: float) -> list[str]:
    out = []
    t0, t1 = _value(b, "pledged_troops"), _value(a, "pledged_troops")
    if ask > 0 and t0 < ask <= t1:
        out.append(_sentence(m, f"the pledges reach {t1:,.0f} troops - all the design asks for"))
    elif ask > 0 and t1 < ask <= t0:
        out.append(_sentence(m, f"the pledges fall to {t1:,.0f} troops, below the {ask:,.0f} "
                                "the design asks for"))
    now, was = _deployed(a), _deployed(b)
    if now and not was:  # told first: a month places the force, then Russia decides
        gap = _value(a, "enabler_gap")
        short = (f" - enablers are missing for {gap:.0%} of the force pledged"
                 if round(100 * gap) > 0 else " - the whole force pledged")
        out.append(_sentence(m, f"the force deploys {join_names(now)}{short}"))
    if _value(a, "ceasefire_in_force") > 0.5 >= _value(b, "ceasefire_in_force"):
        again = " new" if _value(b, "breakdowns") > 0 else ""
        out.append(_sentence(m, f"Russia and Ukraine agree a{again} ceasefire"))
    if _value(a, "breakdowns") > _value(b, "breakdowns"):
        out.append(_sentence(m, "Russia breaks the ceasefire"))
    if _value(a, "disengaged") > 0.5 >= _value(b, "disengaged"):
        out.append(_sentence(m, "the US walks away and keeps only intelligence sharing"))
    if _value(a, "tariffs") > 0 >= _value(b, "tariffs"):
        out.append(_sentence(m, "the US imposes secondary tariffs on buyers of Russian oil"))
    return out
