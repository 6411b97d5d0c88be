"""The lesson plans in docs/lessons/: every expected observation is checked against the model.

Each observation in a plan carries a marker ``<!-- check: NAME -->``; ``CHECKS[NAME]`` runs the
setting it describes (``sim.api.run``, the world's own seed, as the lesson page and the app
show it; or 20 seeds for the page's "how often" line), asserts what the plan says happens, and
returns the numbers and sentences the plan quotes, which must appear in the observation's text.
A marker without a check, or a check no plan uses, fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim import api
from sim.app.lesson.grid import ODDS, _Strings, overrides, replay_runs, setting_values
from sim.scenario import load_scenario
from sim.scenario.designs import load_design

LESSONS = Path(__file__).resolve().parent.parent / "docs" / "lessons"
FIVE, TIPPED = "classroom-five", "classroom-five-tipped"
REAR, LARGE, TRIPWIRE, AIR_SEA = ("rear-reassurance-30k", "deterrent-force", "tripwire",
                                  "air-sea-presence")
ODDS_SEEDS = 20  # as the lesson page's "how often" line


def _values(backstop: float, sanctions: float, peer: float) -> dict[str, float]:
    return {"us.backstop_scale": backstop, "sanctions.scale": sanctions,
            "coalition.peer_weight": peer}


@cache
def run(world: str, design: str = REAR, backstop: float = 1.0, sanctions: float = 1.0,
        peer: float = 0.6, replicates: int = 1, **extra: float) -> api.RunResult:
    """The world with the page's controls at these values (the page's defaults otherwise)."""
    return api.run(world, replicates=replicates,
                   overrides={**overrides(design, _values(backstop, sanctions, peer)), **extra})


def odds(world: str, design: str = REAR, **controls: float) -> dict[str, float]:
    s = run(world, design, replicates=ODDS_SEEDS, **controls).summary
    return {k: float(s[k].mean()) for k in ODDS}


def series(res: api.RunResult, name: str) -> np.ndarray:
    return res.steps[res.steps.run == 0][name].to_numpy()


def log(world: str, design: str = REAR, **controls: float) -> list[str]:
    """The event log of the setting, as the lesson page shows it."""
    sc = load_scenario(world)
    values = setting_values(sc, design, _values(controls.get("backstop", 1.0),
                                                controls.get("sanctions", 1.0),
                                                controls.get("peer", 0.6)))
    strings = _Strings()
    [r] = replay_runs(sc, [values], strings)
    return [strings.items[i] for _, i in r["log"]]


def pct(v: float) -> str:
    return f"{v:.0%}"


def troops(v: float) -> str:
    return f"{v:,.0f}"


CHECKS: dict[str, Callable[[], list[str]]] = {}


def check(name: str):
    def register(fn: Callable[[], list[str]]) -> Callable[[], list[str]]:
        CHECKS[name] = fn
        return fn
    return register


def first_month(values: np.ndarray, at_least: float) -> int:
    return int(np.argmax(values >= at_least)) + 1


# --------------------------------------------------------------------------- lesson 1

@check("l1-nobody")
def _() -> list[str]:
    r = run(FIVE)
    assert series(r, "n_ground").max() == 0 and series(r, "pledged_troops")[-1] == 0
    assert series(r, "n_sea")[0] == 5 and series(r, "ceasefire_in_force").max() == 0
    sentence = ("Month 1: Westmark, Northland, Midland, Southport and Eastvale pledge naval "
                "presence - the first to do so.")
    assert sentence in log(FIVE)
    return ["**0**", sentence, "**None**"]


@check("l1-cascade")
def _() -> list[str]:
    r = run(TIPPED)
    assert list(series(r, "n_ground")[:5]) == [1, 2, 3, 4, 5]
    lines = log(TIPPED)
    quoted = ["Month 1: Westmark pledges ground troops - the first to do so.",
              "Month 5: Eastvale pledges ground troops, joining 4 others.",
              "Month 5: the pledges reach 30,000 troops - all the design asks for."]
    assert all(q in lines for q in quoted)
    assert first_month(series(r, "pledged_troops"), 30_000) == 5
    return quoted


@check("l1-peer-less")
def _() -> list[str]:
    out = []
    for peer, states in ((0.45, 4), (0.3, 2), (0.0, 1)):
        r = run(TIPPED, peer=peer)
        assert series(r, "n_ground")[-1] == states
        out += [f"**{peer:.2f}**", f"{states} state", troops(series(r, "pledged_troops")[-1])]
    assert "Eastvale" not in " ".join(x for x in log(TIPPED, peer=0.45) if "ground" in x)
    return out


@check("l1-peer-more")
def _() -> list[str]:
    r = run(TIPPED, peer=0.8)
    month = first_month(series(r, "n_ground"), 5)
    assert month < first_month(series(run(TIPPED), "n_ground"), 5)
    return ["**0.80**", f"month {month}"]


@check("l1-backstop-tips")
def _() -> list[str]:
    r = run(FIVE, backstop=1.25)
    n = series(r, "n_ground")
    assert n[-1] == 5 and n[0] > 1
    return ["**\u00d71.25**", f"{int(n[0])} in month 1", f"all five by month {first_month(n, 5)}"]


# --------------------------------------------------------------------------- lesson 2

@check("l2-backstop-ladder")
def _() -> list[str]:
    for backstop in (0.0, 0.5):
        assert series(run(TIPPED, backstop=backstop), "pledged_troops").max() == 0
    months = {b: first_month(series(run(TIPPED, backstop=b), "n_ground"), 5)
              for b in (1.0, 1.5, 2.0)}
    assert months[1.0] > months[1.5] >= months[2.0]
    return ["**\u00d70.00**", "**\u00d70.50**", f"month {months[1.0]}", f"month {months[1.5]}"]


@check("l2-us-card")
def _() -> list[str]:
    out = []
    for b in (0.5, 1.0, 2.0):
        out.append(pct(series(run(TIPPED, backstop=b), "us_perceived")[-1]))
    assert out == sorted(out, key=lambda s: int(s[:-1]))
    return out


@check("l2-odds")
def _() -> list[str]:
    low, one, high = (odds(TIPPED, backstop=b) for b in (0.5, 1.0, 1.5))
    assert low["ceasefire_agreed"] == 0 and one["ceasefire_agreed"] == 1
    hazard = []
    for b in (1.0, 1.5):  # the breakdown hazard of a ceasefire in force, over the 20 seeds
        st = run(TIPPED, backstop=b, replicates=ODDS_SEEDS).steps
        hazard.append(st.loc[st.ceasefire_in_force > 0, "violation_hazard"].mean())
    assert hazard[1] < hazard[0]
    return [pct(low["ceasefire_agreed"]), pct(one["ceasefire_agreed"]), pct(one["holds"]),
            pct(high["holds"]), f"{hazard[0]:.1%}", f"{hazard[1]:.1%}"]


@check("l2-tripwire")
def _() -> list[str]:
    r = run(TIPPED, TRIPWIRE)
    assert series(r, "n_ground")[-1] == 5
    assert series(r, "pledged_troops")[-1] == 5_000
    return ["all five", "**5,000**"]


@check("l2-free-ride")
def _() -> list[str]:
    out = []
    for fr, states in ((0.3, 2), (0.5, 1)):
        r = run(TIPPED, **{"coalition.free_ride": fr})
        assert series(r, "n_ground")[-1] == states
        out += [f"coalition.free_ride={fr}", troops(series(r, "pledged_troops")[-1])]
    return out


# --------------------------------------------------------------------------- lesson 3

@check("l3-rear")
def _() -> list[str]:
    r = run(TIPPED)
    agreed = first_month(series(r, "ceasefire_in_force"), 1)
    deployed = series(r, "deployed_troops")
    assert agreed < first_month(deployed, 1)  # the force arrives after the ceasefire
    assert series(r, "terms")[agreed - 1] == pytest.approx(1.0)  # Ukraine concedes all
    return [f"month {agreed}", troops(deployed.max()), f"month {first_month(deployed, 1)}",
            pct(series(r, "deterrence")[-1])]


@check("l3-large")
def _() -> list[str]:
    r = run(TIPPED, LARGE)
    assert series(r, "deployed_troops").max() == 0
    asks = load_design(LARGE).values()
    assert asks["design.lead_time"] == 6 and asks["design.ground_troops"] > 3 * 32_500
    rear = run(TIPPED)
    assert series(r, "deterrence")[-1] < series(rear, "deterrence")[-1]
    return [troops(series(r, "pledged_troops")[-1]), pct(series(r, "deterrence")[-1]),
            pct(series(rear, "deterrence")[-1])]


@check("l3-consent")
def _() -> list[str]:
    rear, large = run(TIPPED), run(TIPPED, LARGE)
    m = 5  # month 6
    assert series(large, "willingness")[m] < series(rear, "willingness")[m]
    assert series(large, "objection")[m] > series(rear, "objection")[m]
    return [pct(series(rear, "willingness")[m]), pct(series(large, "willingness")[m])]


@check("l3-tripwire")
def _() -> list[str]:
    r = run(TIPPED, TRIPWIRE)
    rear = run(TIPPED)
    m = 5
    assert series(r, "guarantee")[m] < series(rear, "guarantee")[m]
    assert series(r, "terms")[m] < 0.5 and series(r, "willingness")[m] < 0.01
    trip = odds(TIPPED, TRIPWIRE)["ceasefire_agreed"]
    assert trip < 0.1
    return [pct(series(r, "guarantee")[m]), pct(series(rear, "guarantee")[m]),
            pct(series(r, "terms")[m]), pct(trip)]


@check("l3-no-force")
def _() -> list[str]:
    agreed = [odds(TIPPED, design)["ceasefire_agreed"] for design in (AIR_SEA, "sustain-ukraine")]
    assert max(agreed) < 0.1
    return [pct(a) for a in agreed]


@check("l3-sanctions")
def _() -> list[str]:
    none, double = run(TIPPED, sanctions=0.0), run(TIPPED, sanctions=2.0)
    assert series(none, "growth")[-1] > series(double, "growth")[-1]
    assert series(none, "willingness")[5] < series(double, "willingness")[5]
    assert list(series(none, "n_ground")) == list(series(double, "n_ground"))
    return [f"{series(none, 'growth')[-1]:.1f}%", f"{series(double, 'growth')[-1]:.1f}%",
            pct(series(none, "willingness")[5]), pct(series(double, "willingness")[5])]


# --------------------------------------------------------------------------- the plans

MARK = re.compile(r"<!-- check: ([a-z0-9-]+) -->")


def observations() -> list[tuple[str, str, str]]:
    """(plan file, check name, the observation's text: the paragraph or list item holding the
    marker) for every marker in docs/lessons/."""
    out = []
    for path in sorted(LESSONS.glob("*.md")):
        for block in re.split(r"\n\s*\n|\n(?=\s*[-*] |\s*\d+\. )", path.read_text(encoding="utf-8")):
            for name in MARK.findall(block):
                out.append((path.name, name, " ".join(block.split())))
    return out


def test_three_plans_each_with_goals_steps_questions_and_what_is_left_out():
    plans = sorted(LESSONS.glob("*.md"))
    assert len(plans) == 3, plans
    for path in plans:
        text = path.read_text(encoding="utf-8")
        for heading in ("## Learning goals", "## Steps", "## Questions and expected observations",
                        "## What the model leaves out"):
            assert heading in text, f"{path.name} has no {heading!r}"
        assert "45 minutes" in text and MARK.search(text), path.name


def test_every_marker_has_a_check_and_every_check_is_used():
    used = {name for _, name, _ in observations()}
    assert used == set(CHECKS), (sorted(used - set(CHECKS)), sorted(set(CHECKS) - used))


@pytest.mark.parametrize("plan,name,text", observations(), ids=lambda x: str(x)[:30])
def test_expected_observation_holds_in_the_model(plan, name, text):
    for quoted in CHECKS[name]():
        assert quoted in text, f"{plan} [{name}]: the model gives {quoted!r}; the plan says: {text}"
