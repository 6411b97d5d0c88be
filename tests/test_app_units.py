"""Unit tests of the classroom app's pure parts: colours, map placement, the event log,
the app model and its controls, the classroom world, and the ``app`` command's checks."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from sim import engine
from sim.app.components import contrast, ink_on, map_html, status_html, tile_title
from sim.app.narrate import Snapshot, clause, join_names, narrate, with_article
from sim.app.palette import COLOURS, LABELS, NOTHING, STRENGTH_ORDER, colour_of, legend_entries, strongest
from sim.app.placement import coordinates_meaningful, place_states, project
from sim.app.session import SLIDERS, THRESHOLD_SCALES, AppModel, controls, defaults, model_values
from sim.cli.app import HOST, choose_port
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
    assert tiles["FR"]["title"] == "France: commits nothing yet"
    assert ">7k<" in page and ">GB<" in page
    # a large world shows codes on its tiles and a key with every state's name
    key = page[page.index('class="map-key"'):]
    assert all(n.replace("&", "&amp;") in key for n in names)
    legend = page[page.index('class="cs-legend"'):page.index('class="map-key"')]
    assert [lab for lab, _ in legend_entries()] == re.findall(r"</span>([^<]+)</span>", legend)


def test_small_world_tiles_show_full_names_and_no_key():
    sc = load_scenario("classroom-five")
    st = sc.states()
    p = place_states(np.array([s.lat for s in st]), np.array([s.lon for s in st]), size=1.8)
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
    before = _snap(9, troops=28_000, ceasefire_in_force=0, violated=0, disengaged=0, tariffs=0)
    after = _snap(10, troops=31_000, ceasefire_in_force=1, violated=0, disengaged=1, tariffs=1)
    lines = narrate(before, after, NAMES, requirement=30_000)
    assert lines == [
        "Month 10: the ground force reaches 31,000 troops - the 30,000 needed are there.",
        "Month 10: Russia and Ukraine agree a ceasefire.",
        "Month 10: the US walks away and keeps only intelligence sharing.",
        "Month 10: the US imposes secondary tariffs on buyers of Russian oil.",
    ]
    back = narrate(after, _snap(11, troops=29_000, ceasefire_in_force=0, violated=1, disengaged=1,
                                tariffs=1), NAMES, requirement=30_000)
    assert back == ["Month 11: the ground force falls to 29,000 troops, below the 30,000 needed.",
                    "Month 11: Russia breaks the ceasefire."]


def test_nothing_changed_means_nothing_to_tell():
    s = _snap(2, {"GB": {"ground"}}, troops=5000)
    assert narrate(s, _snap(3, {"GB": {"ground"}}, troops=5000), NAMES) == []


def test_many_states_are_counted_not_all_named():
    many = {c: {"training"} for c in NAMES}
    lines = narrate(_snap(0), _snap(1, many), NAMES)
    assert lines == ["Month 1: 7 states (the United Kingdom, France, the Netherlands, Germany "
                     "and 3 others) commit training - the first to do so."]


def test_five_states_are_all_named():
    five = dict(list(NAMES.items())[:5])
    lines = narrate(_snap(0), _snap(1, {c: {"sea"} for c in five}), five)
    assert lines == ["Month 1: the United Kingdom, France, the Netherlands, Germany and Italy "
                     "commit naval presence - the first to do so."]


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


def test_event_log_reads_the_model_s_own_outcome_names():
    """Every outcome the log tells of is one the model reports (a renamed outcome would
    silently drop its sentence)."""
    m = AppModel("classroom-five-tipped")
    m.step()
    for key in ("troops", "ceasefire_in_force", "violated", "disengaged", "tariffs"):
        assert key in m.timeline[-1].outcomes
    for _ in range(23):
        m.step()
    assert "Month 12: Russia and Ukraine agree a ceasefire." in m.events
    assert "Month 15: Russia breaks the ceasefire." in m.events


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
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "app", *args, "--no-open"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            m = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if m:
                found.append(m.group(0))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=120)
    if not found:
        proc.kill()
        pytest.fail(f"the app printed no address; stderr: {proc.stderr.read()[-2000:]}")
    return proc, found[0]


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
    from sim.cli.app import host_of

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
    assert "force-chart" in empty and "economy-chart" in empty and "<polyline" not in empty
    for _ in range(5):
        m.step()
    page = charts_html(m)
    assert page.count("<polyline") == 4  # troops, deterrence, growth, sanctions
    assert "30,000 needed" in page
