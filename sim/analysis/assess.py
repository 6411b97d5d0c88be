"""Everything a comparison report states beyond the runs themselves, computed in one place:
paired effects against the reference, the design ranking (P(best), regret, satisficing), what
the US backstop changes, the ranking under low/default/high Russian objection to foreign
troops, and (optionally) the Morris screening and knife-edge scan of the reference run.
``sim.output.report`` writes it; it runs nothing itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.analysis import effects, verdict
from sim.engine.results import Comparison
from sim.model import outcomes
from sim.scenario.designs import DEFAULT_DESIGN

REFERENCE_SCENARIO = "sep-2025-paris"
"""The scenario the report screens around when it is compared: the articles' latest state
(Paris, September 2025). Otherwise the scenario most of the others build on, or the first."""
NEAR_MISS = 0.8
"""A move whose change reaches this share of the knife-edge threshold is a near miss."""


@dataclass
class Assessment:
    """What ``assess`` found about a comparison.

    Attributes:
        effects: paired differences against the reference (``effects.effects``).
        references: compared label → its reference label.
        ref_label: the label of the reference run (reference scenario × reference design).
        reference_scenario, reference_design: its scenario and design (design None without
            designs).
        constant: key outcomes that never vary across the compared runs.
        rankings: designs ranked per scenario and pooled (``verdict.rankings``; empty without
            designs).
        backstop: what the US backstop changes (``verdict.backstop``; empty unless the
            backstop scenarios are compared).
        objection: the designs at low, default and high Russian objection to foreign troops in
            the reference scenario (``screening.ranking_under``; None: not run).
        morris: the Morris screening table (None: not screened).
        screening_note: why the screening is missing, when it was asked for.
        knife_edges: the knife-edge scan table (None: not screened).
        step, max_jump, near_miss: the scan's move, its threshold and the near-miss share.
    """

    effects: pd.DataFrame
    references: dict[str, str]
    ref_label: str
    reference_scenario: str
    reference_design: str | None
    constant: list[str] = field(default_factory=list)
    rankings: pd.DataFrame = field(default_factory=pd.DataFrame)
    backstop: pd.DataFrame = field(default_factory=pd.DataFrame)
    objection: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    screening_note: str | None = None
    knife_edges: pd.DataFrame | None = None
    step: float = 0.0
    max_jump: float = 0.0
    near_miss: float = NEAR_MISS


def reference_scenario(cmp: Comparison) -> str:
    """REFERENCE_SCENARIO if compared, else the scenario most others build on, else the
    first."""
    scenarios = (list(dict.fromkeys(sc for sc, _ in cmp.cells.values())) if cmp.cells
                 else cmp.names)
    if REFERENCE_SCENARIO in scenarios:
        return REFERENCE_SCENARIO
    if not cmp.cells:
        return effects.default_reference(cmp)
    return scenarios[0]


def assess(cmp: Comparison, reference: str | None = None, screen: bool = True,
           threshold: float = verdict.SATISFICE_HOLDS) -> Assessment:
    """Effects of ``cmp`` against ``reference`` (see ``effects.references``), the design
    ranking and the US-backstop contrasts; with ``screen``, the ranking under Russia's
    objection, a Morris screening and a knife-edge scan of the reference run."""
    refs = effects.references(cmp, reference)
    ref_scenario = reference_scenario(cmp)
    if cmp.cells:
        designs = list(dict.fromkeys(d for _, d in cmp.cells.values()))
        ref_design = reference or (DEFAULT_DESIGN if DEFAULT_DESIGN in designs else designs[0])
        ref_label = next(k for k, v in cmp.cells.items() if v == (ref_scenario, ref_design))
    else:
        ref_design = None
        ref_label = reference or ref_scenario
    _, constant = effects.varying(cmp, effects.KEY_OUTCOMES)
    found = Assessment(effects.effects(cmp, reference), refs, ref_label, ref_scenario,
                       ref_design, constant, step=0.0, max_jump=0.0)
    if cmp.cells:
        found.rankings = verdict.rankings(cmp, threshold)
    found.backstop = verdict.backstop(cmp, ref_design)
    if not screen:
        return found
    from sim.analysis import screening

    sc = cmp.results[ref_label].scenario
    replicates = len(cmp.results[ref_label].seeds)
    if cmp.cells:
        base = next(r.scenario for k, r in cmp.results.items()
                    if cmp.cells[k][0] == ref_scenario)
        found.objection = screening.ranking_under(base, designs, replicates=replicates)
    try:
        found.morris = screening.morris_screen(sc, outcomes.roles("screening"))
    except ImportError:  # SALib is in the optional "analysis" extra
        found.screening_note = ("Screening skipped: install the `analysis` extra (SALib) to "
                                "rank parameters.")
    found.knife_edges = screening.knife_edges(sc, ("ceasefire_agreed", "holds"), replicates=100)
    found.step, found.max_jump = screening.STEP, screening.MAX_JUMP
    return found
