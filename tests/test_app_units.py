"""Unit tests of the classroom app's pure parts: colours, map placement, the event log,
the app model and its controls, the classroom world, and the ``app`` command's checks."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.app.components import (
    SMALL_WORLD_TILES,
    contrast,
    ink_on,
    map_html,
    status_html,
    tile_title,
)
from sim.app.narrate import LOG_OUTCOMES, Snapshot, clause, join_names, narrate, with_article
from sim.app.palette import COLOURS, LABELS, NOTHING, STRENGTH_ORDER, colour_of, legend_entries, strongest
from sim.app.placement import coordinates_meaningful, place_states, project
from sim.app.session import (
    DESIGN_HELP,
    SLIDERS,
    THRESHOLD_SCALES,
    AppModel,
    controls,
    defaults,
    design_choices,
    model_values,
)
from sim.cli.app import HOST, choose_port, host_of, start_process
from sim.cli.common import BadInput
from sim.engine import batch as engine
from sim.model import outcomes
from sim.model.parameters import MODES, PARAM_INFO, flatten
from sim.model.world import coalition_states
from sim.scenario import load_scenario, scenario_names
from sim.scenario.designs import design_names, load_design
from sim.scenario.loader import SCENARIOS_DIR

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------- colours


@pytest.mark.parametrize(("modes", "expected"), [
    ({"ground", "training"}, "ground"),
    ({"financing", "air", "sea"}, "air"),
    ({"sea", "arms"}, "sea"),
    ({"arms", "financing", "training"}, "financing"),
    ({"training", "arms"}, "arms"),
    ({"training"}, "training"),
    (set(), NOTHING),
])
def test_strongest_mode_follows_ground_air_sea_money_arms_training(modes, expected):
    assert strongest(modes) == expected
    assert strongest({m: (m in modes) for m in MODES}) == expected
    assert colour_of(modes) == COLOURS[expected]


def test_every_category_has_its_own_colour_and_legend_label():
    entries = legend_entries()
    assert [lab for lab, _ in entries] == [LABELS[k] for k in (*STRENGTH_ORDER, NOTHING)]
    assert len({c.lower() for _, c in entries}) == len(entries) == 7
    assert "Money (financing)" in LABELS.values()


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode"):
        strongest({"cavalry"})


# --------------------------------------------------------------------------- placement


def _coalition_placement(size: float = 1.0):
    states = coalition_states()
    lat = np.array([s.lat for s in states])
    lon = np.array([s.lon for s in states])
    return states, lat, lon, place_states(lat, lon, size=size)


def test_coalition_map_places_states_at_their_capitals_without_overlap():
    states, lat, lon, p = _coalition_placement()
    assert p.geographic and p.overlaps() == []
    assert _coalition_placement(1.3)[3].overlaps() == []  # the app's tile size
    codes = [s.code for s in states]
    far = {c for c, f in zip(codes, p.far, strict=True) if f}
    assert far == {"CA", "AU", "JP", "NZ"}
    x0, y0 = project(lat, lon)
    near = ~p.far
    moved = np.hypot(p.x[near] - x0[near], p.y[near] - y0[near])
    assert moved.max() < 2.0 * p.width  # nudged apart, but still at their capitals
    pos = {c: (p.x[i], p.y[i]) for i, c in enumerate(codes)}
    assert pos["PT"][0] < pos["ES"][0] < pos["IT"][0] < pos["TR"][0]  # west to east
    assert pos["FI"][1] > pos["PL"][1] > pos["GR"][1]  # north to south
    assert {lab for lab, _, _ in p.landmarks} == {"Ukraine", "Russia"}
    # the 'beyond Europe' column sits right of every European tile, west to east downwards
    assert p.x[p.far].min() > p.x[near].max()
    far_y = {c: pos[c][1] for c in far}
    assert far_y["CA"] > far_y["JP"] > far_y["AU"] > far_y["NZ"]


def test_world_without_meaningful_coordinates_becomes_a_tile_grid():
    n = 100
    same = np.full(n, 50.0)
    assert not coordinates_meaningful(same, same)
    p = place_states(same, same)
    assert not p.geographic and p.overlaps() == [] and len(p.x) == n
    assert not p.landmarks
    twice = np.array([50.0, 50.0, 48.0]), np.array([10.0, 10.0, 2.0])
    assert not coordinates_meaningful(*twice)


def test_classroom_world_is_placed_geographically():
    sc = load_scenario("classroom-five")
    lat = np.array([s.lat for s in sc.states()])
    lon = np.array([s.lon for s in sc.states()])
    p = place_states(lat, lon)
    assert p.geographic and not p.far.any() and p.overlaps() == []
    for size in (1.3, 1.8, 2.5):  # bigger tiles are pushed apart, landmarks too
        assert place_states(lat, lon, size=size).overlaps() == []


def _tiles(page: str) -> dict[str, dict[str, str]]:
    """code -> attributes of each map tile in the map's HTML."""
    out = {}
    for m in re.finditer(r'<div class="map-tile" ([^>]*)>', page):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', m.group(1)))
        out[attrs["data-code"]] = attrs
    return out


