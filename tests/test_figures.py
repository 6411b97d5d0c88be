"""Every figure kind of sweeps, sensitivity and discovery is rendered and its labels checked:
axis labels, titles and colourbar labels come from the outcome and parameter declarations (a
dotted parameter path only with its unit beside it), and known interval cases (0 of n, n of n,
small n) get the interval their kind needs."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import pytest  # noqa: E402

from sim.analysis.discover import Discovery, box_figure, tradeoff_figure, with_intervals  # noqa: E402
from sim.analysis.sensitivity import (  # noqa: E402
    add_notes,
    bar_figure,
    index_notes,
    mu_sigma_figure,
    tornado_figure,
)
from sim.analysis.sweep import figures as sweep_figures  # noqa: E402
from sim.analysis.sweep.stats import axis_table, point_table  # noqa: E402
from sim.model import outcomes  # noqa: E402
from sim.model.parameters import PARAM_INFO  # noqa: E402
from sim.output.figures import integer_colour_scale, palette, param_label, value_text  # noqa: E402

X, Y = "us.backstop_scale", "sanctions.scale"
PARAMS = [X, Y, "coalition.peer_weight"]
DOTTED = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
RAW_OUTPUTS = set(outcomes.PER_RUN_NAMES)


def texts(fig) -> list[str]:
    """Axis labels, titles and colourbar labels of every axes of ``fig``."""
    out = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        out += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
    return [t for t in out if t]


def assert_declared(fig, allow: str = "") -> None:
    """Once the declared outcome labels and ``path (unit)`` parameter labels are taken out,
    no raw outcome key and no dotted parameter path is left."""
    labels = sorted([o.label for o in outcomes.PER_RUN]
                    + [param_label(p) for p in PARAM_INFO], key=len, reverse=True)
    for t in texts(fig):
        body = t.replace(allow, "") if allow else t
        for lab in labels:
            body = body.replace(lab, "")
        for word in re.findall(r"[A-Za-z_]+", body):
            assert word not in RAW_OUTPUTS, f"raw outcome key {word!r} in {t!r}"
        for path in DOTTED.findall(body):
            assert path not in PARAM_INFO, f"{path} without its unit in {t!r}"


def results_file(tmp_path, rng=None) -> str:
    rng = rng or np.random.default_rng(1)
    xs, ys = np.linspace(0, 2, 4), np.linspace(0, 2, 3)
    rows = []
    point = 0
    for x in xs:
        for y in ys:
            for r in range(5):
                rows.append({"point": point, "replicate": r, X: x, Y: y,
                             "pledged_troops": float(rng.integers(0, 30000)),
                             "holds": float(rng.random() < x / 2),
                             "pledging_states": float(rng.integers(0, 20))})
            point += 1
    path = tmp_path / "results.parquet"
    pq.write_table(pa.Table.from_pandas(pd.DataFrame(rows)), path)
    return str(path)


# --------------------------------------------------------------------------- sweep statistics

def test_points_table_intervals_by_kind(tmp_path) -> None:
    path = results_file(tmp_path)
    t = point_table(path, [X, Y], ["holds", "pledged_troops"])
    holds = t[t.output == "holds"]
    assert (holds.interval == "wilson").all()
    assert (holds.ci_lo >= 0).all() and (holds.ci_hi <= 1).all()
    assert (holds.ci_hi - holds.ci_lo > 0).all()  # never zero width, even at 0 of 5 or 5 of 5
    zero = holds[holds["mean"] == 0]
    assert len(zero) and (zero.ci_lo == 0).all() and (zero.ci_hi > 0.3).all()  # 0 of 5
    full = holds[holds["mean"] == 1]
    assert len(full) and (full.ci_hi == 1).all() and (full.ci_lo < 0.7).all()  # 5 of 5
    assert holds[["q05", "q50", "q95"]].isna().all().all()  # no quantiles of a 0/1 outcome
    troops = t[t.output == "pledged_troops"]
    assert (troops.interval == "t").all() and troops.q95.notna().all()
    assert (troops.ci_lo < troops["mean"]).all() and (troops["mean"] < troops.ci_hi).all()


def test_points_table_one_run_per_point(tmp_path) -> None:
    df = pd.DataFrame({"point": [0, 1], "replicate": [0, 0], X: [0.0, 1.0],
                       "holds": [0.0, 1.0], "pledged_troops": [100.0, 200.0]})
    path = tmp_path / "r.parquet"
    pq.write_table(pa.Table.from_pandas(df), path)
    t = point_table(path, [X], ["holds", "pledged_troops"])
    h = t[t.output == "holds"].set_index("point")
    assert h.ci_lo[0] == 0 and 0.7 < h.ci_hi[0] < 1  # 0 of 1: wide, inside [0, 1]
    assert h.ci_hi[1] == 1 and 0 < h.ci_lo[1] < 0.3  # 1 of 1
    assert t[t.output == "pledged_troops"].ci_lo.isna().all()  # one value: no t interval


# --------------------------------------------------------------------------- sweep figures

def test_sweep_line_and_heatmap_labels(tmp_path) -> None:
    path = results_file(tmp_path)
    for out in ("holds", "pledged_troops", "pledging_states"):
        o = outcomes.per_run(out)
        fig = sweep_figures.line(axis_table(path, [X], out), X, out, 60, averaged={Y: 3})
        ax = fig.axes[0]
        assert ax.get_xlabel() == param_label(X) == "us.backstop_scale (factor)"
        assert ax.get_ylabel() == o.axis_label()
        assert o.label in ax.get_title() and "averaged over sanctions.scale (factor)" in \
            ax.get_title() and "n = 15 runs per value" in ax.get_title()
        assert_declared(fig)
        plt.close(fig)
        fig = sweep_figures.heatmap(axis_table(path, [X, Y], out), X, Y, out)
        ax, cbar = fig.axes
        assert ax.get_xlabel() == param_label(X) and ax.get_ylabel() == param_label(Y)
        assert cbar.get_ylabel() == o.axis_label()
        assert "n = 5 runs per cell" in ax.get_title() and o.label in ax.get_title()
        cells = [t.get_text() for t in ax.texts]
        assert len(cells) == 12 and "0k" not in cells
        assert all(t.get_fontsize() >= 7 for t in ax.texts)  # readable at 100 dpi
        assert_declared(fig)
        plt.close(fig)


@pytest.mark.parametrize(("value", "name", "text"), [
    (0.0, "holds", "0%"), (0.57, "holds", "57%"), (3.0, "pledging_states", "3.00"),
    (12.4, "pledging_states", "12.4"), (0.0, "pledged_troops", "0"),
    (450.0, "pledged_troops", "450"), (1234.0, "pledged_troops", "1.2k"),
    (28000.0, "pledged_troops", "28k"), (0.4567, "deterrence", "0.46"),
])
def test_values_are_formatted_by_unit(value: float, name: str, text: str) -> None:
    assert value_text(value, name) == text


def test_palette_and_integer_scale() -> None:
    from matplotlib.colors import to_rgba

    for n in (3, 7, 10, 11, 20, 25):
        colours = palette(n)
        assert len({tuple(np.round(to_rgba(c), 4)) for c in colours}) == n
    cmap, norm, ticks = integer_colour_scale([1, 2, 2, 5])
    assert ticks == [1, 2, 3, 4, 5] and cmap.N == 5
    assert norm(2) != norm(3)  # one colour per whole number


# --------------------------------------------------------------------------- sensitivity

def sobol_indices() -> pd.DataFrame:
    return add_notes(pd.DataFrame({
        "output": "holds", "parameter": PARAMS,
        "S1": [0.6, -0.09, 0.02], "S1_conf": [0.1, 0.05, 0.03],
        "ST": [0.95, 0.05, 0.04], "ST_conf": [0.1, 0.06, 0.02], "constant": False}), "sobol")


def morris_indices() -> pd.DataFrame:
    return add_notes(pd.DataFrame({
        "output": "pledged_troops", "parameter": PARAMS,
        "mu": [5000.0, -200.0, 10.0], "mu_star": [6000.0, 900.0, 30.0],
        "mu_star_conf": [800.0, 300.0, 40.0], "sigma": [3000.0, 1200.0, 20.0],
        "constant": False}), "morris")


def test_sobol_notes_name_noise() -> None:
    ind = sobol_indices()
    assert "S1 = -0.09 < 0" in ind.note[1] and "sampling noise" in ind.note[1]
    assert "beyond [0, 1]" in ind.note[0]  # ST + conf = 1.05
    assert "beyond [0, 1]" in ind.note[1]  # ST - conf < 0
    assert ind.note[2] == ""
    notes = index_notes(ind)
    assert len(notes) == 2 and notes[0].startswith("P(ceasefire holds at the horizon): S1 < 0")
    assert "estimates below 0 mean ≈0" in notes[0]
    m = morris_indices()
    assert m.note[2] and not m.note[0]  # μ* interval below 0


def test_sensitivity_figures_labels_and_colours() -> None:
    sob, mor = sobol_indices(), morris_indices()
    holds, troops = outcomes.per_run("holds"), outcomes.per_run("pledged_troops")
    fig = bar_figure(sob, "holds", "sobol")
    ax = fig.axes[0]
    assert ax.get_title() == f"{holds.label}: Sobol indices"
    assert "Sobol index" in ax.get_ylabel() and "share of output variance" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == [param_label(p) for p in PARAMS]
    assert "90% bootstrap interval" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("sampling noise" in t.get_text() for t in fig.texts)
    assert_declared(fig)
    plt.close(fig)

    fig = tornado_figure(sob, "holds", "sobol")
    assert fig.axes[0].get_title().startswith(holds.label)
    assert "90% bootstrap interval" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)

    def colours(fig, name):
        ax = fig.axes[0]
        handles, labels = ax.get_legend_handles_labels()
        return {lab: tuple(h.patches[0].get_facecolor()) for h, lab in zip(handles, labels, strict=True)
                if hasattr(h, "patches")}[name]

    bar, tornado = bar_figure(mor, "pledged_troops", "morris"), tornado_figure(
        mor, "pledged_troops", "morris")
    name = next(lab for lab in bar.axes[0].get_legend_handles_labels()[1] if "μ*" in lab)
    assert colours(bar, name) == colours(tornado, name)  # μ* the same colour in both
    for fig in (bar, tornado):
        ax = fig.axes[0]
        label = ax.get_ylabel() if fig is bar else ax.get_xlabel()
        assert "troops per full range of the parameter" in label
        assert ax.get_title().startswith(troops.label)
        assert_declared(fig)
        plt.close(fig)
    sob_bar, sob_tornado = bar_figure(sob, "holds", "sobol"), tornado_figure(sob, "holds",
                                                                              "sobol")
    for key in ("S1 (first order)", "ST (total)"):
        assert colours(sob_bar, key) == colours(sob_tornado, key)
    plt.close("all")

    fig = mu_sigma_figure(mor, "pledged_troops")
    ax = fig.axes[0]
    assert ax.get_title() == f"{troops.label}: Morris μ* against σ"
    assert ax.get_xlabel().startswith("μ*") and "troops per full range" in ax.get_xlabel()
    assert ax.get_ylabel().startswith("σ") and "troops per full range" in ax.get_ylabel()
    assert {t.get_text() for t in ax.texts} >= {param_label(p) for p in PARAMS}
    assert_declared(fig)
    plt.close(fig)


# --------------------------------------------------------------------------- discovery

def discovery(of_interest: int = 40, rows: int = 200) -> Discovery:
    traj = pd.DataFrame({"coverage": [1.0, 0.9, 0.5], "density": [0.2, 0.6, 1.0],
                         "mass": [1.0, 0.3, 0.1], "res_dim": [0, 1, 2], "n": [200, 60, 20]})
    traj = with_intervals(traj, of_interest)
    limits = pd.DataFrame({"parameter": [X, Y], "box_min": [1.0, 0.0], "box_max": [2.0, 2.0],
                           "data_min": [0.0, 0.0], "data_max": [2.0, 2.0],
                           "restricted": [True, False]})
    return Discovery("pledged_troops >= 25000 and holds == 1", [X, Y], rows, of_interest,
                     traj, 2, limits, None)


def test_discover_intervals_are_wilson() -> None:
    t = discovery().trajectory
    # density 20 of 20 (n of n): upper bound 1, lower bound below 1, never zero width
    assert t.density_hi[2] == 1.0 and 0.8 < t.density_lo[2] < 1.0
    # coverage 40 of 40 in the first box
    assert t.coverage_hi[0] == 1.0 and t.coverage_lo[0] < 1.0
    assert ((t.coverage_lo <= t.coverage) & (t.coverage <= t.coverage_hi)).all()
    assert ((t.density_lo >= 0) & (t.density_hi <= 1)).all()
    zero = with_intervals(pd.DataFrame({"coverage": [0.0], "density": [0.0], "n": [3]}), 5)
    assert zero.density_lo[0] == 0.0 and 0.4 < zero.density_hi[0] < 1  # 0 of 3: small n


def test_discover_figures_labels() -> None:
    d = discovery()
    fig = tradeoff_figure(d)
    ax, cbar = fig.axes
    assert cbar.get_ylabel() == "restricted parameters (count)"
    ticks = [float(t) for t in cbar.get_yticks()]
    assert ticks == [0.0, 1.0, 2.0]  # integer ticks of a count
    assert "coverage" in ax.get_xlabel() and "0–1" in ax.get_xlabel()
    assert "density" in ax.get_ylabel() and "0–1" in ax.get_ylabel()
    assert any("Wilson" in t.get_text() for t in ax.get_legend().get_texts())
    assert_declared(fig, allow=d.outcome)
    plt.close(fig)
    fig = box_figure(d)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [param_label(X), param_label(Y)]
    assert ax.get_xlabel() and "Wilson" in ax.get_title()
    assert_declared(fig, allow=d.outcome)
    plt.close(fig)


def test_exact_zero_sobol_index_is_flagged() -> None:
    ind = sobol_indices()
    ind.loc[2, ["S1", "ST"]] = 0.0
    notes = index_notes(ind)
    assert any("exactly 0" in n and PARAMS[2] in n and "too few samples" in n for n in notes)


def test_mu_sigma_labels_never_overlap() -> None:
    from sim.model.parameters import PARAM_INFO
    from sim.output.figures import text_overlaps

    names = list(PARAM_INFO)[:40]
    rng = np.random.default_rng(1)
    mu = rng.gamma(1.0, 500.0, len(names))
    mor = pd.DataFrame({"output": "pledged_troops", "parameter": names, "mu": mu,
                        "mu_star": mu, "mu_star_conf": 0.4 * mu, "sigma": 0.8 * mu,
                        "constant": False})
    fig = mu_sigma_figure(mor, "pledged_troops")
    ax = fig.axes[0]
    assert text_overlaps(fig) == []
    assert ax.get_xlim()[1] >= float((mor.mu_star + mor.mu_star_conf).max())


@pytest.mark.parametrize("transparent", [False, True], ids=["opaque", "transparent"])
def test_a_laid_out_figure_is_written_with_the_pixels_savefig_writes(tmp_path, transparent):
    """save_figure(tight=False) draws and encodes the PNG itself (sim.output.io.write_png):
    the same pixels and resolution as savefig, RGB when opaque, RGBA when not."""
    from PIL import Image

    from sim.output import figures as fg
    from sim.output.io import save_figure

    fig, ax = fg.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [1, 0, 2], label="a line")
    ax.fill_between([0, 1, 2], [0, 0, 1], [2, 1, 3], alpha=0.2)
    ax.set_title("Title with text")
    ax.legend()
    if transparent:
        fig.patch.set_alpha(0.0)
    fig.tight_layout()
    fig.savefig(tmp_path / "reference.png", dpi=fg.DPI)
    [path] = save_figure(fig, tmp_path / "direct", ("png",), dpi=fg.DPI, tight=False)
    ref, direct = Image.open(tmp_path / "reference.png"), Image.open(path)
    assert direct.mode == ("RGBA" if transparent else "RGB")
    assert direct.size == ref.size == (4 * fg.DPI, 3 * fg.DPI)
    assert direct.info["dpi"] == pytest.approx(ref.info["dpi"])
    assert np.array_equal(np.asarray(direct.convert("RGBA")), np.asarray(ref.convert("RGBA")))
    assert fig.dpi != fg.DPI  # the figure keeps the resolution it is shown at


def test_a_closed_figure_is_freed_once_unreferenced():
    import gc
    import weakref

    from sim.output import figures as fg

    def draw_and_close():
        fig, ax = fg.subplots()
        ax.plot([1, 2])
        fig.suptitle("title")
        fig.canvas.draw()
        refs = weakref.ref(fig), weakref.ref(fig.canvas.get_renderer())
        fg.close(fig)
        return refs

    refs = draw_and_close()
    gc.collect()
    assert all(r() is None for r in refs)
