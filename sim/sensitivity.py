"""Global sensitivity analysis with SALib: Sobol (S1, ST) and Morris (mu*, sigma).

One pipeline for any model: :func:`analyse` takes a SALib problem and a vectorised model
function ``f(X) -> {output: Y}`` (X of shape (n, D)), samples, evaluates and analyses. The
coalition model is such a function (:func:`coalition_model`: every sample point is simulated
``replicates`` times through the sweep runner and the outputs averaged); the Ishigami test
function is another, which is how the pipeline is checked against known indices.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.io import save_figure, write_parquet, write_table
from sim.sweep.runner import Design, run_design
from sim.sweep.spec import resolve_scenario

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


def analyze(problem: Problem, X: np.ndarray, Y: Mapping[str, np.ndarray], method: Method, *,
            num_levels: int = 4, conf_level: float = 0.95, num_resamples: int = 100,
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


def analyse(problem: Problem, model: Model, method: Method, n: int, *, seed: int = 0,
            num_levels: int = 4, conf_level: float = 0.95,
            num_resamples: int = 100) -> SensitivityResult:
    """Sample ``problem``, evaluate ``model`` on the whole sample at once, analyse."""
    X = sample(problem, method, n, seed, num_levels)
    raw = model(X)
    Y = {"y": np.asarray(raw)} if isinstance(raw, np.ndarray) else {k: np.asarray(v)
                                                                    for k, v in raw.items()}
    table = analyze(problem, X, Y, method, num_levels=num_levels, conf_level=conf_level,
                    num_resamples=num_resamples, seed=seed)
    return SensitivityResult(problem, method, X, Y, table)


# --------------------------------------------------------------------------- figures

def _main(method: Method) -> tuple[str, str]:
    return ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")


def bar_figure(indices: pd.DataFrame, output: str, method: Method) -> Any:
    """Sobol: S1 and ST per parameter with their intervals. Morris: mu* (with interval) and
    sigma per parameter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = indices[indices.output == output]
    x = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(d) + 2), 4.0))
    w = 0.38
    if method == "sobol":
        ax.bar(x - w / 2, d.S1, w, yerr=d.S1_conf, capsize=3, label="S1 (first order)")
        ax.bar(x + w / 2, d.ST, w, yerr=d.ST_conf, capsize=3, label="ST (total)")
        ax.set_ylabel("Sobol index")
        ax.axhline(0, color="black", lw=0.6)
    else:
        ax.bar(x - w / 2, d.mu_star, w, yerr=d.mu_star_conf, capsize=3, label="μ*")
        ax.bar(x + w / 2, d.sigma, w, label="σ")
        ax.set_ylabel(f"elementary effect on {output}")
    ax.set_xticks(x, d.parameter, rotation=30, ha="right", fontsize=8)
    title = f"{method.capitalize()} indices: {output}"
    if d.constant.any():
        title += " (output constant: no indices)"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def tornado_figure(indices: pd.DataFrame, output: str, method: Method) -> Any:
    """Parameters ranked by ST (Sobol) or mu* (Morris), largest on top, with intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key, conf = _main(method)
    d = indices[indices.output == output].sort_values(key, na_position="first")
    y = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(6.4, max(2.5, 0.45 * len(d) + 1.2)))
    ax.barh(y, d[key], xerr=d[conf], capsize=3, color="tab:orange",
            label="ST (total)" if method == "sobol" else "μ*")
    if method == "sobol":
        ax.barh(y, d.S1, height=0.4, color="tab:blue", label="S1 (first order)")
    ax.set_yticks(y, d.parameter, fontsize=8)
    ax.set_xlabel("Sobol index" if method == "sobol" else f"μ* (effect on {output})")
    ax.set_title(f"What {output} is most sensitive to ({method})", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the coalition model

def coalition_model(design_of: Callable[[np.ndarray], Any], outputs: list[str],
                    out_dir: str | Path, **run_options: Any) -> Model:
    """The coalition model as ``f(X) -> {output: mean over replicates}``.

    ``design_of(X)`` makes the sweep ``Design`` of the sample; its runs go through the sweep
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
                    figures: bool = True, **run_options: Any) -> SensitivityOutputs:
    """A sensitivity spec end to end: results.parquet of every run, indices.{parquet,csv},
    sample.parquet, figures/bar-<output> and figures/tornado-<output>."""

    out_dir = Path(out_dir)
    sc = resolve_scenario(spec)
    problem = spec.problem()
    seed = sc.seed if spec.seed is None else spec.seed

    def design_of(X: np.ndarray) -> Design:
        return Design(sc, tuple(problem["names"]), np.ascontiguousarray(X, dtype=np.float64),
                      spec.replicates, seed, dict(spec.fixed), chunk_size or spec.chunk_size)

    model = coalition_model(design_of, list(spec.outputs), out_dir,
                            extra={"kind": "sensitivity", "spec": spec.model_dump(mode="json"),
                                   "problem": problem}, **run_options)
    result = analyse(problem, model, spec.method, spec.samples, seed=seed,
                     num_levels=spec.num_levels, conf_level=spec.conf_level,
                     num_resamples=spec.num_resamples)
    tables = write_table(result.indices, out_dir / "indices")
    sample_df = pd.DataFrame(result.X, columns=problem["names"])
    for k, v in result.Y.items():
        sample_df[f"mean_{k}"] = v
    sample_df.insert(0, "point", np.arange(len(sample_df)))
    tables.append(write_parquet(sample_df, out_dir / "sample.parquet"))
    paths: list[Path] = []
    if figures:
        import matplotlib.pyplot as plt

        for out in spec.outputs:
            for name, make in (("bar", bar_figure), ("tornado", tornado_figure)):
                fig = make(result.indices, out, spec.method)
                paths += save_figure(fig, out_dir / "figures" / f"{name}-{out}")
                plt.close(fig)
    return SensitivityOutputs(result, model.report, tables, paths)  # type: ignore[attr-defined]
