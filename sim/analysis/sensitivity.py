"""Global sensitivity analysis with SALib: Sobol (S1, ST) and Morris (mu*, sigma).

One pipeline for any model: :func:`analyse_model` takes a SALib problem and a vectorised model
function ``f(X) -> {output: Y}`` (X of shape (n, D)), samples, evaluates and analyses. The
coalition model is such a function (:func:`coalition_model`: every sample point is simulated
``replicates`` times through the sweep runner and the outputs averaged); the Ishigami test
function is another, which is how the pipeline is checked against known indices.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.analysis.stats import LEVEL
from sim.analysis.sweep.runner import SweepPlan, run_design
from sim.analysis.sweep.spec import resolve_scenario
from sim.output.io import save_figure, write_parquet, write_table

Method = Literal["sobol", "morris"]
Model = Callable[[np.ndarray], Mapping[str, np.ndarray] | np.ndarray]
Problem = dict[str, Any]

SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu", "mu_star", "mu_star_conf", "sigma")


def sample(problem: Problem, method: Method, n: int, seed: int,
           num_levels: int = 4) -> np.ndarray:
    """SALib sample: Sobol (Saltelli scheme, first and total order: n*(D+2) rows) or Morris
    (n trajectories: n*(D+1) rows)."""
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=num_levels, seed=seed)
    raise ValueError(f"unknown method {method!r}: expected sobol or morris")


def compute_indices(problem: Problem, X: np.ndarray, Y: Mapping[str, np.ndarray], method: Method, *,
            num_levels: int = 4, conf_level: float = LEVEL, num_resamples: int = 100,
            seed: int = 0) -> pd.DataFrame:
    """Indices as a long table: one row per (output, parameter).

    Sobol: S1, S1_conf, ST, ST_conf (half-widths of the ``conf_level`` bootstrap intervals).
    Morris: mu, mu_star, mu_star_conf, sigma. An output that never varies gets NaN indices
    and ``constant = True``.
    """
    rows = []
    names = list(problem["names"])
    for out, y in Y.items():
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (len(X),):
            raise ValueError(f"output {out!r}: expected {len(X)} values, found shape {y.shape}")
        constant = bool(np.ptp(y) == 0)
        if constant:
            cols = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
            res: dict[str, Any] = {c: np.full(len(names), np.nan) for c in cols}
        elif method == "sobol":
            from SALib.analyze import sobol

            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = sobol.analyze(problem, y, calc_second_order=False,
                                    num_resamples=num_resamples, conf_level=conf_level,
                                    seed=seed)
        else:
            from SALib.analyze import morris

            res = morris.analyze(problem, X, y, num_resamples=num_resamples,
                                 conf_level=conf_level, num_levels=num_levels, seed=seed)
        cols = SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS
        for i, name in enumerate(names):
            rows.append({"output": out, "parameter": name,
                         **{c: float(np.asarray(res[c])[i]) for c in cols},
                         "constant": constant})
    return pd.DataFrame(rows)


@dataclass
class SensitivityResult:
    """Sample, model outputs and indices of one analysis."""

    problem: Problem
    method: Method
    X: np.ndarray
    Y: dict[str, np.ndarray]
    indices: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)


def analyse_model(problem: Problem, model: Model, method: Method, n: int, *, seed: int = 0,
            num_levels: int = 4, conf_level: float = LEVEL, num_resamples: int = 100,
            status: Callable[[str], None] | None = None) -> SensitivityResult:
    """Sample ``problem``, evaluate ``model`` on the whole sample at once, analyse."""
    X = sample(problem, method, n, seed, num_levels)
    raw = model(X)
    Y = {"y": np.asarray(raw)} if isinstance(raw, np.ndarray) else {k: np.asarray(v)
                                                                    for k, v in raw.items()}
    if status:
        status(f"computing {method.capitalize()} indices of {len(Y)} output"
               f"{'s' if len(Y) != 1 else ''} ({num_resamples} bootstrap resamples)…")
    table = compute_indices(problem, X, Y, method, num_levels=num_levels, conf_level=conf_level,
                    num_resamples=num_resamples, seed=seed)
    return SensitivityResult(problem, method, X, Y, table)


# --------------------------------------------------------------------------- notes

NOISE_S1 = ("sampling noise: S1 is a non-negative share of variance; estimates below 0 "
            "mean ≈0")
NOISE_BOUNDS = ("sampling noise: Sobol indices lie in [0, 1]; interval ends beyond that mean "
                "the sample is too small to pin them down (more samples narrow them)")
NOISE_MU = "μ* is non-negative; an interval reaching below 0 means μ* may be ≈0"


def row_note(row: Mapping[str, Any], method: Method) -> str:
    """A one-line comment on an index row whose estimate or interval leaves the range the
    index can take ('' when none is needed)."""
    if row.get("constant"):
        return "output constant over the sample: no indices"
    notes = []
    if method == "sobol":
        s1, c1, st, ct = (float(row.get(k, np.nan)) for k in SOBOL_COLUMNS)
        if s1 < 0:
            notes.append(f"S1 = {s1:.2f} < 0: {NOISE_S1}")
        if st > 1 or st < 0 or st - ct < 0 or st + ct > 1 or s1 + c1 > 1:
            notes.append(f"interval beyond [0, 1]: {NOISE_BOUNDS}")
    else:
        mu, conf = float(row.get("mu_star", np.nan)), float(row.get("mu_star_conf", np.nan))
        if mu - conf < 0:
            notes.append(NOISE_MU)
    return "; ".join(notes)


def add_notes(indices: pd.DataFrame, method: Method) -> pd.DataFrame:
    """``indices`` with a ``note`` column (see :func:`row_note`)."""
    out = indices.copy()
    out["note"] = [row_note(r, method) for r in out.to_dict(orient="records")]
    return out


EXACT_ZERO = ("no run of the sample moved the output when only this parameter changed — too "
              "few samples (or runs) to see its effect, not evidence of none; rerun with more "
              "samples, or check it with Morris")
"""Why an index of exactly 0 is flagged (a Sobol estimate is never exactly 0 by chance)."""


def _params(names: Sequence[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def output_notes(indices: pd.DataFrame, output: str, method: Method | None = None) -> list[str]:
    """One-line comments on one output's indices: constant output, S1 below 0, Sobol
    intervals beyond [0, 1], μ* intervals below 0."""
    from sim.model import outcomes

    d = indices[indices.output == output]
    if d.empty:
        return []
    name = outcomes.label(output)
    if bool(d.constant.any()):
        return [f"{name}: never varied over the sample: no indices"]
    method = method or ("sobol" if "S1" in d.columns else "morris")
    notes = []
    if method == "sobol":
        neg = d[d.S1 < 0]
        if len(neg):
            notes.append(f"{name}: S1 < 0 for {_params(list(neg.parameter))} (lowest "
                         f"{neg.S1.min():.2g}): {NOISE_S1}")
        out = d[(d.ST > 1) | (d.ST < 0) | (d.ST - d.ST_conf < 0) | (d.ST + d.ST_conf > 1)
                | (d.S1 + d.S1_conf > 1)]
        if len(out):
            notes.append(f"{name}: intervals beyond [0, 1] for {_params(list(out.parameter))}: "
                         f"{NOISE_BOUNDS}")
        zero = d[(d.S1 == 0) | (d.ST == 0)]
        if len(zero):
            notes.append(f"{name}: an index of exactly 0 for {_params(list(zero.parameter))}: "
                         f"{EXACT_ZERO}")
    else:
        low = d[d.mu_star - d.mu_star_conf < 0]
        if len(low):
            notes.append(f"{name}: μ* interval below 0 for {_params(list(low.parameter))}: "
                         f"{NOISE_MU}")
    return notes


def index_notes(indices: pd.DataFrame) -> list[str]:
    """:func:`output_notes` of every output, in order."""
    return [n for out in dict.fromkeys(indices.output) for n in output_notes(indices, out)]


# --------------------------------------------------------------------------- figures

def _main(method: Method) -> tuple[str, str]:
    return ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")


def _colours() -> dict[str, Any]:
    from sim.output.figures import palette

    first, second = palette(2)
    return {"S1": first, "ST": second, "mu_star": first, "sigma": second}


INDEX_NAMES = {"S1": "S1 (first order)", "ST": "ST (total)", "mu_star": "μ* (mean |effect|)",
               "sigma": "σ (spread of effects)"}
"""Legend names of the indices; each index has one colour in every figure (``_colours``)."""


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def effect_unit(output: str) -> str:
    """Unit of a Morris elementary effect on ``output``: the output's unit per full range of a
    parameter (SALib's effects are per unit of the scaled [0, 1] range)."""
    from sim.model import outcomes

    o = outcomes.PER_RUN_BY_NAME.get(output)
    unit = o.unit if o and o.unit else "output units"
    return f"{unit} per full range of the parameter"


def _title(output: str, what: str) -> str:
    from sim.model import outcomes

    return f"{outcomes.label(output)}: {what}"


def _finish(fig: Any, ax: Any, indices: pd.DataFrame, output: str, method: Method) -> None:
    """Notes under the axes (constant output, estimates or intervals out of range), layout."""
    import textwrap

    notes = [n.split(": ", 1)[1] for n in output_notes(indices, output, method)]
    if notes:
        text = "\n".join(textwrap.fill("note: " + n, 110) for n in notes)
        lines = text.count("\n") + 1
        extra = 0.13 * lines + 0.1  # inches for the notes
        height = fig.get_figheight() + extra
        fig.set_figheight(height)
        fig.text(0.01, 0.01, text, fontsize=7, va="bottom", ha="left", color="dimgray")
        fig.tight_layout(rect=(0, extra / height, 1, 1))
    else:
        fig.tight_layout()


def _interval_handle(conf_level: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color="black", marker="|", ls="-", lw=1, ms=8,
                  label=f"{conf_level:.0%} bootstrap interval")


def bar_figure(indices: pd.DataFrame, output: str, method: Method,
               conf_level: float = LEVEL) -> Any:
    """Sobol: S1 and ST per parameter with their intervals. Morris: mu* (with interval) and
    sigma per parameter."""
    from sim.output.figures import param_label

    plt = _plt()
    c = _colours()
    d = indices[indices.output == output]
    x = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(max(5.5, 1.0 * len(d) + 2.5), 4.6))
    w = 0.38
    if method == "sobol":
        ax.bar(x - w / 2, d.S1, w, yerr=d.S1_conf, capsize=3, color=c["S1"],
               label=INDEX_NAMES["S1"])
        ax.bar(x + w / 2, d.ST, w, yerr=d.ST_conf, capsize=3, color=c["ST"],
               label=INDEX_NAMES["ST"])
        ax.set_ylabel("Sobol index\n(share of output variance, 0–1)")
        ax.axhline(0, color="black", lw=0.6)
        what = "Sobol indices"
    else:
        ax.bar(x - w / 2, d.mu_star, w, yerr=d.mu_star_conf, capsize=3, color=c["mu_star"],
               label=INDEX_NAMES["mu_star"])
        ax.bar(x + w / 2, d.sigma, w, color=c["sigma"], label=INDEX_NAMES["sigma"])
        ax.set_ylabel(f"elementary effect\n({effect_unit(output)})")
        what = "Morris elementary effects"
    ax.set_xticks(x, [param_label(p) for p in d.parameter], rotation=30, ha="right",
                  fontsize=8)
    ax.set_xlabel("parameter (unit)")
    ax.set_title(_title(output, what), fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, _interval_handle(conf_level)], fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    _finish(fig, ax, indices, output, method)
    return fig