def test_map_tiles_take_the_colour_of_the_strongest_commitment():
    states, lat, lon, p = _coalition_placement()
    codes = [s.code for s in states]
    names = [s.name for s in states]
    commitments = {"GB": frozenset({"ground", "air"}), "DE": frozenset({"financing", "arms"}),
                   "PL": frozenset({"training"})}
    page = map_html(p, codes, names, commitments, {"GB": 7050.0}, "Month 1")
    tiles = _tiles(page)
    assert len(tiles) == len(codes)
    assert f"background:{COLOURS['ground']}" in tiles["GB"]["style"]
    assert f"background:{COLOURS['financing']}" in tiles["DE"]["style"]
    assert f"background:{COLOURS['training']}" in tiles["PL"]["style"]
    assert f"background:{COLOURS[NOTHING]}" in tiles["FR"]["style"]
    assert tiles["GB"]["title"] == "United Kingdom: ground troops (7,050), air presence"
    assert tiles["FR"]["title"] == "France: pledges nothing yet"
    assert ">7k<" in page and ">GB<" in page
    # a large world shows codes on its tiles and a key with every state's name
    key = page[page.index('class="map-key"'):]
    assert all(n.replace("&", "&amp;") in key for n in names)
    legend = page[page.index('class="cs-legend"'):page.index('class="map-key"')]
    assert [lab for lab, _ in legend_entries()] == re.findall(r"</span>([^<]+)</span>", legend)


def test_small_world_tiles_show_full_names_and_no_key():
    sc = load_scenario("classroom-five")
    st = sc.states()
    p = place_states(np.array([s.lat for s in st]), np.array([s.lon for s in st]),
                     size=SMALL_WORLD_TILES)
    assert p.overlaps() == []
    page = map_html(p, [s.code for s in st], [s.name for s in st], {}, {}, "Month 0")
    for s in st:
        assert '<span class="tile-name" style="font-size:' in page and f">{s.name}</span>" in page
    assert 'class="map-key"' not in page


def test_tile_text_reads_on_every_fill_colour():
    for fill in COLOURS.values():
        assert contrast(fill, ink_on(fill)) >= 4.5, fill
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert tile_title("Westmark", frozenset({"sea"}), 0.0) == "Westmark: naval presence"


# --------------------------------------------------------------------------- event log

NAMES = {"GB": "United Kingdom", "FR": "France", "NL": "Netherlands", "DE": "Germany",
         "IT": "Italy", "ES": "Spain", "PL": "Poland"}


def _snap(month, commitments=None, notes=(), **outcomes):
    base = {c: frozenset() for c in NAMES}
    base.update({c: frozenset(v) for c, v in (commitments or {}).items()})
    return Snapshot(month, base, outcomes, tuple(notes))


def test_articles_and_lists_read_naturally():
    assert with_article("Netherlands") == "the Netherlands"
    assert with_article("United Kingdom") == "the United Kingdom"
    assert with_article("France") == "France"
    assert join_names(["A"]) == "A"
    assert join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(list("ABCDE")) == "A, B, C, D and E"
    assert join_names(list("ABCDEFG")) == "A, B, C, D and 3 others"
    assert clause("The US restores intelligence sharing.") == "the US restores intelligence sharing"


def test_a_commitment_after_a_scheduled_event_names_the_event_as_its_reason():
    before = _snap(3, {"GB": {"air"}})
    after = _snap(4, {"GB": {"air"}, "NL": {"air"}},
                  notes=["The US restores intelligence sharing."])
    lines = narrate(before, after, NAMES)
    assert lines == [
        "Month 4: The US restores intelligence sharing.",
        "Month 4: the Netherlands pledges air presence after the US restores intelligence "
        "sharing.",
    ]


def test_joining_first_movers_and_withdrawals():
    before = _snap(5, {"GB": {"ground"}, "FR": {"ground", "financing"}, "IT": {"sea"},
                       "ES": {"sea"}})
    after = _snap(6, {"GB": {"ground"}, "FR": {"ground", "financing"}, "DE": {"ground"},
                      "PL": {"arms"}})
    lines = narrate(before, after, NAMES)
    assert "Month 6: Germany pledges ground troops, joining the United Kingdom and France." in lines
    assert "Month 6: Poland pledges arms deliveries - the first to do so." in lines
    assert "Month 6: Italy and Spain withdraw their pledges of naval presence." in lines
    assert len(lines) == 3


