"""Golden test of the batch engine: results must stay bit-identical through speed-ups.

The fixture tests/fixtures/engine_golden.npz holds the summary outcomes, monthly outcomes,
final commitments and burden of a few scenarios and seeds, recorded from the engine as it was
before any optimisation. A change of parameter defaults, scenario files or rules that changes
any number fails the test: regenerate the fixture on purpose with
``python tests/test_engine_golden.py --regen`` and give the reason in the commit message and in
CHANGELOG.md. The fixture also keeps each case's inputs (the resolved scenario and per-run
values), so a changed input fails by name ("the inputs changed: ...") while the same inputs
giving other numbers fail as an engine change; and it records the numpy version and CPU flags it
was made with, printed beside any difference. The structural checks (batch = single run,
chunked = unchunked, record_steps on = off, the Mesa model = the engine) always run.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.engine import batch as engine
from sim.scenario import Scenario, load_scenario

FIXTURE = Path(__file__).parent / "fixtures" / "engine_golden.npz"


def _with_events() -> Scenario:
    sc = load_scenario("sep-2025-paris")
    raw = sc.model_dump()
    raw["horizon"] = 24
    raw["events"] = [
        {"month": 4, "set": {"us.backstop.air_support": 0.0}, "note": "US air support withdrawn"},
        {"month": 8, "set": {"coalition.ground_threshold_scale": 0.8},
         "note": "thresholds fall"},
        {"month": 10, "set": {"us.secondary_tariffs": 1.0}, "note": "tariffs applied"},
    ]
    return Scenario.model_validate(raw)


def _small_world() -> Scenario:
    sc = load_scenario("sep-2025-paris")
    raw = sc.model_dump()
    raw["world"] = [s.model_dump() for s in sc.states()[:5]]
    raw["positions"] = {k: v for k, v in raw["positions"].items()
                        if k in {s["code"] for s in raw["world"]}}
    raw["horizon"] = 18
    return Scenario.model_validate(raw)


def _odd_world() -> Scenario:
    """Five states with fractional capacities: float sums over states must keep their order."""
    sc = _small_world()
    raw = sc.model_dump()
    for i, st in enumerate(raw["world"]):
        st["combat_aircraft"] = 37.3 + 11.1 * i
        st["major_warships"] = 2.7 + 0.9 * i
        st["active_personnel"] = 41234.5 + 9876.25 * i
    raw["parameters"]["deterrence"]["army_aircraft"] = 333.3
    raw["parameters"]["deterrence"]["army_warships"] = 77.7
    raw["parameters"]["russia"]["objection_aircraft"] = 33.3
    raw["parameters"]["russia"]["objection_warships"] = 7.7
    return Scenario.model_validate(raw)


def _hysteresis_values(runs: int) -> dict[str, np.ndarray]:
    """Hysteresis over its low range, from 0 (none) to 0.2."""
    return {"coalition.hysteresis": np.linspace(0.0, 0.2, runs)}


def _sweep_values(runs: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {"us.backstop_scale": rng.uniform(0, 2, runs),
            "sanctions.scale": rng.uniform(0, 2, runs),
            "coalition.ground_threshold_scale": rng.uniform(0.5, 1.5, runs)}


CASES: dict[str, tuple[Callable[[], Scenario], np.ndarray, Callable[[int], dict], bool]] = {
    # name: (scenario, seeds, per-run values, record monthly outcomes)
    "paris": (lambda: load_scenario("sep-2025-paris"), np.arange(64), lambda n: {}, True),
    "paris_swept": (lambda: load_scenario("sep-2025-paris"), 100 + np.arange(64) % 16,
                    _sweep_values, False),
    "events": (_with_events, np.arange(40), lambda n: {}, True),
    "full_backstop": (lambda: load_scenario("us-full-backstop"), 2025 + np.arange(32),
                      lambda n: {}, False),
    "small_world": (_small_world, np.arange(48), _sweep_values, True),
    "odd_world": (_odd_world, np.arange(40), _sweep_values, True),
    "hysteresis": (lambda: load_scenario("sep-2025-paris"), np.arange(30), _hysteresis_values,
                   False),
}


def inputs_of(sc: Scenario, seeds: np.ndarray, values: dict[str, np.ndarray]) -> dict[str, Any]:
    """What a case's numbers depend on besides the code, flattened to dotted keys."""
    flat_inputs: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            flat_inputs[prefix] = node

    walk("", sc.model_dump(mode="json"))
    flat_inputs["seeds"] = [int(x) for x in seeds]
    for k in sorted(values):
        flat_inputs[f"values.{k}"] = [float(x) for x in np.asarray(values[k])]
    return flat_inputs


