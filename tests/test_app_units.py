"""Unit tests of the classroom app's pure parts: colours, map placement, the event log,
the app model and its controls, the classroom world, and the ``app`` command's checks."""

from __future__ import annotations

import math
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from mesa.visualization.solara_viz import _build_model_init_kwargs

from sim import engine
from sim.app.figures import map_figure
from sim.app.narrate import Snapshot, clause, join_names, narrate, with_article
from sim.app.palette import COLOURS, LABELS, NOTHING, STRENGTH_ORDER, colour_of, legend_entries, strongest
from sim.app.placement import coordinates_meaningful, place_states, project
from sim.app.session import SLIDERS, THRESHOLD_SCALES, AppModel, model_params
from sim.cli.app import HOST, choose_port, solara_command
from sim.cli.common import BadInput
from sim.parameters import MODES, PARAM_INFO, flatten
from sim.scenario import load_scenario
from sim.world import coalition_states

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


def _coalition_placement():
    states = coalition_states()
    lat = np.array([s.lat for s in states])
    lon = np.array([s.lon for s in states])
    return states, lat, lon, place_states(lat, lon)


def test_coalition_map_places_states_at_their_capitals_without_overlap():
    states, lat, lon, p = _coalition_placement()
    assert p.geographic and p.overlaps() == []
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


def test_map_tiles_take_the_colour_of_the_strongest_commitment():
    states, lat, lon, p = _coalition_placement()
    codes = [s.code for s in states]
    commitments = {"GB": frozenset({"ground", "air"}), "DE": frozenset({"financing", "arms"}),
                   "PL": frozenset({"training"})}
    fig = map_figure(p, codes, [s.name for s in states], commitments, {"GB": 7050.0})
    tiles = {a.get_gid(): a for a in fig.axes[0].patches if (a.get_gid() or "").startswith("tile")}
    assert len(tiles) == len(codes)
    assert to_hex(tiles["tile-GB"].get_facecolor()) == COLOURS["ground"].lower()
    assert to_hex(tiles["tile-DE"].get_facecolor()) == COLOURS["financing"].lower()
    assert to_hex(tiles["tile-PL"].get_facecolor()) == COLOURS["training"].lower()
    assert to_hex(tiles["tile-FR"].get_facecolor()) == COLOURS[NOTHING].lower()
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "7k" in texts and "GB" in texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [lab for lab, _ in legend_entries()]


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
    assert join_names(list("ABCDEFG")) == "A, B, C and 4 others"
    assert clause("The US restores intelligence sharing.") == "the US restores intelligence sharing"


def test_a_commitment_after_a_scheduled_event_names_the_event_as_its_reason():
    before = _snap(3, {"GB": {"air"}})
    after = _snap(4, {"GB": {"air"}, "NL": {"air"}},
                  notes=["The US restores intelligence sharing."])
    lines = narrate(before, after, NAMES)
    assert lines == [
        "Month 4: The US restores intelligence sharing.",
        "Month 4: the Netherlands commits air presence after the US restores intelligence "
        "sharing.",
    ]


def test_joining_first_movers_and_withdrawals():
    before = _snap(5, {"GB": {"ground"}, "FR": {"ground", "financing"}, "IT": {"sea"},
                       "ES": {"sea"}})
    after = _snap(6, {"GB": {"ground"}, "FR": {"ground", "financing"}, "DE": {"ground"},
                      "PL": {"arms"}})
    lines = narrate(before, after, NAMES)
    assert "Month 6: Germany commits ground troops, joining the United Kingdom and France." in lines
    assert "Month 6: Poland commits arms deliveries - the first to do so." in lines
    assert "Month 6: Italy and Spain withdraw their naval presence." in lines
    assert len(lines) == 3


def test_force_ceasefire_and_us_changes_are_told():
    before = _snap(9, troops=28_000, ceasefire=0, violated=0, disengaged=0, tariffs=0)
    after = _snap(10, troops=31_000, ceasefire=1, violated=0, disengaged=1, tariffs=1)
    lines = narrate(before, after, NAMES, requirement=30_000)
    assert lines == [
        "Month 10: the ground force reaches 31,000 troops - the 30,000 needed are there.",
        "Month 10: Russia and Ukraine agree a ceasefire.",
        "Month 10: the US walks away and keeps only intelligence sharing.",
        "Month 10: the US imposes secondary tariffs on buyers of Russian oil.",
    ]
    back = narrate(after, _snap(11, troops=29_000, ceasefire=0, violated=1, disengaged=1,
                                tariffs=1), NAMES, requirement=30_000)
    assert back == ["Month 11: the ground force falls to 29,000 troops, below the 30,000 needed.",
                    "Month 11: Russia breaks the ceasefire."]


def test_nothing_changed_means_nothing_to_tell():
    s = _snap(2, {"GB": {"ground"}}, troops=5000)
    assert narrate(s, _snap(3, {"GB": {"ground"}}, troops=5000), NAMES) == []


def test_many_states_are_counted_not_all_named():
    many = {c: {"training"} for c in NAMES}
    lines = narrate(_snap(0), _snap(1, many), NAMES)
    assert lines == ["Month 1: 7 states (the United Kingdom, France, the Netherlands and 4 "
                     "others) commit training - the first to do so."]


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
    assert len(df) == 3 and {"troops", "deterrence", "growth", "pressure"} <= set(df.columns)