def test_force_ceasefire_and_us_changes_are_told():
    quiet = dict(deployed_troops=0, deployed_aircraft=0, deployed_warships=0, enabler_gap=0.19,
                 breakdowns=0, disengaged=0, tariffs=0)
    before = _snap(9, **{**quiet, "pledged_troops": 26_000, "ceasefire_in_force": 0})
    after = _snap(10, **{**quiet, "pledged_troops": 30_000, "ceasefire_in_force": 1,
                         "disengaged": 1, "tariffs": 1})
    assert narrate(before, after, NAMES, ask=30_000) == [
        "Month 10: the pledges reach 30,000 troops - all the design asks for.",
        "Month 10: Russia and Ukraine agree a ceasefire.",
        "Month 10: the US walks away and keeps only intelligence sharing.",
        "Month 10: the US imposes secondary tariffs on buyers of Russian oil.",
    ]
    deployed = _snap(12, **{**quiet, "pledged_troops": 30_000, "ceasefire_in_force": 1,
                            "deployed_troops": 24_375, "deployed_warships": 8.125,
                            "disengaged": 1, "tariffs": 1})
    assert narrate(after, deployed, NAMES, ask=30_000) == [
        "Month 12: the force deploys 24,375 troops and 8 warships - enablers are missing for "
        "19% of the force pledged."]
    broken = _snap(13, **{**quiet, "pledged_troops": 29_000, "ceasefire_in_force": 0,
                          "breakdowns": 1, "disengaged": 1, "tariffs": 1})
    assert narrate(deployed, broken, NAMES, ask=30_000) == [
        "Month 13: the pledges fall to 29,000 troops, below the 30,000 the design asks for.",
        "Month 13: Russia breaks the ceasefire."]
    again = _snap(17, **{**quiet, "pledged_troops": 29_000, "ceasefire_in_force": 1,
                         "breakdowns": 1, "disengaged": 1, "tariffs": 1})
    assert narrate(broken, again, NAMES, ask=30_000) == [
        "Month 17: Russia and Ukraine agree a new ceasefire."]
    whole = _snap(19, **{**quiet, "pledged_troops": 29_000, "ceasefire_in_force": 1,
                         "deployed_troops": 29_000, "enabler_gap": 0.0, "breakdowns": 1,
                         "disengaged": 1, "tariffs": 1})
    assert narrate(again, whole, NAMES, ask=30_000) == [
        "Month 19: the force deploys 29,000 troops - the whole force pledged."]


def test_a_design_without_ground_troops_is_not_counted_against_them():
    before = _snap(1, pledged_troops=0, ceasefire_in_force=1)
    after = _snap(2, pledged_troops=0, ceasefire_in_force=1, deployed_aircraft=48.0,
                  deployed_warships=12.0, enabler_gap=0.0)
    assert narrate(before, after, NAMES, ask=0) == [
        "Month 2: the force deploys 48 combat aircraft and 12 warships - the whole force "
        "pledged."]
    one = _snap(2, pledged_troops=0, ceasefire_in_force=1, deployed_aircraft=1.2,
                deployed_warships=0.6, enabler_gap=0.0)
    assert narrate(before, one, NAMES, ask=0) == [
        "Month 2: the force deploys 1 combat aircraft and 1 warship - the whole force pledged."]


def test_nothing_changed_means_nothing_to_tell():
    s = _snap(2, {"GB": {"ground"}}, pledged_troops=5000)
    assert narrate(s, _snap(3, {"GB": {"ground"}}, pledged_troops=5000), NAMES) == []


def test_many_states_are_counted_not_all_named():
    many = {c: {"training"} for c in NAMES}
    lines = narrate(_snap(0), _snap(1, many), NAMES)
    assert lines == ["Month 1: 7 states (the United Kingdom, France, the Netherlands, Germany "
                     "and 3 others) pledge training - the first to do so."]


def test_five_states_are_all_named():
    five = dict(list(NAMES.items())[:5])
    lines = narrate(_snap(0), _snap(1, {c: {"sea"} for c in five}), five)
    assert lines == ["Month 1: the United Kingdom, France, the Netherlands, Germany and Italy "
                     "pledge naval presence - the first to do so."]


# --------------------------------------------------------------------------- app model


