"""Loading: inheritance, dotted paths, events, custom worlds, overrides, cache, docs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim import api
from sim.model.facts import load_facts
from sim.model.parameters import PARAM_INFO, flatten
from sim.scenario import docs
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import SCENARIOS_DIR, load_resolved, load_scenario, scenario_names

SMALL_WORLD = """\
name: {name}
description: A three-state world written inline.
horizon: 12
replicates: 4
seed: 11
facts: [modelling]
world:
  - &s {{code: AA, name: Alpha, lat: 50, lon: 20, gdp_usd_bn: 500, active_personnel: 100000,
         defence_pct_gdp: 2.5, border_russia_belarus: true, combat_aircraft: 90,
         major_warships: 10, deployment_approval: government}}
  - {{<<: *s, code: BB, name: Beta, border_russia_belarus: false}}
  - {{<<: *s, code: CC, name: Gamma, deployment_approval: parliament, landlocked: true}}
positions:
  AA: {{shift: {{ground: -0.4}}, facts: [modelling], note: Goes first.}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_scenario_in_the_folder_is_valid_and_cites_facts():
    facts = set(load_facts()) | {"modelling"}
    for name in scenario_names():
        sc = load_scenario(name)
        assert sc.name == name
        assert sc.facts and set(sc.facts) <= facts, name
        for ev in sc.events:
            assert ev.facts and set(ev.facts) <= facts, (name, ev.note)


def test_seed_scenarios_are_present():
    assert set(api.SEED_SCENARIOS) <= set(scenario_names())
    assert api.default_scenarios() == list(api.SEED_SCENARIOS)


def test_inheritance_merges_parameters_positions_facts_and_events():
    parent = load_scenario("sep-2025-paris")
    child = load_scenario("dec-2025-assets")
    assert child.extends == "sep-2025-paris"
    assert child.parameters.finance.assets_loan == 1.0
    assert child.parameters.sanctions.eu == parent.parameters.sanctions.eu  # inherited
    assert child.positions.keys() == parent.positions.keys()  # from base, two levels up
    assert set(parent.facts) <= set(child.facts)  # facts are joined
    assert child.start == "2025-12" and child.description != parent.description
    loaded = load_resolved("dec-2025-assets")
    assert [p.name for p in loaded.files] == ["dec-2025-assets.yaml", "sep-2025-paris.yaml",
                                               "base.yaml"]
    assert loaded.origin[("parameters", "finance", "assets_loan")].file.endswith(
        "dec-2025-assets.yaml")
    assert loaded.origin[("positions", "PL")].file.endswith("base.yaml")


def test_events_are_joined_parent_first(tmp_path: Path):
    write(tmp_path, "child", "name: child\ndescription: d\nextends: us-backstop-erodes\n"
          "events:\n  - month: 2\n    set: {sanctions.oil_ban: 1}\n    note: Oil ban.\n"
          "    facts: [us_ask_eu_stop_oil]\n")
    sc = load_scenario(tmp_path / "child.yaml")
    assert [e.month for e in sc.events] == [6, 12, 2]
    res = api.run(sc, replicates=3)
    assert list(res.log["month"]) == [2, 6, 12]
    assert res.log["note"].iloc[0] == "Oil ban."


def test_events_change_parameters_from_their_month():
    res = api.run("us-backstop-erodes", replicates=20)
    before = res.steps[res.steps.month == 5]["us_backstop"].mean()
    after = res.steps[res.steps.month == 7]["us_backstop"].mean()
    assert after < before
    support = res.steps.groupby("month")["support_usd_bn"].mean()
    assert support[13] > support[11] + 50  # the assets loan from month 12
    assert list(res.log["date"]) == ["2026-03", "2026-09"]


def test_dotted_and_nested_parameters_are_the_same(tmp_path: Path):
    a = write(tmp_path, "a", "name: a\ndescription: d\nparameters:\n"
              "  us.backstop.intelligence: 0.9\n  sanctions.eu: 0.7\n")
    b = write(tmp_path, "b", "name: b\ndescription: d\nparameters:\n  us:\n    backstop:\n"
              "      intelligence: 0.9\n  sanctions: {eu: 0.7}\n")
    assert flatten(load_scenario(a).parameters) == flatten(load_scenario(b).parameters)


def test_user_scenario_extends_a_project_scenario(tmp_path: Path):
    p = write(tmp_path, "mine", "name: mine\ndescription: d\nextends: sep-2025-paris\n"
              "parameters: {us.backstop_scale: 1.5}\n")
    sc = load_scenario(p)
    assert sc.parameters.us.backstop_scale == 1.5
    assert sc.parameters.sanctions.eu == load_scenario("sep-2025-paris").parameters.sanctions.eu


def test_custom_inline_world_runs(tmp_path: Path):
    p = write(tmp_path, "tiny", SMALL_WORLD.format(name="tiny"))
    sc = load_scenario(p)
    assert [s.code for s in sc.states()] == ["AA", "BB", "CC"]
    assert sc.states()[2].deployment_approval == "parliament"
    res = api.run(sc)
    assert len(res.summary) == 4 and list(res.summary["seed"]) == [11, 12, 13, 14]
    assert set(res.states["code"]) == {"AA", "BB", "CC"}
    assert len(res.steps) == 4 * 12
    assert (res.states["committed_sea"][res.states["code"] == "CC"] == 0).all()  # landlocked
    cmp = api.compare([p, "feb-2025-summit"], replicates=3)
    m = cmp.matrix
    assert np.isnan(m.loc["AA", "feb-2025-summit"]) and np.isnan(m.loc["GB", "tiny"])


def test_custom_world_rejects_positions_for_its_missing_states(tmp_path: Path):
    text = SMALL_WORLD.format(name="tiny2").replace("  AA: {shift", "  AB: {shift")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, "tiny2", text))
    assert info.value.key == "positions.AB" and info.value.suggestion in ("AA", "BB")


