"""The classroom app with a calibrated posterior (``coalition-sim app --posterior``): each
seed draws one particle, a slider the user moved keeps its value, the page says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.posterior import DEFAULT_DIR, Posterior, load
from sim.app.components import posterior_html, posterior_text, status_html
from sim.app.session import (
    ENV_POSTERIOR,
    ENV_SCENARIO,
    AppModel,
    initial_posterior,
    model_values,
)
from sim.engine.mesa_model import CoalitionModel
from sim.model.parameters import PARAM_INFO, flatten
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def post() -> Posterior:
    return load("default")


def _particle(post: Posterior, seed: int) -> tuple[int, dict[str, float]]:
    """The particle ``Posterior.draw`` gives ``seed`` and its values."""
    idx = int(post.draw([seed])[0])
    return idx, {n: float(post.particles[n].iloc[idx]) for n in post.names}


def _used(model: CoalitionModel, name: str) -> float:
    """A parameter's value in the model's compiled batch and in its running simulation."""
    compiled = float(model.simulation.batch.params[name][0])
    assert float(model.simulation.params[name][0]) == compiled
    return compiled


def test_a_run_uses_the_particle_its_seed_draws(post):
    sc = load_scenario("sep-2025-paris")
    assert post.drawn_names(sc) == post.names  # the seed scenario pins none of them
    idx, values = _particle(post, 2030)
    for model in (AppModel("sep-2025-paris", rng=2030, posterior=post),
                  CoalitionModel("sep-2025-paris", rng=2030, posterior=post)):
        assert model.particle == idx and model.drawn == pytest.approx(values)
        for name, value in values.items():
            assert _used(model, name) == pytest.approx(value)
            assert value != pytest.approx(PARAM_INFO[name].default)  # a real draw
    plain = AppModel("sep-2025-paris", rng=2030)
    assert plain.particle is None and plain.drawn == {} and posterior_text(plain) == ""
    base = flatten(sc.parameters)
    assert all(_used(plain, n) == base[n] for n in post.names)


def test_each_seed_pair_draws_its_own_world_and_the_same_seed_the_same(post):
    a, b = AppModel("sep-2025-paris", rng=2030, posterior=post), \
        AppModel("sep-2025-paris", rng=2030, posterior=post)
    twin = AppModel("sep-2025-paris", rng=2031, posterior=post)  # same pair as 2030
    other = AppModel("sep-2025-paris", rng=2032, posterior=post)
    assert a.particle == b.particle == twin.particle != other.particle
    assert a.drawn == twin.drawn and a.drawn != other.drawn
    for _ in range(6):
        a.step()
        b.step()
    assert a.events == b.events and a.timeline == b.timeline
    n = len(post.particles)
    assert f"draw {a.particle + 1:,} of {n:,}" in posterior_text(a)
    assert f"draw {other.particle + 1:,} of {n:,}" in posterior_text(other)


def test_a_moved_slider_keeps_its_value_and_the_rest_is_drawn(post):
    idx, values = _particle(post, 2030)
    m = AppModel("sep-2025-paris", rng=2030, threshold_scale=1.2, posterior=post,
                 **{"russia.pain_span": 3.0, "coalition.peer_weight": 0.8})
    assert _used(m, "russia.pain_span") == 3.0 and "russia.pain_span" not in m.drawn
    assert _used(m, "coalition.peer_weight") == 0.8
    base = flatten(load_scenario("sep-2025-paris").parameters)
    assert _used(m, "coalition.ground_threshold_scale") == pytest.approx(
        1.2 * base["coalition.ground_threshold_scale"])
    for name in post.names:
        if name != "russia.pain_span":
            assert _used(m, name) == pytest.approx(values[name])
    assert f"Your sliders set 1 of the {len(post.names)}." in posterior_text(m)


def _with_columns(tmp_path: Path, columns: dict[str, np.ndarray]) -> Posterior:
    """A posterior folder of equally weighted particles with these columns."""
    n = len(next(iter(columns.values())))
    pd.DataFrame({**columns, "weight": np.full(n, 1.0 / n)}).to_parquet(
        tmp_path / "posterior.parquet")
    return load(tmp_path)


def test_a_drawn_slider_parameter_shows_its_drawn_value(tmp_path):
    post = _with_columns(tmp_path, {"coalition.peer_weight": np.linspace(0.05, 0.95, 40),
                                    "sanctions.scale": np.linspace(0.2, 1.8, 40)})
    m = AppModel("sep-2025-paris", rng=2030, posterior=post)
    idx, values = _particle(post, 2030)
    assert set(m.drawn) == {"coalition.peer_weight", "sanctions.scale"}
    shown = model_values(m)  # what the sliders show
    assert shown["coalition.peer_weight"] == pytest.approx(values["coalition.peer_weight"], abs=1e-4)
    assert shown["sanctions.scale"] == pytest.approx(values["sanctions.scale"], abs=1e-4)
    moved = AppModel("sep-2025-paris", rng=2030, posterior=post, **{"sanctions.scale": 1.5})
    assert model_values(moved)["sanctions.scale"] == 1.5 and set(moved.drawn) == {
        "coalition.peer_weight"}
    assert post.label == str(tmp_path)


def test_a_scenario_that_writes_some_calibrated_parameters_keeps_them(post, tmp_path):
    """Written in the scenario file (one at its default value): kept; the rest drawn."""
    path = tmp_path / "some.yaml"
    path.write_text("name: some\ndescription: writes two calibrated parameters\n"
                    "extends: sep-2025-paris\nparameters:\n  russia: {pain_span: "
                    f"{PARAM_INFO['russia.pain_span'].default}}}\n"
                    "  coalition: {air_threshold: 0.3}\n")
    sc = load_scenario(path)
    m = AppModel(str(path), rng=2030, posterior=post)
    _, values = _particle(post, 2030)
    assert set(m.drawn) == set(post.names) - {"russia.pain_span", "coalition.air_threshold"}
    base = flatten(sc.parameters)
    for name in post.names:
        expected = values[name] if name in m.drawn else base[name]
        assert _used(m, name) == pytest.approx(expected)
    assert f"This scenario pins 2 of the {len(post.names)}." in posterior_text(m)


def test_classroom_five_pins_every_calibrated_parameter_and_draws_nothing(post):
    """classroom-five writes all 128 parameters, so no calibration can move the lesson."""
    sc = load_scenario("classroom-five")
    assert post.drawn_names(sc) == []
    m = AppModel("classroom-five", rng=8, posterior=post)
    base = flatten(sc.parameters)
    assert m.drawn == {} and all(_used(m, n) == base[n] for n in post.names)
    plain = AppModel("classroom-five", rng=8)
    for _ in range(12):
        m.step()
        plain.step()
    assert m.committed_modes() == plain.committed_modes()
    assert m.outcome("deterrence") == plain.outcome("deterrence")
    text = posterior_text(m)
    assert text.startswith("This classroom world pins every parameter")
    assert "(seeds/posterior) draws nothing" in text
    assert posterior_html(m) in status_html(m)


def test_the_posterior_line_reads_for_a_class(post):
    m = AppModel("sep-2025-paris", rng=7, posterior=post)
    text = posterior_text(m)
    assert text == (f"Parameters drawn from the posterior (seeds/posterior), draw "
                    f"{m.particle + 1:,} of {len(post.particles):,}: each seed is one plausible "
                    f"world ({len(post.names)} parameters drawn: {len(post.calibrated)} "
                    f"calibrated, {len(post.literature)} from literature priors).")
    line = posterior_html(m)
    assert 'class="posterior-line"' in line and line in status_html(m)
    assert f"particle {m.particle}" in line and "coalition.ground_threshold = " in line
    assert posterior_html(AppModel("sep-2025-paris", rng=7)) == ""


def test_the_page_reads_the_posterior_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_POSTERIOR, raising=False)
    assert initial_posterior() == (None, "")
    monkeypatch.setenv(ENV_POSTERIOR, "default")
    post, problem = initial_posterior()
    assert problem == "" and post is not None and post.folder == DEFAULT_DIR
    monkeypatch.setenv(ENV_POSTERIOR, str(tmp_path))
    post, problem = initial_posterior()
    assert post is None and str(tmp_path) in problem and "posterior.parquet" in problem


def test_the_command_passes_the_posterior_to_the_page(monkeypatch, tmp_path):
    from sim.cli.app import configure_solara

    for key in (ENV_SCENARIO, ENV_POSTERIOR, "SOLARA_APP", "SOLARA_MODE",
                "SOLARA_TELEMETRY_MIXPANEL_ENABLE"):
        monkeypatch.setenv(key, "before")  # restored after the test
    configure_solara("classroom-five", str(tmp_path))
    assert os.environ[ENV_POSTERIOR] == str(tmp_path)
    configure_solara("classroom-five")  # no --posterior: none, whatever the shell said
    assert ENV_POSTERIOR not in os.environ


def test_app_command_refuses_a_folder_without_a_posterior(tmp_path):
    missing = tmp_path / "nonexistent"
    r = subprocess.run([sys.executable, "-m", "sim.cli", "app", "classroom-five",
                        "--posterior", str(missing), "--no-open"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "http://" not in r.stdout
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --posterior {missing}:")
    assert "posterior.parquet" in lines[0]
