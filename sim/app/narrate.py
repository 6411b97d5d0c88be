"""The event log in plain words, told from what changed between two months.

``narrate`` compares two monthly snapshots (who commits what; force, ceasefire, US conduct) and
returns sentences such as "Month 4: the Netherlands commits air presence after the US restores
intelligence sharing." Scheduled scenario events (``model.log``) are told first and become the
reason for the moves of that month.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sim.app.palette import PHRASES, STRENGTH_ORDER

_THE = frozenset({"Netherlands", "Czech Republic", "Philippines", "Bahamas", "Gambia",
                  "Maldives", "Seychelles", "Vatican", "Holy See", "Baltic States"})
_STOP: dict[str, tuple[str, str]] = {
    "ground": ("withdraws its ground troops", "withdraw their ground troops"),
    "air": ("withdraws its air presence", "withdraw their air presence"),
    "sea": ("withdraws its naval presence", "withdraw their naval presence"),
    "financing": ("stops financing", "stop financing"),
    "arms": ("stops arms deliveries", "stop arms deliveries"),
    "training": ("stops training", "stop training"),
}
"""What a state that leaves a mode does (one state, several states)."""
_LIST_MAX = 5
"""Name up to this many states in full in one sentence; more become 'A, B, C, D and N others'."""


@dataclass(frozen=True)
class Snapshot:
    """One month as the log sees it."""

    month: int
    commitments: Mapping[str, frozenset[str]]  # state code -> committed modes
    outcomes: Mapping[str, float] = field(default_factory=dict)  # engine.STEP_OUTCOMES
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
            requirement: float = 30_000.0) -> list[str]:
    """Plain sentences for what happened in ``after.month`` compared with ``before``.

    ``names`` maps state codes to display names (the order of ``names`` is the order in
    which states are listed).
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
            verb = "commits" if len(joined) == 1 else "commit"
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
    out.extend(_outcome_sentences(before.outcomes, after.outcomes, m, requirement))
    return out


def _outcome_sentences(b: Mapping[str, float], a: Mapping[str, float], m: int,
                       requirement: float) -> list[str]:
    out = []
    t0, t1 = _value(b, "troops"), _value(a, "troops")
    if t0 < requirement <= t1:
        out.append(_sentence(m, f"the ground force reaches {t1:,.0f} troops - the "
                                f"{requirement:,.0f} needed are there"))
    elif t1 < requirement <= t0:
        out.append(_sentence(m, f"the ground force falls to {t1:,.0f} troops, below the "
                                f"{requirement:,.0f} needed"))
    if _value(a, "ceasefire_in_force") > 0.5 >= _value(b, "ceasefire_in_force"):
        out.append(_sentence(m, "Russia and Ukraine agree a ceasefire"))
    if _value(a, "violated") > 0.5 >= _value(b, "violated"):
        out.append(_sentence(m, "Russia breaks the ceasefire"))
    if _value(a, "disengaged") > 0.5 >= _value(b, "disengaged"):
        out.append(_sentence(m, "the US walks away and keeps only intelligence sharing"))
    if _value(a, "tariffs") > 0 >= _value(b, "tariffs"):
        out.append(_sentence(m, "the US imposes secondary tariffs on buyers of Russian oil"))
    return out
