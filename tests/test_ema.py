"""The EMA Workbench adapter (sim.analysis.ema): uncertainties, levers and outcomes from the
declarations, experiments equal to the batch engine bit for bit, PRIM and feature scoring on
the results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from sim.analysis import ema
from sim.engine.batch import compile_batch, simulate
from sim.model.outcomes import PER_RUN
from sim.model.parameters import PARAM_INFO, flatten
from sim.scenario.designs import design_names
from sim.scenario.overrides import load, with_overrides

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "ipyparallel not installed"
    ema_workbench = pytest.importorskip("ema_workbench")
from ema_workbench import (  # noqa: E402
    MultiprocessingEvaluator,
    Sample,
    ScalarOutcome,
    SequentialEvaluator,
    perform_experiments,
)
from ema_workbench.analysis import feature_scoring, prim  # noqa: E402

SCENARIO = "sep-2025-paris"
R = 8
SEED = 11
TWO_DESIGNS = [Sample("rear", design="rear-reassurance-30k"), Sample("trip", design="tripwire")]
FEW = ["coalition.ground_threshold", "us.backstop_scale", "russia.adjust_months",
       "deterrence.force_hazard_ratio"]


@pytest.fixture(scope="module")
def model():
    return ema.ema_model(SCENARIO, replicates=R, seed=SEED)


def test_names_map_both_ways():
    names = [ema.ema_name(p) for p in PARAM_INFO]
    assert all(n.isidentifier() for n in names)
    assert len(set(names)) == len(PARAM_INFO)
    assert [ema.dotted_path(n) for n in names] == list(PARAM_INFO)
    assert ema.ema_name("us.backstop.intelligence") == "us__backstop__intelligence"


def test_uncertainties_are_the_declared_ranges(model):
    values = flatten(load(SCENARIO).parameters)
    uncs = {u.name: u for u in model.uncertainties}
    expected = [p for p in PARAM_INFO if not p.startswith("design.")]
    assert list(uncs) == [ema.ema_name(p) for p in expected]
    for path in expected:
        u = uncs[ema.ema_name(path)]
        info = PARAM_INFO[path]
        assert (u.lower_bound, u.upper_bound) == (info.lo, info.hi), path
        assert u.variable_name == [path]
        assert u.default == values[path], path  # the scenario's value


def test_the_design_lever_lists_every_design(model):
    (lever,) = model.levers
    assert lever.name == "design" and lever.variable_name == ["design"]
    assert [c.value for c in lever.categories] == design_names()
    assert lever.default == load(SCENARIO).design


def test_outcomes_match_the_declarations(model):
    kinds = {"higher": ScalarOutcome.MAXIMIZE, "lower": ScalarOutcome.MINIMIZE}
    assert [o.name for o in model.outcomes] == [o.name for o in PER_RUN]
    for declared in PER_RUN:
        o = model.outcomes[declared.name]
        assert isinstance(o, ScalarOutcome)
        assert o.kind == kinds.get(declared.direction or "", ScalarOutcome.INFO), declared.name
    assert model.outcomes["holds"].kind == ScalarOutcome.MAXIMIZE
    assert model.outcomes["breakdowns"].kind == ScalarOutcome.MINIMIZE
    assert model.outcomes["growth"].kind == ScalarOutcome.INFO
    assert [r["seed"] for r in model.replications] == list(range(SEED, SEED + R))


def test_choices_and_bad_arguments():
    m = ema.ema_model(SCENARIO, uncertainties={"us.backstop_scale": (0.5, 1.5),
                                               "coalition__noise": None},
                      levers=["design.distance_km"], outcomes=["holds"], replicates=2)
    assert [(u.name, u.lower_bound, u.upper_bound) for u in m.uncertainties] == [
        ("us__backstop_scale", 0.5, 1.5), ("coalition__noise", 0.0, 0.3)]
    assert [lv.variable_name for lv in m.levers] == [["design.distance_km"]]
    assert [o.name for o in m.outcomes] == ["holds"]
    m = ema.ema_model(SCENARIO, uncertainties={"us.backstop_scale": (1.2, 1.5)}, replicates=2)
    assert m.uncertainties["us__backstop_scale"].default == 1.2  # the scenario's 1.0, clipped
    # a path given as a lever leaves the default uncertainties
    m = ema.ema_model(SCENARIO, levers=["design", "us.backstop_scale"], replicates=2)
    assert "us__backstop_scale" not in [u.name for u in m.uncertainties]
    with pytest.raises(ema.EmaError, match="us.backstop_scal.*did you mean 'us.backstop_scale'"):
        ema.ema_model(SCENARIO, uncertainties=["us.backstop_scal"])
    with pytest.raises(ema.EmaError, match=r"within \[0, 2\], found .*out of range"):
        ema.ema_model(SCENARIO, uncertainties={"us.backstop_scale": (0.5, 3)})
    with pytest.raises(ema.EmaError, match="both an uncertainty and a lever"):
        ema.ema_model(SCENARIO, uncertainties=["us.backstop_scale"], levers=["us.backstop_scale"])
    with pytest.raises(ema.EmaError, match="unknown per-run outcome 'hold'.*did you mean 'holds'"):
        ema.ema_model(SCENARIO, outcomes=["hold"])
    with pytest.raises(ema.EmaError, match="replicates: expected at least 1, found 0"):
        ema.ema_model(SCENARIO, replicates=0)
    with pytest.raises(ema.EmaError, match="name: expected a Python identifier"):
        ema.ema_model(SCENARIO, name="sep-2025")


def _direct(sc, row, paths, seeds):
    """One experiment run straight through the batch engine: mean over replicates."""
    variant = with_overrides(sc, {"design": row["design"]})
    values = {p: row[ema.ema_name(p)] for p in paths}
    summary = simulate(compile_batch(variant, seeds=seeds, values=values),
                       record_steps=False).summary
    out = {}
    for o in PER_RUN:
        x = summary[o.name]
        if o.kind == "month":
            x = x[~np.isnan(x)]
            out[o.name] = x.mean() if x.size else np.nan
        else:
            out[o.name] = x.mean()
    return out


def test_experiments_equal_the_batch_engine(model):
    """perform_experiments with every declared uncertainty and the design lever gives, for each
    experiment, exactly what the batch engine gives for the same values and seeds."""
    experiments, outcomes = perform_experiments(model, scenarios=3, policies=TWO_DESIGNS,
                                                log_progress=False)
    assert len(experiments) == 6 and set(outcomes) == {o.name for o in PER_RUN}
    sc = load(SCENARIO)
    paths = [u.variable_name[0] for u in model.uncertainties]
    seeds = SEED + np.arange(R)
    for i, row in experiments.iterrows():
        direct = _direct(sc, row, paths, seeds)
        for name, value in direct.items():
            np.testing.assert_array_equal(outcomes[name][i], value, err_msg=f"{i} {name}")
    assert experiments["design"].nunique() == 2
    # differences between designs are not all zero: the lever reaches the engine
    assert len({outcomes["deterrence_avg"][i] for i in range(6)}) > 1


@pytest.mark.slow
def test_two_processes_give_the_same_experiments():
    """The model pickles to worker processes and gives there what it gives here."""
    m = ema.ema_model(SCENARIO, uncertainties=FEW, replicates=R, seed=SEED,
                      outcomes=["holds", "deterrence_avg"])
    rng = np.random.default_rng(5)
    scenarios = [Sample(f"s{i}", **{u.name: rng.uniform(u.lower_bound, u.upper_bound)
                                    for u in m.uncertainties}) for i in range(4)]
    _, here = perform_experiments(m, scenarios, TWO_DESIGNS, log_progress=False)
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        _, there = evaluator.perform_experiments(scenarios, TWO_DESIGNS, log_progress=False)
    assert here.keys() == there.keys()
    for name in here:
        np.testing.assert_array_equal(here[name], there[name], err_msg=name)


def test_prim_and_feature_scoring_take_the_results():
    m = ema.ema_model(SCENARIO, uncertainties=FEW, replicates=R, seed=SEED,
                      outcomes=["holds", "ceasefire_agreed", "deterrence_avg"])
    experiments, outcomes = perform_experiments(m, scenarios=24, policies=2, log_progress=False)
    x = experiments.drop(columns=["model", "policy", "scenario"])
    y = outcomes["holds"] >= np.median(outcomes["holds"])
    assert 0 < y.sum() < len(y)
    box = prim.Prim(x, y, peel_alpha=0.1).find_box()
    assert len(box.peeling_trajectory) > 1
    assert set(box.box_lims[0].columns) <= set(x.columns)
    scores = feature_scoring.get_feature_scores_all(x, outcomes)
    # the two sampled policies may draw the same design (EMA samples them itself), and feature
    # scoring drops a column that never varies: the design is scored when it varied
    named = {ema.ema_name(p) for p in FEW}
    assert named <= set(scores.index) <= {*named, "design"}
    if x["design"].nunique() > 1:
        assert "design" in scores.index
    assert list(scores.columns) == ["holds", "ceasefire_agreed", "deterrence_avg"]


def test_a_tiny_mordm_search(tmp_path):
    """optimize over real levers (design.* parameters) at a reference scenario."""
    m = ema.ema_model(SCENARIO, uncertainties=["us.backstop_scale"],
                      levers=["design.distance_km", "design.ground_troops"],
                      outcomes=["holds", "breakdowns"], replicates=4, seed=SEED)
    reference = ema.reference_scenario(m)
    assert reference == Sample("reference", us__backstop_scale=1.0)
    with SequentialEvaluator(m) as evaluator:
        results, convergence = evaluator.optimize(
            nfe=40, searchover="levers", epsilons=[0.1, 0.1], reference=reference, rng=1,
            population_size=8, filename="archive.tar.gz", directory=str(tmp_path))
    assert len(results) >= 1
    assert {"design__distance_km", "design__ground_troops", "holds", "breakdowns"} <= set(
        results.columns)
    assert results["holds"].between(0, 1).all()


def test_missing_ema_workbench_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    with pytest.raises(ImportError, match=r"needs ema_workbench 3.x.*pip install -e '\.\[analysis\]'"):
        ema.ema_model(SCENARIO)


def test_importing_sim_or_the_adapter_does_not_load_ema_workbench():
    code = ("import sys, sim, sim.analysis.ema, sim.api; "
            "sys.exit('ema_workbench' in sys.modules)")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


@pytest.mark.slow
def test_the_readme_example_runs(capsys):
    """The README's "Using EMA Workbench" example runs as written (and docs/ema.md has it)."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "README.md").read_text(encoding="utf-8")
    start = text.index("## Using EMA Workbench")
    section = text[start:text.index("\n## ", start + 1)]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert code in (root / "docs" / "ema.md").read_text(encoding="utf-8")
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "holds" in printed and "coverage" in printed and "design" in printed