def test_inherited_positions_outside_a_new_world_are_ignored(tmp_path: Path):
    text = SMALL_WORLD.format(name="kid").replace("facts: [modelling]\nworld",
                                                  "extends: base\nfacts: [modelling]\nworld", 1)
    sc = load_scenario(write(tmp_path, "kid", text))
    assert "GB" in sc.positions and api.run(sc, replicates=2).states["code"].nunique() == 3


def test_with_overrides_validates_and_suggests():
    sc = api.load("sep-2025-paris")
    sc2 = api.with_overrides(sc, {"us.backstop_scale": 1.5, "horizon": 12})
    assert sc2.parameters.us.backstop_scale == 1.5 and sc2.horizon == 12
    assert sc.parameters.us.backstop_scale == 1.0  # the original is untouched
    with pytest.raises(ScenarioError) as info:
        api.with_overrides(sc, {"us.backstop_scal": 1.5})
    assert info.value.suggestion == "us.backstop_scale"
    with pytest.raises(ScenarioError) as info:
        api.with_overrides(sc, {"us.follow_through": 1.5})
    assert info.value.key == "parameters.us.follow_through"
    assert "from 0 to 1" in info.value.expected


def test_run_overrides_and_replicates_change_the_result():
    base = api.run("sep-2025-paris", replicates=30, seed=3)
    strong = api.run("sep-2025-paris", replicates=30, seed=3,
                     overrides={"us.backstop_scale": 2.0, "us.follow_through": 1.0})
    assert list(base.summary["seed"]) == list(range(3, 33))
    assert strong.summary["pledged_troops"].mean() >= base.summary["pledged_troops"].mean()


def test_run_in_chunks_equals_run_at_once():
    a = api.run("feb-2025-summit", replicates=7, chunk=3)
    b = api.run("feb-2025-summit", replicates=7)
    assert a.summary.equals(b.summary) and a.steps.equals(b.steps) and a.states.equals(b.states)


def test_cache_follows_file_content(tmp_path: Path):
    p = write(tmp_path, "c", "name: c\ndescription: d\nhorizon: 12\n")
    assert load_scenario(p).horizon == 12
    p.write_text("name: c\ndescription: d\nhorizon: 24\n")
    assert load_scenario(p).horizon == 24
    one, two = load_scenario(p), load_scenario(p)
    one.parameters.us.backstop_scale = 2.0  # a caller mutating its copy
    assert two.parameters.us.backstop_scale == 1.0 and load_scenario(p) is not one


def test_docs_are_current():
    assert docs.DOCS_FILE.read_text(encoding="utf-8") == docs.render(), \
        "docs/scenarios.md is stale: run python -m sim.scenario.docs"


def test_docs_cover_every_parameter_and_key():
    text = docs.render()
    for path in PARAM_INFO:
        assert f"`{path}`" in text
    for key in ("extends", "events", "world", "positions", "replicates"):
        assert f"`{key}`" in text


def test_scenarios_dir_is_the_project_folder():
    assert (SCENARIOS_DIR / "base.yaml").exists()


def test_repeated_loads_parse_each_file_once(tmp_path: Path, monkeypatch):
    import sim.scenario.loader as loader

    calls = []
    real = loader.parse
    monkeypatch.setattr(loader, "parse", lambda *a, **k: calls.append(a) or real(*a, **k))
    p = write(tmp_path, "k", "name: k\ndescription: d\nextends: sep-2025-paris\n")
    loader.clear_cache()
    for _ in range(50):  # CoalitionModel loads its scenario on every construction
        load_scenario(p)
    assert len(calls) == 3  # k, sep-2025-paris, base: once each


def test_what_if_examples_of_the_docs_are_valid(tmp_path: Path):
    """Every what-if example in docs/scenarios.md validates on top of a seed scenario."""
    for question, text, _ in docs.WHAT_IF_EXAMPLES:
        data = {"name": "example", "description": question, "extends": "sep-2025-paris",
                **yaml.safe_load(text)}
        path = write(tmp_path, "example", yaml.safe_dump(data, sort_keys=False))
        sc = load_scenario(path)
        assert sc.name == "example", question


def test_state_code_suggestions_match_country_names():
    """A mistyped state code is matched against country names too: GE and GER mean Germany
    (not Sweden's SE), a full name gives its code, an ambiguous prefix does not pick one."""
    from sim.scenario.validate import suggest_code

    sc = api.load("sep-2025-paris")
    codes, names = [s.code for s in sc.states()], [s.name for s in sc.states()]
    assert suggest_code("GE", codes, names) == "DE"
    assert suggest_code("GER", codes, names) == "DE"
    assert suggest_code("germany", codes, names) == "DE"
    assert suggest_code("UK", codes, names) == "GB"
    assert suggest_code("XQ", codes, names) is None
