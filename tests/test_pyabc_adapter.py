"""pyabc behind one adapter (issue 18): the batch sampler accepts exactly the particles of
pyabc's own sampler, and no module but the adapter reaches into pyabc's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.calibration import abc, pyabc_adapter
from sim.analysis.calibration.simulator import RecordSimulator
from sim.analysis.observations import for_scenario
from sim.scenario import load_scenario

pyabc = pytest.importorskip("pyabc")
ROOT = Path(__file__).resolve().parent.parent
PRIORS = {"russia.adjust_months": (1.0, 24.0), "coalition.ground_threshold": (0.3, 1.5)}
SEED = 5


def simulator() -> RecordSimulator:
    sc = load_scenario("record-2025")
    return RecordSimulator(sc, for_scenario(sc), list(PRIORS), reps=2, seed=77)


def pyabc_own_sampler(sim: RecordSimulator) -> object:
    """pyabc's SingleCoreSampler (one particle per model call), given generation t the same
    generator and run seeds as the batch sampler: numpy's global generator is lent the
    generation's state for the generation and given back after it."""
    seed0 = sim.next_seed

    class Reference(pyabc.sampler.SingleCoreSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
            sim.next_seed = pyabc_adapter.generation_first_seed(seed0, t)
            saved = np.random.get_state()
            np.random.set_state(pyabc_adapter.generation_random(SEED, t).get_state())
            try:
                return super().sample_until_n_accepted(n, simulate_one, t, **kwargs)
            finally:
                np.random.set_state(saved)

    return Reference()


def generations(fit: abc.Fit) -> list[pd.DataFrame]:
    h = fit.history
    out = []
    for t in range(h.max_t + 1):
        df, w = h.get_distribution(m=0, t=t)
        out.append(df.assign(weight=w).sort_values(list(df.columns)).reset_index(drop=True))
    return out


@pytest.mark.parametrize("acceptance", ["noise", "threshold"])
def test_batch_sampler_accepts_the_particles_of_pyabcs_own_sampler(tmp_path: Path,
                                                                   acceptance: str) -> None:
    """Both ways of accepting: pyabc's StochasticAcceptor (the noise model; the batch sampler
    draws each particle's acceptance uniform right after its proposal, as pyabc's own sampler
    does) and its UniformAcceptor with a shrinking threshold."""
    kw = dict(population_size=25, populations=3, seed=SEED, acceptance=acceptance)
    sim = simulator()
    batch = abc.calibrate(sim, PRIORS, tmp_path / "batch.db", **kw)
    sim = simulator()
    own = abc.calibrate(sim, PRIORS, tmp_path / "own.db", sampler=pyabc_own_sampler(sim), **kw)
    assert len(generations(batch)) == 3
    for a, b in zip(generations(batch), generations(own), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0)
    np.testing.assert_allclose(batch.thresholds["epsilon"], own.thresholds["epsilon"],
                               rtol=1e-12)


def test_no_private_pyabc_name_outside_the_adapter() -> None:
    adapter = ROOT / "sim" / "analysis" / "calibration" / "pyabc_adapter.py"
    for path in [*sorted((ROOT / "sim").rglob("*.py")), *sorted((ROOT / "bench").glob("*.py")),
                 *sorted((ROOT / "tests").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pyabc"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert path == adapter or not private, f"{path}: imports {private} from pyabc"
                assert path == adapter or not any(
                    p.startswith("_") for p in (node.module or "").split(".")), path
            if isinstance(node, ast.Import) and any(a.name.startswith("pyabc") for a in node.names):
                assert path.parent.name in {"calibration", "bench", "tests"}, path


def test_numpy_global_generator_is_never_seeded() -> None:
    for path in sorted((ROOT / "sim").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "np.random.seed(" not in text and "numpy.random.seed(" not in text, path
        assert "np.random.set_state(" not in text, path


@pytest.mark.parametrize("acceptance", ["noise", "threshold"])
def test_a_resumed_calibration_equals_an_uninterrupted_one(tmp_path: Path,
                                                           acceptance: str) -> None:
    kw = dict(population_size=25, seed=SEED, acceptance=acceptance)
    whole = abc.calibrate(simulator(), PRIORS, tmp_path / "whole.db", populations=3, **kw)
    abc.calibrate(simulator(), PRIORS, tmp_path / "cut.db", populations=1, **kw)
    resumed = abc.calibrate(simulator(), PRIORS, tmp_path / "cut.db", populations=3,
                            resume=True, **kw)
    pd.testing.assert_frame_equal(resumed.posterior, whole.posterior)
    pd.testing.assert_frame_equal(resumed.thresholds, whole.thresholds)


def test_tempering_keeps_the_target_effective_sample_size() -> None:
    """The next temperature reweights the population to the target conditional ESS, and is 1
    once the population can reach it without falling below the target."""
    rng = np.random.default_rng(0)
    ld = -0.5 * rng.chisquare(6, 2000) * 20  # a sharp likelihood: far from temperature 1
    w = np.ones(2000)
    temp = pyabc_adapter.next_temperature(ld, w, np.inf, 0.5)
    assert 1 < temp < np.inf
    g = np.exp((ld - ld.max()) / temp)
    assert abs((g.sum() ** 2 / (g * g).sum()) / len(g) - 0.5) < 1e-6
    assert pyabc_adapter.next_temperature(ld / 1000, w, np.inf, 0.5) == 1.0
    # a population already at a temperature moves on from there, never back up
    later = pyabc_adapter.next_temperature(ld, w, temp, 0.5)
    assert 1 <= later < temp


def test_noise_kernel_is_pyabcs_arithmetic() -> None:
    """The vectorised log densities equal pyabc's IndependentNormalKernel particle by particle."""
    rng = np.random.default_rng(1)
    ids = ["a", "b", "c"]
    var = np.array([0.25, 4.0, 1e-2])
    y = rng.normal(size=3)
    x = rng.normal(size=(50, 3))
    kernel = pyabc.IndependentNormalKernel(var=list(var), keys=ids)
    kernel.initialize(0, None, dict(zip(ids, y, strict=True)), 0)
    mine = pyabc_adapter.log_densities(x, y, var)
    theirs = [kernel(dict(zip(ids, r, strict=True)), dict(zip(ids, y, strict=True)))
              for r in x]
    np.testing.assert_allclose(mine, theirs, rtol=1e-13)


def test_generations_at_temperature_one_continue_until_enough_effective_particles(
        tmp_path: Path, monkeypatch) -> None:
    """The stopping rule: at temperature 1 with too few effective particles, one more
    generation at 1 at a time (here never enough: until the budget), set up from the store,
    so a resumed calibration still equals an uninterrupted one."""
    monkeypatch.setattr(pyabc_adapter, "MIN_ESS_SHARE", 0.999)
    kw = dict(population_size=25, seed=SEED, acceptance="noise")
    whole = abc.calibrate(simulator(), PRIORS, tmp_path / "whole.db", populations=6, **kw)
    temps = list(whole.thresholds["epsilon"])
    assert len(temps) == 6 and temps[-2:] == [1.0, 1.0]
    abc.calibrate(simulator(), PRIORS, tmp_path / "cut.db", populations=5, **kw)
    resumed = abc.calibrate(simulator(), PRIORS, tmp_path / "cut.db", populations=6,
                            resume=True, **kw)
    pd.testing.assert_frame_equal(resumed.posterior, whole.posterior)
    pd.testing.assert_frame_equal(resumed.thresholds, whole.thresholds)


@pytest.mark.parametrize("acceptance", ["noise", "threshold"])
def test_resuming_a_calibration_that_met_its_stopping_rule_adds_nothing(
        tmp_path: Path, acceptance: str) -> None:
    """A calibration that stopped by its rule before the generations budget ran out is
    finished: resuming it (as ``calibrate --resume`` does to rewrite the outputs) runs no
    further generation."""
    kw = dict(population_size=25, seed=SEED, acceptance=acceptance, populations=12,
              min_epsilon=4.0 if acceptance == "threshold" else 0.0)
    first = abc.calibrate(simulator(), PRIORS, tmp_path / "abc.db", **kw)
    assert len(first.thresholds) < 12  # stopped by its rule, not by the budget
    again = abc.calibrate(simulator(), PRIORS, tmp_path / "abc.db", resume=True, **kw)
    pd.testing.assert_frame_equal(again.thresholds, first.thresholds)
    pd.testing.assert_frame_equal(again.posterior, first.posterior)
