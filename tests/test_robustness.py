"""No knife edges and no saturation around the seed scenarios (issue: model v2).

Knife edge: every parameter is moved by ±5% of its documented range around each seed
scenario, with common random numbers (the same seeds) and 200 replicates; P(ceasefire agreed)
and P(holds) must not move by more than 15 percentage points, unless the parameter is a
documented provision point (``PROVISION_POINTS``, which docs/ODD.md and the report name).

Saturation, per scenario: no per-run outcome takes a single value in more than 90% of the runs
of more than half of the seed scenarios, unless docs/ODD.md (7.10) cites the source that says
it should (``SATURATION_CITED``); across the seed scenarios every outcome varies, and no mode is
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
from sim.output.odd import ODD_FILE
from sim.scenario import load_scenario

REPLICATES = 200
KEY = ("ceasefire_agreed", "holds")
PROVISION_POINTS: dict[str, str] = {}
"""Parameters documented as provision points (a threshold by design), with the reason."""
SATURATION_CITED: dict[str, str] = {
    "pressure": "an input: the scenario's sanctions, constant unless the US lifts its own",
    "tariffs_applied": "an input: the secondary tariffs in force from the start "
                       "(us_india_tariff_50)",
    "breakdowns": "a rare event within the horizon: no ceasefire was agreed through December "
                  "2025 (observation no_ceasefire_2025), so the few that come are late and "
                  "have few months at risk; compared as breakdowns per 100 ceasefire-months",
    "broken": "as breakdowns (0 in most runs: a ceasefire must come first, and comes late)",
}
"""Per-run outcomes allowed to take one value in most runs of most seed scenarios, with the
source docs/ODD.md 7.10 cites for it."""
MODAL_SHARE = 0.9
"""A scenario pins an outcome when one value occurs in more than this share of its runs."""


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


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for name in SEED_SCENARIOS:
        sc = load_scenario(name)
        res = engine.simulate(engine.compile_batch(sc, seeds=sc.seed + np.arange(REPLICATES)),
                              record_steps=False)
        out[name] = res.summary
    return out


def modal_share(x: np.ndarray) -> float:
    """Share of runs (where the outcome is defined) taking its most frequent value."""
    x = x[~np.isnan(x)]
    if not len(x):
        return 0.0
    return float(np.unique(x, return_counts=True)[1].max() / len(x))


def test_no_outcome_is_pinned_in_most_scenarios(summaries):
    pinned = {}
    for o in outcomes.PER_RUN:
        where = [n for n, s in summaries.items() if modal_share(s[o.name]) > MODAL_SHARE]
        if len(where) > len(summaries) / 2 and o.name not in SATURATION_CITED:
            pinned[o.name] = where
    assert not pinned, f"pinned in more than half of the seed scenarios: {pinned}"


def test_every_cited_saturation_is_in_the_odd():
    text = ODD_FILE.read_text(encoding="utf-8")
    for name in SATURATION_CITED:
        assert f"`{name}`" in text.split("**Saturation.**")[1].split("\n\n")[0], name


def test_no_outcome_is_constant_and_no_mode_saturates(summaries):
    for o in outcomes.PER_RUN:
        values = np.concatenate([s[o.name] for s in summaries.values()])
        values = values[~np.isnan(values)]
        assert len(values) and values.min() < values.max(), f"{o.name} is constant"
        means = [np.nanmean(s[o.name]) for s in summaries.values()]
        assert max(means) > min(means), f"{o.name} has the same mean in every scenario"


@pytest.mark.xfail(strict=True, reason="financing is pledged by 33-34 of 34 states in every seed "
                   "scenario: the money cascades stay bistable (docs/ODD.md 7.10, issue 21)")
def test_no_mode_is_pledged_by_nearly_every_state_in_every_scenario(summaries):
    n_states = 34
    for m in MODES:
        shares = [s[f"n_{m}"].mean() / n_states for s in summaries.values()]
        assert min(shares) < 0.95, f"{m} is pledged by >= 95% of states in every scenario"