def tornado_figure(indices: pd.DataFrame, output: str, method: Method,
                   conf_level: float = LEVEL) -> Any:
    """Parameters ranked by ST (Sobol) or mu* (Morris), largest on top, with intervals; the
    indices keep the colours of the bar chart."""
    from sim.output.figures import param_label

    plt = _plt()
    c = _colours()
    key, conf = _main(method)
    d = indices[indices.output == output].sort_values(key, na_position="first")
    y = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(7.0, max(2.8, 0.45 * len(d) + 1.6)))
    ax.barh(y, d[key], xerr=d[conf], capsize=3, color=c[key], label=INDEX_NAMES[key])
    if method == "sobol":
        ax.barh(y, d.S1, height=0.4, color=c["S1"], label=INDEX_NAMES["S1"])
        ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(y, [param_label(p) for p in d.parameter], fontsize=8)
    ax.set_xlabel("Sobol index (share of output variance, 0–1)" if method == "sobol"
                  else f"μ* ({effect_unit(output)})")
    ranked = "total Sobol index ST" if method == "sobol" else "Morris μ*"
    ax.set_title(_title(output, f"parameters ranked by {ranked}"), fontsize=10)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*handles, _interval_handle(conf_level)], fontsize=8, frameon=False,
              loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    _finish(fig, ax, indices, output, method)
    return fig