def input_hash(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def environment() -> dict[str, Any]:
    """The numpy version, machine and CPU flags the numbers were computed with."""
    flags: list[str] = []
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                flags = sorted(line.split(":", 1)[1].split())
                break
    return {"numpy": np.__version__, "machine": platform.machine(),
            "python": platform.python_version(), "cpu_flags": flags}


def run_case(name: str) -> tuple[engine.Results, engine.Batch, dict[str, Any]]:
    make, seeds, values_of, record = CASES[name]
    sc = make()
    values = values_of(len(seeds))
    batch = engine.compile_batch(sc, seeds=seeds, values=values)
    return engine.simulate(batch, record_steps=record), batch, inputs_of(sc, seeds, values)


def flat(res: engine.Results) -> dict[str, np.ndarray]:
    out = {f"summary/{k}": v for k, v in res.summary.items()}
    if res.steps is not None:
        out.update({f"steps/{k}": v for k, v in res.steps.items()})
    out["committed"] = res.committed
    out["burden"] = res.burden_pct_gdp
    return out


def regenerate() -> None:
    arrays: dict[str, np.ndarray] = {}
    for name in CASES:
        res, _, inputs = run_case(name)
        arrays[f"{name}:hash"] = np.array(input_hash(inputs))
        arrays[f"{name}:inputs"] = np.array(json.dumps(inputs, sort_keys=True))
        for k, v in flat(res).items():
            arrays[f"{name}:{k}"] = v
    arrays["meta:environment"] = np.array(json.dumps(environment(), sort_keys=True))
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(FIXTURE, **arrays)
    print(f"wrote {FIXTURE} ({len(arrays)} arrays)")


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray], what: str) -> None:
    assert a.keys() == b.keys(), what
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=f"{what}: {k}")


def _short(v: Any) -> Any:
    return v if len(repr(v)) < 60 else repr(v)[:57] + "..."


