"""No knife edges and no saturation around the seed scenarios (issue: model v2).

Knife edge: every parameter is moved by ±5% of its documented range around each seed
scenario, with common random numbers (the same seeds) and 200 replicates; P(ceasefire agreed)
and P(holds) must not move by more than 15 percentage points, unless the parameter is a
documented provision point (``PROVISION_POINTS``, which docs/ODD.md and the report name).

Saturation: across the seed scenarios every reported per-run outcome varies, and no mode is
pledged by 95% or more of the states in every scenario.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import screening
from sim.api import SEED_SCENARIOS
from sim.engine import batch as engine
from sim.model import outcomes
from sim.model.parameters import MODES
from sim.scenario import load_scenario

REPLICATES = 200
KEY = ("ceasefire_agreed", "holds")
PROVISION_POINTS: dict[str, str] = {}
"""Parameters documented as provision points (a threshold by design), with the reason."""


def test_the_knife_edge_scan_moves_5_percent_and_flags_15_points():
    """The issue's bounds, held by the scan the report uses too (sim/analysis/screening.py)."""
    assert screening.STEP == 0.05 and screening.MAX_JUMP == 0.15


@pytest.mark.slow
@pytest.mark.parametrize("name", SEED_SCENARIOS)
def test_no_small_move_flips_the_ceasefire(name: str):
    edges = screening.knife_edges(load_scenario(name), KEY, replicates=REPLICATES)
    assert len(edges) > 2 * len(KEY) * 100  # every parameter moved both ways (where in range)
    flagged = edges[edges["knife_edge"] & ~edges["param"].isin(list(PROVISION_POINTS))]
    jumps = [f"{r.param}={r.value:g}: {r.outcome} {r.base:.2f} -> {r.moved:.2f}"
             for r in flagged.itertuples()]
    assert not jumps, f"{name}: knife edges\n" + "\n".join(jumps)


def test_no_outcome_is_constant_and_no_mode_saturates():
    summaries = {}
    for name in SEED_SCENARIOS:
        sc = load_scenario(name)
        res = engine.simulate(engine.compile_batch(sc, seeds=sc.seed + np.arange(REPLICATES)),
                              record_steps=False)
        summaries[name] = res.summary
    for o in outcomes.PER_RUN:
        values = np.concatenate([s[o.name] for s in summaries.values()])
        values = values[~np.isnan(values)]
        assert len(values) and values.min() < values.max(), f"{o.name} is constant"
        means = [np.nanmean(s[o.name]) for s in summaries.values()]
        assert max(means) > min(means), f"{o.name} has the same mean in every scenario"
    n_states = 34
    for m in MODES:
        shares = [s[f"n_{m}"].mean() / n_states for s in summaries.values()]
        assert min(shares) < 0.95, f"{m} is pledged by >= 95% of states in every scenario"