LABELLED = 12
"""Most parameters the μ*–σ figure labels (largest μ* first, none over another)."""


def mu_sigma_figure(indices: pd.DataFrame, output: str, conf_level: float = LEVEL) -> Any:
    """Morris μ* against σ, one point per parameter (labelled), with the lines σ/μ* = 0.1, 0.5
    and 1: below 0.1 a parameter acts (almost) linearly and alone; above 1 its effect depends
    strongly on where the other parameters are (non-linear or interacting)."""
    from sim.output.figures import param_label

    plt = _plt()
    c = _colours()
    d = indices[indices.output == output]
    fig, ax = plt.subplots(figsize=(6.6, 5.0))
    ax.errorbar(d.mu_star, d.sigma, xerr=d.mu_star_conf, fmt="o", color=c["mu_star"],
                ecolor="grey", capsize=2, label=f"parameter (μ* with {conf_level:.0%} "
                                                "bootstrap interval)")
    top = (float(np.nanmax([(d.mu_star + d.mu_star_conf.fillna(0)).max(), d.sigma.max(), 0.0]))
           if len(d) else 0.0)
    top = top * 1.15 if np.isfinite(top) and top > 0 else 1.0
    xs = np.array([0.0, top])
    for ratio, ls in ((1.0, "-"), (0.5, "--"), (0.1, ":")):
        ax.plot(xs, ratio * xs, color="black", lw=0.7, ls=ls, label=f"σ/μ* = {ratio:g}")
    unit = effect_unit(output)
    ax.set_xlabel(f"μ*: mean absolute elementary effect ({unit})", fontsize=9)
    ax.set_ylabel(f"σ: spread of the elementary effects ({unit})", fontsize=9)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_title(_title(output, "Morris μ* against σ"), fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed: list[Any] = [ax.get_legend().get_window_extent(renderer)]
    for r in d.sort_values("mu_star", ascending=False).itertuples():
        if not (np.isfinite(r.mu_star) and np.isfinite(r.sigma)):
            continue
        label = ax.annotate(param_label(r.parameter), (r.mu_star, r.sigma), fontsize=7,
                            xytext=(4, 3), textcoords="offset points")
        box = label.get_window_extent(renderer)
        if any(box.overlaps(b) for b in placed) or len(placed) > LABELLED:
            label.remove()  # unlabelled: the table and the CSV name every parameter
        else:
            placed.append(box)
    _finish(fig, ax, indices, output, "morris")
    return fig


def figure_makers(method: Method) -> list[tuple[str, Callable[..., Any]]]:
    """(file stem, function) of the figures drawn per output for ``method``."""
    makers: list[tuple[str, Callable[..., Any]]] = [("bar", bar_figure),
                                                     ("tornado", tornado_figure)]
    if method == "morris":
        makers.append(("mustar-sigma", lambda ind, out, _m, **kw: mu_sigma_figure(ind, out,
                                                                                  **kw)))
    return makers


# --------------------------------------------------------------------------- the coalition model

def coalition_model(design_of: Callable[[np.ndarray], Any], outputs: list[str],
                    out_dir: str | Path, **run_options: Any) -> Model:
    """The coalition model as ``f(X) -> {output: mean over replicates}``.

    ``design_of(X)`` makes the sweep ``SweepPlan`` of the sample; its runs go through the sweep
    runner (``run_options``: jobs, scheduler, resume, overwrite, progress ...) into
    ``out_dir/results.parquet``; each output is averaged over the replicates of a point.
    """
    import pyarrow.parquet as pq

    def f(X: np.ndarray) -> dict[str, np.ndarray]:
        design = design_of(X)
        report = run_design(design, out_dir, **run_options)
        f.report = report  # type: ignore[attr-defined]
        df = pq.read_table(report.results, columns=["point", *outputs]).to_pandas()
        means = df.groupby("point", sort=True)[outputs].mean()
        if len(means) != len(X):
            raise RuntimeError(f"{report.results}: {len(means)} points, expected {len(X)}")
        return {k: means[k].to_numpy() for k in outputs}

    return f


@dataclass
class SensitivityOutputs:
    """What run_sensitivity wrote."""

    result: SensitivityResult
    report: Any
    tables: list[Path]
    figures: list[Path]


def run_sensitivity(spec: Any, out_dir: str | Path, *, chunk_size: int | None = None,
                    figures: bool = True, status: Callable[[str], None] | None = None,
                    **run_options: Any) -> SensitivityOutputs:
    """A sensitivity spec end to end: results.parquet of every run, indices.{parquet,csv}
    (with a ``note`` per row on estimates or intervals outside the index's range),
    sample.parquet, figures/bar-<output>, figures/tornado-<output> and, for Morris,
    figures/mustar-sigma-<output>. ``status`` is called with a line before each long step
    after the runs."""

    out_dir = Path(out_dir)
    sc = resolve_scenario(spec)
    problem = spec.problem()
    seed = sc.seed if spec.seed is None else spec.seed

    def design_of(X: np.ndarray) -> SweepPlan:
        return SweepPlan(sc, tuple(problem["names"]), np.ascontiguousarray(X, dtype=np.float64),
                      spec.replicates, seed, dict(spec.fixed), chunk_size or spec.chunk_size)

    model = coalition_model(design_of, list(spec.outputs), out_dir,
                            extra={"kind": "sensitivity", "spec": spec.model_dump(mode="json"),
                                   "problem": problem}, **run_options)
    result = analyse_model(problem, model, spec.method, spec.samples, seed=seed,
                     num_levels=spec.num_levels, conf_level=spec.conf_level,
                     num_resamples=spec.num_resamples, status=status)
    result.indices = add_notes(result.indices, spec.method)
    tables = write_table(result.indices, out_dir / "indices")
    sample_df = pd.DataFrame(result.X, columns=problem["names"])
    for k, v in result.Y.items():
        sample_df[f"mean_{k}"] = v
    sample_df.insert(0, "point", np.arange(len(sample_df)))
    tables.append(write_parquet(sample_df, out_dir / "sample.parquet"))
    paths: list[Path] = []
    if figures:
        import matplotlib.pyplot as plt

        makers = figure_makers(spec.method)
        if status:
            status(f"drawing {len(makers) * len(spec.outputs)} figures (PNG and SVG) into "
                   "figures/…")
        for out in spec.outputs:
            for name, make in makers:
                fig = make(result.indices, out, spec.method, conf_level=spec.conf_level)
                paths += save_figure(fig, out_dir / "figures" / f"{name}-{out}")
                plt.close(fig)
    return SensitivityOutputs(result, model.report, tables, paths)  # type: ignore[attr-defined]