def test_app_model_applies_controls_and_keeps_an_event_log():
    m = AppModel("sep-2025-paris", rng=2030, threshold_scale=1.2,
                 **{"us.backstop.air_support": 0.9, "coalition.peer_weight": 0.8})
    base = flatten(load_scenario("sep-2025-paris").parameters)
    p = m.simulation.params
    assert m.seed == 2030
    assert p["us.backstop.air_support"][0] == 0.9 and p["coalition.peer_weight"][0] == 0.8
    for key in THRESHOLD_SCALES:
        assert p[key][0] == pytest.approx(1.2 * base[key])
    assert m.events == [] and m.timeline[-1].month == 0
    for _ in range(3):
        m.step()
    assert [s.month for s in m.timeline] == [0, 1, 2, 3]
    assert m.events and all(line.startswith("Month ") for line in m.events)
    assert all(int(line.split(":")[0].split()[1]) in (1, 2, 3) for line in m.events)
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 3 and set(outcomes.MONTHLY_NAMES) <= set(df.columns)


def test_reset_builds_the_picked_scenario_with_the_sliders():
    from sim.app.app import build_model

    values = defaults(load_scenario("hague-2025-intel-only"))
    values["us.backstop.logistics"] = 0.75
    values["rng"] = 2031
    fresh = build_model("hague-2025-intel-only", values)
    assert fresh.coalition_scenario.name == "hague-2025-intel-only" and fresh.seed == 2031
    assert fresh.simulation.params["us.backstop.logistics"][0] == 0.75
    assert model_values(fresh) == values


def test_sliders_default_to_the_chosen_scenario_and_read_with_units():
    sc = load_scenario("us-full-backstop")
    values = flatten(sc.parameters)
    start = defaults(sc)
    by_key = {c.key: c for c in controls(sc)}
    assert list(by_key) == [*SLIDERS, "threshold_scale", "rng"]
    for path in SLIDERS:
        assert path in PARAM_INFO
        assert start[path] == pytest.approx(values[path])
        assert by_key[path].lo <= start[path] <= by_key[path].hi
    assert start["us.backstop.air_support"] == 1.0 and start["threshold_scale"] == 1.0
    assert start["rng"] == sc.seed
    assert by_key["us.backstop.air_support"].text(0.4) == "40%"
    assert by_key["sanctions.scale"].text(1.25) == "\u00d71.25"
    assert by_key["coalition.peer_weight"].text(0.6) == "0.60"
    assert by_key["rng"].text(2031) == "2031"
    labels = [c.label for c in by_key.values()]
    assert not any("(x)" in lab for lab in labels)
    for c in by_key.values():  # one plain line each
        assert c.help.endswith(".") and "\n" not in c.help and len(c.help) < 110


@pytest.mark.parametrize("name", ["sep-2025-paris", "classroom-five", "us-full-backstop"])
def test_every_slider_end_builds_a_model(name):
    """A slider never offers a value the model refuses: at either end, Reset builds a run."""
    sc = load_scenario(name)
    for c in controls(sc):
        if c.key in SLIDERS:
            info = PARAM_INFO[c.key]
            assert info.lo <= c.lo <= c.hi <= info.hi, (c.key, c.lo, c.hi)
            for end in (c.lo, c.hi):
                assert model_values(AppModel(name, **{c.key: end}))[c.key] == end


@pytest.mark.parametrize("name", scenario_names())
def test_every_slider_range_lies_within_its_parameters_declared_range(name):
    """The slider table takes its bounds from sim/model/parameters.py: no slider goes beyond
    what the parameter declares (peer influence stops at 1, as the parameter does)."""
    for c in controls(load_scenario(name)):
        if c.key == "rng":
            continue
        keys = THRESHOLD_SCALES if c.key == "threshold_scale" else (c.key,)
        for key in keys:
            info = PARAM_INFO[key]
            assert info.lo <= c.lo < c.hi <= info.hi, (c.key, key, (c.lo, c.hi), (info.lo, info.hi))
        if c.key in SLIDERS:
            assert (c.lo, c.hi) == (PARAM_INFO[c.key].lo, PARAM_INFO[c.key].hi)
    by_key = {c.key: c for c in controls(load_scenario(name))}
    assert by_key["coalition.peer_weight"].hi == 1.0


def test_same_controls_same_run():
    a, b = AppModel("sep-2025-paris", rng=2026), AppModel("sep-2025-paris", rng=2026)
    for _ in range(6):
        a.step()
        b.step()
    assert a.events == b.events


# --------------------------------------------------------------------------- classroom world


def _steps(name: str, replicates: int = 30, **values: float) -> dict[str, np.ndarray]:
    sc = load_scenario(name)
    batch = engine.compile_batch(sc, seeds=sc.seed + np.arange(replicates), values=values)
    return engine.simulate(batch).steps