def test_mesa_reset_rebuilds_the_app_model_from_the_controls():
    """SolaraViz's Reset passes its own empty scenario object; the app model must ignore it."""
    m = AppModel("hague-2025-intel-only", rng=2025)
    params = model_params(load_scenario("hague-2025-intel-only"), "hague-2025-intel-only")
    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    values["us.backstop.logistics"] = 0.75
    values["rng"] = 2031
    kwargs = _build_model_init_kwargs(m, values, add_scenario_when_empty=True,
                                      require_model_accepts_scenario=True)
    fresh = type(m)(**kwargs)
    assert fresh.spec.name == "hague-2025-intel-only" and fresh.seed == 2031
    assert fresh.simulation.params["us.backstop.logistics"][0] == 0.75


def test_sliders_default_to_the_chosen_scenario():
    sc = load_scenario("us-full-backstop")
    params = model_params(sc, "us-full-backstop")
    values = flatten(sc.parameters)
    for path in SLIDERS:
        assert path in PARAM_INFO
        assert params[path]["value"] == pytest.approx(values[path])
        assert params[path]["min"] <= params[path]["value"] <= params[path]["max"]
    assert params["us.backstop.air_support"]["value"] == 1.0
    assert params["rng"]["value"] == sc.seed and params["threshold_scale"]["value"] == 1.0
    assert params["scenario_name"] == "us-full-backstop"


def test_same_controls_same_run():
    a, b = AppModel("sep-2025-paris", rng=2026), AppModel("sep-2025-paris", rng=2026)
    for _ in range(6):
        a.step()
        b.step()
    assert a.events == b.events


# --------------------------------------------------------------------------- classroom world


def _ground(name: str, replicates: int = 30, **values: float) -> np.ndarray:
    sc = load_scenario(name)
    batch = engine.compile_batch(sc, seeds=sc.seed + np.arange(replicates), values=values)
    return engine.simulate(batch).steps["n_ground"]


def test_classroom_worlds_differ_by_exactly_one_setting():
    a, b = load_scenario("classroom-five"), load_scenario("classroom-five-tipped")
    fa, fb = flatten(a.parameters), flatten(b.parameters)
    assert [k for k in fa if fa[k] != fb[k]] == ["us.backstop.air_support"]
    assert a.positions == b.positions and a.states() == b.states() and len(a.states()) == 5


def test_classroom_cascade_does_not_start_without_the_change():
    assert (_ground("classroom-five") == 0).all()


def test_classroom_cascade_tips_state_by_state_with_the_change():
    g = _ground("classroom-five-tipped")
    assert (g[:, :5] == np.arange(1, 6)).all()  # one more state each month
    assert (g[:, -1] == 5).all()


@pytest.mark.parametrize("values", [{"coalition.ground_threshold_scale": 0.95}])
def test_classroom_cascade_also_tips_when_thresholds_fall(values):
    assert (_ground("classroom-five", **values)[:, -1] == 5).all()


def test_classroom_force_needs_all_five():
    sc = load_scenario("classroom-five-tipped")
    r = engine.simulate(engine.compile_batch(sc, seeds=[sc.seed]))
    troops = r.steps["troops"][0]
    need = flatten(sc.parameters)["deterrence.force_requirement"]
    assert troops[3] < need <= troops[4]  # four states are not enough, five are


def test_classroom_facts_are_real_fact_ids():
    from sim.facts import load_facts

    facts = load_facts()
    for name in ("classroom-five", "classroom-five-tipped"):
        sc = load_scenario(name)
        assert sc.facts and all(f in facts for f in sc.facts)
        assert all(f in facts for pos in sc.positions.values() for f in pos.facts)


def test_classroom_event_log_tells_the_cascade():
    m = AppModel("classroom-five-tipped")
    for _ in range(5):
        m.step()
    assert m.events[0] == "Month 1: Westmark commits ground troops - the first to do so."
    assert "Month 2: Northland commits ground troops, joining Westmark." in m.events
    assert any(e.startswith("Month 5: the ground force reaches 32,500 troops") for e in m.events)


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
        assert r.returncode == 2 and f"--port {port}" in r.stderr
        with pytest.raises(BadInput):
            choose_port(port)


def test_app_server_command_is_local_and_offline():
    cmd = solara_command(8123)
    assert cmd[1] == "run" and cmd[2].endswith("sim/app/app.py")
    for flag in ("--no-open", "--production", "--no-check-version"):
        assert flag in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and cmd[cmd.index("--port") + 1] == "8123"
    assert not math.isnan(float(cmd[cmd.index("--port") + 1]))


# --------------------------------------------------------------------------- page helpers


def test_page_helpers_name_months_settings_and_broken_scenarios(tmp_path):
    from sim.app.app import load_or_error, run_settings
    from sim.app.components import calendar_month

    assert calendar_month("2025-09", 0) == "September 2025"
    assert calendar_month("2025-09", 4) == "January 2026"
    m = AppModel("classroom-five", rng=9, threshold_scale=0.9)
    rows = dict(run_settings(m))
    assert rows["US air support"] == "0.30" and rows["Seed"] == "9"
    assert rows["Thresholds (x)"] == "0.90"
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
    fig = map_figure(p, codes, [f"State {i}" for i in range(n)],
                     {"S03": frozenset({"sea"})})
    tiles = {a.get_gid(): a for a in fig.axes[0].patches if (a.get_gid() or "").startswith("tile")}
    assert len(tiles) == n
    assert to_hex(tiles["tile-S03"].get_facecolor()) == COLOURS["sea"].lower()
    assert "Beyond\nEurope" not in [t.get_text() for t in fig.axes[0].texts]