def changed_inputs(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """``key: recorded → now`` for every input that differs (added or removed included)."""
    out = []
    for k in sorted(recorded.keys() | now.keys()):
        a, b = recorded.get(k, "(absent)"), now.get(k, "(absent)")
        if a != b:
            out.append(f"{k}: {_short(a)} → {_short(b)}")
    return out


META = ("hash", "inputs")


@pytest.mark.parametrize("name", list(CASES))
def test_matches_recorded_numbers(name: str) -> None:
    assert FIXTURE.exists(), f"no fixture {FIXTURE}: regenerate it on purpose (see module doc)"
    res, _, inputs = run_case(name)
    with np.load(FIXTURE) as z:
        assert f"{name}:hash" in z.files, f"case {name} is not in the fixture: regenerate it"
        recorded = {k.split(":", 1)[1]: z[k] for k in z.files
                    if k.startswith(f"{name}:") and k.split(":", 1)[1] not in META}
        recorded_inputs = json.loads(str(z[f"{name}:inputs"]))
        recorded_hash = str(z[f"{name}:hash"])
        made_with = json.loads(str(z["meta:environment"]))
    changed = changed_inputs(recorded_inputs, inputs)
    assert not changed, (f"{name}: the inputs changed since the fixture was made (a default, "
                         "a scenario file or a case): " + "; ".join(changed[:12])
                         + ". If on purpose, regenerate the fixture and say so in CHANGELOG.md")
    assert recorded_hash == input_hash(inputs), f"{name}: the input hash differs"
    try:
        assert_same(flat(res), recorded, name)
    except AssertionError as exc:
        now = environment()
        env = {k: (made_with.get(k), now[k]) for k in ("numpy", "machine", "python")
               if made_with.get(k) != now[k]}
        flags = sorted(set(made_with.get("cpu_flags", [])) ^ set(now["cpu_flags"]))
        raise AssertionError(f"{name}: same inputs, other numbers — the engine changed. "
                             f"Environment differences (recorded, now): {env or 'none'}; "
                             f"CPU flags differing: {flags[:20] or 'none'}. {exc}") from None


def test_a_changed_default_is_named():
    """The input check names the key that changed, so a changed default never reads as an
    engine bug."""
    _, _, inputs = run_case("paris")
    moved = dict(inputs)
    key = "parameters.coalition.peer_weight"
    moved[key] = inputs[key] + 0.1
    assert any(line.startswith(key) for line in changed_inputs(inputs, moved))
    assert input_hash(moved) != input_hash(inputs)


@pytest.mark.parametrize("name", list(CASES))
def test_batch_equals_single_runs_and_chunks(name: str) -> None:
    res, batch, _ = run_case(name)
    record = CASES[name][3]
    whole = flat(res)
    for size in (1, 7):
        parts = [flat(engine.simulate(engine.select(batch, slice(i, i + size)),
                                      record_steps=record))
                 for i in range(0, batch.runs, size)]
        joined = {k: np.concatenate([p[k] for p in parts]) for k in whole}
        assert_same(whole, joined, f"{name} in chunks of {size}")
    # reversed order of runs gives the reversed results
    rev = flat(engine.simulate(engine.select(batch, np.arange(batch.runs)[::-1]),
                               record_steps=record))
    assert_same(whole, {k: v[::-1] for k, v in rev.items()}, f"{name} reversed")
    # summary does not depend on recording the monthly outcomes
    other = engine.simulate(batch, record_steps=not record)
    assert_same(res.summary, other.summary, f"{name} record_steps")


@pytest.mark.parametrize("name", ["paris", "events"])
def test_sub_batches_equal_one_batch(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """simulate() splits a batch larger than SUB_BATCH itself; the joined results are the same
    bit for bit (here with sub-batches of 7 runs)."""
    res, batch, _ = run_case(name)
    whole = engine.simulate(batch, record_steps=CASES[name][3], snapshot_months=(3, 9))
    monkeypatch.setattr(engine, "SUB_BATCH", 7)
    split = engine.simulate(batch, record_steps=CASES[name][3], snapshot_months=(3, 9))
    assert_same(flat(res), flat(split), f"{name} in sub-batches")
    for m in (3, 9):
        np.testing.assert_array_equal(whole.snapshots[m], split.snapshots[m])


@pytest.mark.parametrize("name", ["paris", "events", "small_world", "odd_world"])
def test_mesa_model_equals_engine(name: str) -> None:
    from sim.engine.mesa_model import CoalitionModel

    res, batch, _ = run_case(name)
    sc = CASES[name][0]()
    for i in range(0, batch.runs, max(1, batch.runs // 6)):
        values = {k: float(v[i]) for k, v in CASES[name][2](batch.runs).items()}
        model = CoalitionModel(scenario=sc, rng=int(batch.seeds[i]), **values)
        while model.running:
            model.step()
        df = model.datacollector.get_model_vars_dataframe()
        assert len(df) == batch.horizon
        for k in engine.STEP_OUTCOMES:
            np.testing.assert_array_equal(df[k].to_numpy(), res.steps[k][i], err_msg=k)
        np.testing.assert_array_equal(model.simulation.run_state.committed[0], res.committed[i])


if __name__ == "__main__":
    if "--regen" in sys.argv:
        regenerate()
    else:
        print("usage: python tests/test_engine_golden.py --regen")