def _ground(name: str, replicates: int = 30, **values: float) -> np.ndarray:
    return _steps(name, replicates, **values)["n_ground"]


def test_classroom_worlds_differ_by_exactly_one_setting():
    a, b = load_scenario("classroom-five"), load_scenario("classroom-five-tipped")
    fa, fb = flatten(a.parameters), flatten(b.parameters)
    assert [k for k in fa if fa[k] != fb[k]] == ["us.backstop.air_support"]
    assert a.positions == b.positions and a.states() == b.states() and len(a.states()) == 5
    assert a.design == b.design == "rear-reassurance-30k"
    assert fa["coalition.free_ride"] == 0  # a pure Granovetter cascade
    for path, value in fa.items():  # every value within its documented range
        assert PARAM_INFO[path].lo <= value <= PARAM_INFO[path].hi, path


def _written(prefix: str, tree: dict) -> list[str]:
    """Dotted parameter paths written in a ``parameters:`` mapping (dotted or nested keys)."""
    out: list[str] = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        out += _written(path + ".", value) if isinstance(value, dict) else [path]
    return out


def _pinned(name: str) -> dict[str, list[str]]:
    """File → parameter paths it writes, for ``name`` and every scenario it extends (read from
    the YAML files themselves: a value taken from the model's defaults is not pinned)."""
    out: dict[str, list[str]] = {}
    while name:
        data = yaml.safe_load((SCENARIOS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        out[name] = _written("", data.get("parameters") or {})
        name = data.get("extends")
    return out


@pytest.mark.parametrize("name", ["classroom-five", "classroom-five-tipped"])
def test_classroom_world_pins_every_parameter(name):
    """The classroom story must not change when a default does or a parameter is added: every
    parameter of PARAM_INFO is written in the scenario file (or in one it extends)."""
    files = _pinned(name)
    written = {path for paths in files.values() for path in paths}
    missing = [path for path in PARAM_INFO if path not in written]
    assert not missing, (f"{name}: not pinned in scenarios/classroom-five.yaml (add them with "
                         f"the value that keeps the classroom story): {missing}")
    assert written <= set(PARAM_INFO), sorted(written - set(PARAM_INFO))
    assert all(len(paths) == len(set(paths)) for paths in files.values())
    if name == "classroom-five-tipped":  # the one documented change, nothing else
        assert files[name] == ["us.backstop.air_support"]


def test_classroom_story_holds_over_200_seeds():
    """The lesson does not hang on one seed: nobody sends troops without the change; with it
    the five pledge one a month, a ceasefire follows once the pledged force is a guarantee
    Ukraine trusts enough to concede Russia's terms (model v3: never with one state, rarely
    with two) and the force deploys only after it; Russia breaks some ceasefires and new ones
    are agreed."""
    calm, tipped = _steps("classroom-five", 200), _steps("classroom-five-tipped", 200)
    assert (calm["n_ground"] == 0).all() and (calm["deployed_troops"] == 0).all()
    assert (calm["ceasefire_in_force"] == 0).all()
    assert (tipped["n_ground"][:, :5] == np.arange(1, 6)).all()
    cease = tipped["ceasefire_in_force"] > 0.5
    agreed = cease.any(axis=1)
    first = np.where(agreed, cease.argmax(axis=1) + 1, 99)
    assert agreed.mean() >= 0.95
    assert first.min() >= 2 and (first <= 2).mean() < 0.05  # Ukraine waits for a guarantee
    assert np.median(first) >= 4
    deployed = tipped["deployed_troops"] > 0
    assert deployed.any(axis=1).mean() >= 0.9
    lead = int(load_design("rear-reassurance-30k").values()["design.lead_time"])
    assert (deployed.argmax(axis=1)[deployed.any(axis=1)]
            >= first[deployed.any(axis=1)] - 1 + lead).all()  # deploys after the ceasefire
    broken = tipped["breakdowns"][:, -1] > 0
    again = (cease & (tipped["breakdowns"] > 0)).any(axis=1)
    assert 0.3 <= broken.mean() <= 0.6 and again.mean() >= 0.15


def test_classroom_cascade_does_not_start_without_the_change():
    assert (_ground("classroom-five") == 0).all()
    # one slider step (0.35) is not enough: the change is two steps
    assert (_ground("classroom-five", **{"us.backstop.air_support": 0.35}) == 0).all()


def test_classroom_cascade_tips_state_by_state_with_the_change():
    g = _ground("classroom-five-tipped")
    assert (g[:, :5] == np.arange(1, 6)).all()  # one more state each month
    assert (g[:, -1] == 5).all()


def test_classroom_cascade_also_tips_when_thresholds_fall():
    assert (_ground("classroom-five", **{"coalition.ground_threshold_scale": 0.93})[:, -1]
            == 5).all()
    m = AppModel("classroom-five", threshold_scale=0.93)  # the "Hard to convince" slider
    for _ in range(6):
        m.step()
    assert m.outcome("n_ground") == 5


def test_weak_peer_influence_stops_the_cascade_one_state_short():
    g = _ground("classroom-five-tipped", **{"coalition.peer_weight": 0.47})
    assert (g[:, -1] == 4).all()


def test_classroom_force_needs_all_five():
    s = _steps("classroom-five-tipped", replicates=1)
    pledged = s["pledged_troops"][0]
    ask = flatten(load_scenario("classroom-five-tipped").parameters)["design.ground_troops"]
    assert ask == 30_000
    assert list(pledged[:5]) == [6_500, 13_000, 19_500, 26_000, 30_000]  # capped at the ask
    assert pledged[3] < ask <= pledged[4]  # four states are not enough, five are


def test_classroom_ceasefire_follows_the_pledges_and_the_force_deploys_after_it():
    calm, tipped = _steps("classroom-five", 100), _steps("classroom-five-tipped", 100)
    assert calm["ceasefire_in_force"].max(axis=1).mean() < 0.05  # no force, no trusted guarantee:
    assert (calm["terms"] < 0.1).all() and (calm["willingness"] < 0.01).all()  # Russia waits
    assert (tipped["ceasefire_in_force"].max(axis=1) == 1).all()  # always within 24 months
    lead = load_design("rear-reassurance-30k").values()["design.lead_time"]
    cease, deployed = tipped["ceasefire_in_force"] > 0.5, tipped["deployed_troops"]
    for run in range(len(cease)):
        held = 0  # months the ceasefire in force at the end of last month has held
        for t in range(cease.shape[1]):
            # deployed only once a ceasefire has held the design's lead time (forces are
            # placed before Russia decides, in a month, whether to break it)
            assert (deployed[run, t] > 0) == (held >= lead), (run, t)
            held = held + 1 if cease[run, t] else 0
    on = deployed > 0  # the enabler gap holds back 19% of what is pledged
    assert np.allclose(deployed[on], 0.8125 * tipped["pledged_troops"][on])
    assert np.allclose(tipped["enabler_gap"], 0.1875)


def test_classroom_facts_are_real_fact_ids():
    from sim.model.facts import load_facts

    facts = load_facts()
    for name in ("classroom-five", "classroom-five-tipped"):
        sc = load_scenario(name)
        assert sc.facts and all(f in facts for f in sc.facts)
        assert all(f in facts for pos in sc.positions.values() for f in pos.facts)


def test_classroom_event_log_tells_the_cascade():
    m = AppModel("classroom-five-tipped")
    for _ in range(5):
        m.step()
    assert m.events[0] == "Month 1: Westmark pledges ground troops - the first to do so."
    assert "Month 2: Northland pledges ground troops, joining Westmark." in m.events
    assert "Month 5: the pledges reach 30,000 troops - all the design asks for." in m.events


def test_event_log_reads_the_model_s_own_outcome_names():
    """Every outcome the log tells of is one the model reports (a renamed outcome would
    silently drop its sentence)."""
    m = AppModel("classroom-five-tipped")
    m.step()
    assert set(LOG_OUTCOMES) <= set(m.timeline[-1].outcomes) <= set(outcomes.MONTHLY_NAMES)
    for _ in range(23):
        m.step()
    story = [e for e in m.events if "ceasefire" in e or "deploys" in e]
    assert story == [
        "Month 7: Russia and Ukraine agree a ceasefire.",
        "Month 8: Russia breaks the ceasefire.",
        "Month 12: Russia and Ukraine agree a new ceasefire.",
        "Month 13: Russia breaks the ceasefire.",
        "Month 19: Russia and Ukraine agree a new ceasefire.",
        "Month 21: the force deploys 24,375 troops and 8 warships - enablers are missing for "
        "19% of the force pledged.",
    ]


def _card(page: str, key: str) -> str:
    """The text of card ``key`` in the status HTML, without its explanation (tags stripped,
    spaces collapsed)."""
    card = page.split(f'class="cs-card card-{key}"')[1].split('<div class="cs-help card-help"')[0]
    return " ".join(re.sub(r"<[^>]+>", " ", card.split(">", 1)[1]).split())


def test_cards_tell_pledged_deployed_and_the_ceasefire_story():
    m = AppModel("classroom-five-tipped")
    seen = {}
    for _ in range(24):
        m.step()
        seen[m.simulation.month] = status_html(m)
    assert _card(seen[4], "force") == ("Ground troops pledged 26,000 of 30,000 the design asks "
                                       "for deployed: 0 · enabler gap 19%")
    assert "cs-bad" in seen[4].split("status-force")[1][:20]
    assert "cs-good" in seen[5].split("status-force")[1][:20]
    # Ukraine's readiness grows with the force on offer (the guarantee it trusts), and with it
    # the terms it can concede Russia
    assert _card(seen[3], "ceasefire").endswith("Russia 29% willing, Ukraine 72% ready to accept")
    assert _card(seen[4], "ceasefire").endswith("Russia 28% willing, Ukraine 83% ready to accept")
    assert _card(seen[6], "ceasefire") == ("Ceasefire None no agreement yet this month: "
                                           "Russia 27% willing, Ukraine 87% ready to accept")
    assert _card(seen[7], "ceasefire").startswith("Ceasefire Holding agreed in month 7 chance "
                                                  "Russia breaks it: 16% a month")
    assert _card(seen[8], "ceasefire") == ("Ceasefire Broken Russia broke it in month 8 no new "
                                           "talks before month 12")
    assert _card(seen[12], "ceasefire").startswith(
        "Ceasefire Holding a new one, agreed in month 12 (1 broken before)")
    assert _card(seen[13], "ceasefire") == ("Ceasefire Broken Russia broke 2, the last in month "
                                            "13 no new talks before month 17")
    assert "deployed: 0" in _card(seen[20], "force")
    assert "deployed: 24,375 · enabler gap 19%" in _card(seen[21], "force")
    assert _card(seen[21], "ceasefire").endswith("chance Russia breaks it: 3% a month")
    assert _card(seen[20], "deterrence").startswith("Deterrence 46% 90% once the pledged force")
    assert _card(seen[21], "deterrence").startswith("Deterrence 90%")
    assert _card(seen[24], "ceasefire").startswith(
        "Ceasefire Holding a new one, agreed in month 19 (2 broken before)")
    assert "deployed: 24,375" in _card(seen[24], "force")
    assert _card(seen[24], "deterrence").startswith("Deterrence 90%")
    for key, title in (("force", "pledged_troops"), ("deterrence", "deterrence"),
                       ("us", "us_perceived")):  # card titles are the outcomes' labels
        assert _card(seen[24], key).startswith(outcomes.monthly(title).label)


def test_the_design_on_the_table_is_shown_and_can_be_changed():
    m = AppModel("classroom-five")
    page = status_html(m)
    label = load_design("rear-reassurance-30k").label
    assert f'<b class="design-label">{label}</b>' in page
    assert ("asks for 30,000 troops, 60 combat aircraft and 10 warships, in place 2 months after "
            "a ceasefire.") in page
    choices = design_choices()
    assert sorted(choices.values()) == design_names()
    assert list(choices)[0] == label  # the default first, hypothetical designs last
    assert [load_design(choices[c]).hypothetical for c in choices] == [False, False, False, True, True]
    assert all(choices[load_design(n).label] == n for n in design_names())
    assert len(DESIGN_HELP) < 110 and DESIGN_HELP.endswith("?")
    trip = AppModel("classroom-five-tipped", design="tripwire")
    values = load_design("tripwire").values()
    for path, value in values.items():
        assert trip.simulation.params[path][0] == value
    assert trip.ask == 5_000 and trip.force_design.name == "tripwire"
    assert "Tripwire force" in status_html(trip)
    for _ in range(5):
        trip.step()
    assert trip.outcome("pledged_troops") == 5_000  # pledges count up to the design's ask
    none = AppModel("classroom-five-tipped", design="sustain-ukraine")
    assert "asks for no force of its own" in status_html(none)
    assert "the design asks for no ground troops" in _card(status_html(none), "force")
    # the scenario's own design keeps the scenario's own design.* values
    own = AppModel("classroom-five", design="rear-reassurance-30k")
    assert own.simulation.params["design.ground_troops"][0] == 30_000


# --------------------------------------------------------------------------- command


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def test_app_command_refuses_an_unknown_scenario():
    r = _cli("app", "no-such-scenario", "--no-open")
    assert r.returncode == 2 and "no-such-scenario" in r.stderr and "Traceback" not in r.stderr


def test_app_command_refuses_a_busy_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen()
        port = s.getsockname()[1]
        r = _cli("app", "classroom-five", "--port", str(port), "--no-open")
        assert r.returncode == 2 and f"--port {port}" in r.stderr and "already in use" in r.stderr
        assert "http://" not in r.stdout and "Traceback" not in r.stderr
        with pytest.raises(BadInput):
            choose_port(port)


def _start_app(*args: str) -> tuple[subprocess.Popen, str]:
    """``coalition-sim app ARGS --no-open`` and the address it prints once it serves."""
    try:
        proc, url = start_process(*args, cwd=ROOT)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return proc, url + "/"


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    import http.client
    from urllib.parse import urlparse

    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.putrequest("GET", "/", skip_host=True)
    conn.putheader("Host", host or u.netloc)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, body


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


@pytest.mark.slow
def test_app_serves_loopback_only_picks_a_free_port_and_a_second_app_is_refused():
    proc, url = _start_app("classroom-five", "--port", "0")
    port = int(url.rsplit(":", 1)[1].strip("/"))
    try:
        assert port != 0
        assert _get(url)[0] == 200  # served as soon as the address is printed
        assert _get(url, host=f"localhost:{port}")[0] == 200
        status, body = _get(url, host=f"attacker.example:{port}")  # DNS rebinding
        assert status == 400 and "Refused" in body
        assert _get(url, host="127.0.0.1.attacker.example")[0] == 400
        second = _cli("app", "classroom-five", "--port", str(port), "--no-open")
        assert second.returncode == 2 and "already in use" in second.stderr
        assert "http://" not in second.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_app_server_dies_with_the_command():
    proc, url = _start_app("classroom-five", "--port", "0")
    port = int(url.rsplit(":", 1)[1].strip("/"))
    assert not _port_free(port)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert _port_free(port), "something still listens on the app's port after SIGKILL"
    with pytest.raises(OSError):
        socket.create_connection((HOST, port), timeout=5).close()


def test_host_check_reads_the_host_header():

    def scope(host: bytes) -> dict:
        return {"type": "http", "headers": [(b"host", host)]}

    assert host_of(scope(b"127.0.0.1:8765")) == "127.0.0.1"
    assert host_of(scope(b"LOCALHOST")) == "localhost"
    assert host_of(scope(b"[::1]:8765")) == "[::1]"
    assert host_of(scope(b"evil.example:80")) == "evil.example"
    assert host_of({"type": "http", "headers": []}) == ""


# --------------------------------------------------------------------------- page helpers


def test_page_helpers_name_months_cards_and_broken_scenarios(tmp_path):
    from sim.app.app import load_or_error
    from sim.app.components import CARD_HELP, calendar_month

    assert calendar_month("2025-09", 0) == "September 2025"
    assert calendar_month("2025-09", 4) == "January 2026"
    m = AppModel("classroom-five", rng=9, threshold_scale=0.9)
    used = model_values(m)
    assert used["us.backstop.air_support"] == 0.3 and used["rng"] == 9
    assert used["threshold_scale"] == 0.9
    cards = status_html(m)
    assert 'status-month' in cards and ">0 of 24<" in cards
    for key, text in CARD_HELP.items():  # every card carries its one-line explanation
        assert f'class="cs-card card-{key}" title="{text}"' in cards.replace("&#x27;", "'")
        assert "ODD" not in text and text.endswith(".")
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: broken\ndescription: x\nhorizon: -3\n")
    spec, problem = load_or_error(str(bad))
    assert spec is None and "horizon" in problem
    spec, problem = load_or_error("classroom-five")
    assert spec is not None and problem == ""


def test_map_of_a_grid_world_draws_every_tile():
    n = 12
    p = place_states(np.full(n, 50.0), np.full(n, 10.0))
    codes = [f"S{i:02d}" for i in range(n)]
    page = map_html(p, codes, [f"State {i}" for i in range(n)], {"S03": frozenset({"sea"})}, {},
                    "Month 1")
    tiles = _tiles(page)
    assert len(tiles) == n
    assert f"background:{COLOURS['sea']}" in tiles["S03"]["style"]
    assert "Beyond Europe" not in page and "map-landmark" not in page


def test_charts_are_drawn_from_the_run_so_far():
    from sim.app.components import charts_html

    m = AppModel("classroom-five-tipped")
    empty = charts_html(m)
    assert "force-chart" in empty and "talks-chart" in empty and "<polyline" not in empty
    for _ in range(5):
        m.step()
    page = charts_html(m)
    # pledged, deployed, deterrence; Russia's willingness, Ukraine's acceptance, growth
    assert page.count("<polyline") == 6
    assert "30,000 asked" in page
    keys = re.findall(r'class="legend-label"[^>]*>([^<]+)<', page)
    assert keys == ["deployed", "pledged", "Russia", "Ukraine"]
    assert outcomes.monthly("willingness").label in page
