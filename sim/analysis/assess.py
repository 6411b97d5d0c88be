"""Everything a comparison report states beyond the runs themselves, computed in one place:
paired effects against the reference, and (optionally) the Morris screening and knife-edge
scan around the reference run. ``sim.output.report`` writes it; it runs nothing itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.analysis import effects
from sim.engine.results import Comparison
from sim.model import outcomes


@dataclass
class Assessment:
    """What ``assess`` found about a comparison.

    Attributes:
        effects: paired differences against the reference (``effects.effects``).
        references: compared label → its reference label.
        ref_label: the label of the reference run the screening ran around.
        constant: key outcomes that never vary across the compared runs.
        morris: the Morris screening table (None: not screened).
        screening_note: why the screening is missing, when it was asked for.
        knife_edges: the knife-edge scan table (None: not screened).
    """

    effects: pd.DataFrame
    references: dict[str, str]
    ref_label: str
    constant: list[str] = field(default_factory=list)
    morris: pd.DataFrame | None = None
    screening_note: str | None = None
    knife_edges: pd.DataFrame | None = None
    step: float = 0.0
    """The knife-edge scan's move, as a share of each parameter's range."""
    max_jump: float = 0.0
    """The change of a key outcome the scan flags as a knife edge."""


def assess(cmp: Comparison, reference: str | None = None, screen: bool = True) -> Assessment:
    """Effects of ``cmp`` against ``reference`` (see ``effects.references``) and, with
    ``screen``, a Morris screening and knife-edge scan of the reference run's scenario."""
    refs = effects.references(cmp, reference)
    ref_label = next(iter(refs.values())) if refs else cmp.names[0]
    _, constant = effects.varying(cmp, effects.KEY_OUTCOMES)
    found = Assessment(effects.effects(cmp, reference), refs, ref_label, constant)
    if not screen:
        return found
    from sim.analysis import screening

    sc = cmp.results[ref_label].scenario
    try:
        found.morris = screening.morris_screen(sc, outcomes.roles("screening"))
    except ImportError:  # SALib is in the optional "analysis" extra
        found.screening_note = ("Screening skipped: install the `analysis` extra (SALib) to "
                                "rank parameters.")
    found.knife_edges = screening.knife_edges(sc, ("ceasefire_agreed", "holds"), replicates=100)
    found.step, found.max_jump = screening.STEP, screening.MAX_JUMP
    return found
