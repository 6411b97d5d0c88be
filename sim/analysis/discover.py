"""Scenario discovery with PRIM (EMA Workbench): which parameter ranges lead to an outcome.

The analyst names the outcome as a condition on result columns, e.g.
``"troops >= 30000 and holds == 1"``; PRIM (``ema_workbench.analysis.prim``) peels boxes over
the swept parameters and reports each box's coverage (share of the cases of interest inside
it) and density (share of the runs inside it that are of interest).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.stats import LEVEL
from sim.model.outcomes import PER_RUN_NAMES
from sim.scenario.errors import did_you_mean

_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
    ast.Eq: np.equal, ast.NotEq: np.not_equal,
}
ID_COLUMNS = ("point", "replicate", "seed", "run", "particle")
"""Columns that identify a run (a sweep's point, replicate and seed; a run's index; the
posterior particle it drew): never parameters."""
MAX_OUTCOME_CHARS = 10_000
MAX_OUTCOME_DEPTH = 100
"""Longest and most deeply nested --outcome condition accepted."""


def _depth(tree: ast.AST) -> int:
    """Nesting depth of an expression tree, without recursion."""
    deepest, todo = 0, [(tree, 1)]
    while todo:
        node, d = todo.pop()
        deepest = max(deepest, d)
        if d <= MAX_OUTCOME_DEPTH:
            todo.extend((c, d + 1) for c in ast.iter_child_nodes(node))
    return deepest


class OutcomeError(ValueError):
    """An outcome condition that cannot be read (the message says where and why)."""


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def parse_outcome(expr: str, columns: Sequence[str]) -> tuple[Callable[[pd.DataFrame], np.ndarray],
                                                            list[str]]:
    """A condition such as ``troops >= 30000 and holds == 1`` as a function of a DataFrame.

    Allowed: column names (dotted parameter paths too), numbers, comparisons (chains such as
    ``0.5 <= us.backstop_scale < 1.5``), ``and``, ``or``, ``not`` and parentheses. Returns the
    function and the columns it reads.
    """
    shown = expr if len(expr) <= 80 else expr[:77] + "..."
    if len(expr) > MAX_OUTCOME_CHARS:
        raise OutcomeError(f"outcome {shown!r}: too long ({len(expr):,} characters, at most "
                           f"{MAX_OUTCOME_CHARS:,})")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
        depth = _depth(tree)
    except SyntaxError as exc:
        raise OutcomeError(f"outcome {shown!r}: not a condition ({exc.msg} at column "
                           f"{exc.offset})") from None
    except (RecursionError, MemoryError):
        depth = MAX_OUTCOME_DEPTH + 1
    if depth > MAX_OUTCOME_DEPTH:
        raise OutcomeError(f"outcome {shown!r}: nested too deeply (at most "
                           f"{MAX_OUTCOME_DEPTH} levels of not, and/or, comparisons and "
                           "parentheses)")
    used: list[str] = []

    def build(node: ast.AST) -> Callable[[pd.DataFrame], Any]:
        name = _name(node)
        if name is not None:
            if name not in columns:
                hint = did_you_mean(name, columns)
                raise OutcomeError(f"outcome {expr!r}: unknown column {name!r}"
                                   + (f" (did you mean {hint!r}?)" if hint else "")
                                   + f"; columns: {', '.join(columns)}")
            used.append(name)
            return lambda df: df[name].to_numpy()
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            v = float(node.value)
            return lambda df: v
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = build(node.operand)
            return lambda df: -inner(df)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = build(node.operand)
            return lambda df: ~np.asarray(inner(df), dtype=bool)
        if isinstance(node, ast.BoolOp):
            parts = [build(v) for v in node.values]
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            return lambda df: combine.reduce([np.asarray(p(df), dtype=bool) for p in parts])
        if isinstance(node, ast.Compare) and all(type(op) in _OPS for op in node.ops):
            terms = [build(node.left), *(build(c) for c in node.comparators)]
            ops = [_OPS[type(op)] for op in node.ops]

            def compare(df: pd.DataFrame) -> np.ndarray:
                vals = [t(df) for t in terms]
                out = np.ones(len(df), dtype=bool)
                for op, a, b in zip(ops, vals, vals[1:], strict=False):
                    out &= op(a, b)
                return out

            return compare
        raise OutcomeError(f"outcome {expr!r}: {ast.unparse(node)!r} is not allowed (use column "
                           "names, numbers, comparisons, and/or/not)")

    fn = build(tree.body)
    if not used:
        raise OutcomeError(f"outcome {expr!r}: names no column")

    def evaluate(df: pd.DataFrame) -> np.ndarray:
        return np.broadcast_to(np.asarray(fn(df), dtype=bool), (len(df),)).copy()

    return evaluate, list(dict.fromkeys(used))


def input_columns(results: str | Path) -> list[str]:
    """The swept parameters of a results file (from its manifest, else its non-outcome columns)."""
    import pyarrow.parquet as pq

    from sim.output.manifest import read_manifest

    manifest = Path(results).parent / "manifest.json"
    if manifest.exists():
        try:
            recorded = read_manifest(manifest)
            params = recorded.get("params") if isinstance(recorded, dict) else None
            if isinstance(params, list) and all(isinstance(p, str) for p in params) and params:
                return list(params)
        except (ValueError, RecursionError):
            pass
    names = pq.read_schema(results).names
    return [c for c in names if c not in ID_COLUMNS and c not in PER_RUN_NAMES]


INTERVAL_LEVEL = LEVEL
"""Level of the Wilson intervals of coverage and density."""


def with_intervals(traj: pd.DataFrame, of_interest: int,
                   level: float = INTERVAL_LEVEL) -> pd.DataFrame:
    """``traj`` (a PRIM peeling trajectory: coverage, density, n in the box) with Wilson
    intervals (``sim.analysis.stats``) of its two proportions: coverage_lo/hi (cases of interest inside
    the box, out of all ``of_interest``) and density_lo/hi (cases of interest, out of the
    ``n`` cases inside the box). They take the box as given: PRIM chose it on the same data,
    so they show the sampling noise of the proportions, not the optimism of the choice."""
    from sim.analysis.stats import wilson_arrays, z_of

    z = z_of(level)
    n_box = traj["n"].to_numpy(dtype=float)
    hits = np.rint(traj["density"].to_numpy(dtype=float) * n_box)
    traj["coverage_lo"], traj["coverage_hi"] = wilson_arrays(
        hits / of_interest if of_interest else np.full(len(traj), np.nan),
        np.full(len(traj), float(of_interest)), z)
    with np.errstate(divide="ignore", invalid="ignore"):
        traj["density_lo"], traj["density_hi"] = wilson_arrays(hits / n_box, n_box, z)
    return traj


@dataclass
class Discovery:
    """What PRIM found for one outcome."""

    outcome: str
    inputs: list[str]
    rows: int
    of_interest: int
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim ... of every box peeled
    chosen: int
    limits: pd.DataFrame  # parameter, box_min, box_max, data_min, data_max, restricted
    box: Any  # the ema_workbench PrimBox, for further inspection
    unit: str = "run"

    @property
    def stats(self) -> pd.Series:
        return self.trajectory.loc[self.chosen]


def _is_month(column: str) -> bool:
    """Whether ``column`` is a ``month`` outcome (NaN there means: it did not happen)."""
    from sim.model import outcomes

    found = outcomes.PER_RUN_BY_NAME.get(column)
    return found is not None and found.kind == "month"


def check_column(values: pd.Series, name: str, nan_ok: bool = False) -> None:
    """OutcomeError unless column ``name`` holds numbers (or true/false), all finite (NaN
    allowed where ``nan_ok``: a month outcome's "never")."""
    kind = values.dtype.kind
    if kind not in "biuf":
        sample = values.dropna()
        shown = f", e.g. {sample.iloc[0]!r}" if len(sample) else ""
        what = "text" if pd.api.types.is_string_dtype(values) else f"{values.dtype} values"
        raise OutcomeError(f"column {name!r} of the results holds {what}{shown}; expected "
                           "numbers")
    if kind != "f":
        return
    arr = values.to_numpy(dtype=np.float64)
    bad = np.isinf(arr) if nan_ok else ~np.isfinite(arr)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise OutcomeError(f"column {name!r} of the results holds {int(bad.sum()):,} value(s) "
                           f"that are not finite numbers (first: row {k + 1}, {arr[k]}); "
                           "expected finite numbers")


def discover(data: pd.DataFrame, inputs: Sequence[str], outcome: str, *,
             min_density: float = 0.8, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
             mass_min: float = 0.05, per_point: float | None = None) -> Discovery:
    """Run PRIM on ``data`` (one row per run) for the runs where ``outcome`` holds.

    ``per_point``: analyse grid points instead of runs; a point is of interest when at least
    this share of its runs meet the outcome. The chosen box is the one of highest coverage
    whose density is at least ``min_density`` (the densest box when none is).
    """
    columns = list(data.columns)
    missing = [c for c in inputs if c not in columns]
    if missing:
        raise OutcomeError(f"input {missing[0]!r} is not a column of the results")
    fn, used = parse_outcome(outcome, columns)
    for c in dict.fromkeys([*inputs, *used]):
        check_column(data[c], c, nan_ok=c not in inputs and _is_month(c))
    y = fn(data)
    x = data[list(inputs)].astype(np.float64)
    unit = "run"
    if per_point is not None:
        if "point" not in columns:
            raise OutcomeError("per-point analysis needs a 'point' column")
        share = pd.Series(y, index=data.index).groupby(data["point"]).mean()
        x = x.groupby(data["point"]).first().reset_index(drop=True)
        y = (share.to_numpy() >= per_point)
        unit = "point"
    if y.sum() == 0:
        raise OutcomeError(f"outcome {outcome!r} never holds in the {len(y):,} {unit}s: "
                           "nothing to discover")
    if y.all():
        raise OutcomeError(f"outcome {outcome!r} holds in all {len(y):,} {unit}s: "
                           "nothing to discover")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "ipyparallel not installed" on import, and others
        from ema_workbench.analysis import prim

        p = prim.Prim(x.reset_index(drop=True), y.astype(int), peel_alpha=peel_alpha,
                      paste_alpha=paste_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = with_intervals(box.peeling_trajectory.copy(), int(y.sum()))
    ok = traj[traj.density >= min_density]
    chosen = int(ok.coverage.idxmax()) if len(ok) else int(traj.density.idxmax())
    box.select(chosen)
    lims, first = box.box_lims[chosen], box.box_lims[0]
    limits = pd.DataFrame({
        "parameter": list(inputs),
        "box_min": [float(lims[c].iloc[0]) for c in inputs],
        "box_max": [float(lims[c].iloc[1]) for c in inputs],
        "data_min": [float(first[c].iloc[0]) for c in inputs],
        "data_max": [float(first[c].iloc[1]) for c in inputs],
    })
    limits["restricted"] = ((limits.box_min > limits.data_min)
                            | (limits.box_max < limits.data_max))
    return Discovery(outcome, list(inputs), len(y), int(y.sum()), traj, chosen, limits, box,
                     unit)


# --------------------------------------------------------------------------- figures

def tradeoff_figure(d: Discovery) -> Any:
    """Coverage against density of every box peeled, coloured by the number of restricted
    parameters (a whole number: one discrete colour per count, integer ticks), with the chosen
    box circled and its 90% Wilson intervals drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.output.figures import integer_colour_scale

    t = d.trajectory
    fig, ax = plt.subplots(figsize=(6.2, 4.8))
    cmap, norm, ticks = integer_colour_scale(t.res_dim)
    sc = ax.scatter(t.coverage, t.density, c=t.res_dim, cmap=cmap, norm=norm, s=22, zorder=2)
    ax.plot(t.coverage, t.density, color="grey", lw=0.8, zorder=1)
    s = d.stats
    if {"coverage_lo", "density_lo"} <= set(t.columns):
        ax.errorbar([s.coverage], [s.density],
                    xerr=[[s.coverage - s.coverage_lo], [s.coverage_hi - s.coverage]],
                    yerr=[[s.density - s.density_lo], [s.density_hi - s.density]],
                    fmt="none", ecolor="red", lw=1, capsize=3, zorder=3,
                    label=f"{INTERVAL_LEVEL:.0%} Wilson intervals of the chosen box")
    ax.scatter([s.coverage], [s.density], s=160, facecolors="none", edgecolors="red", lw=1.5,
               zorder=3, label=f"chosen box {d.chosen}: coverage {s.coverage:.2f}, "
                               f"density {s.density:.2f}")
    cb = fig.colorbar(sc, ax=ax, ticks=ticks)
    cb.set_label("restricted parameters (count)")
    cb.ax.minorticks_off()
    ax.set_xlabel("coverage (share of the cases of interest inside the box, 0–1)")
    ax.set_ylabel("density (share of the box that is of interest, 0–1)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"PRIM peeling trajectory ({d.rows:,} {d.unit}s, {d.of_interest:,} of "
                 f"interest)\ncases of interest: {d.outcome}", fontsize=9)
    ax.legend(fontsize=7, frameon=False, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def box_figure(d: Discovery) -> Any:
    """The chosen box: each parameter's range inside the box against its full range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.output.figures import param_label

    lim = d.limits
    fig, ax = plt.subplots(figsize=(6.8, max(2.4, 0.6 * len(lim) + 1.6)))
    for i, r in enumerate(lim.itertuples()):
        span = (r.data_max - r.data_min) or 1.0
        lo, hi = (r.box_min - r.data_min) / span, (r.box_max - r.data_min) / span
        ax.plot([0, 1], [i, i], color="lightgrey", lw=8, solid_capstyle="butt")
        ax.plot([lo, hi], [i, i], color="tab:red" if r.restricted else "tab:grey", lw=8,
                solid_capstyle="butt")
        ax.text(lo, i + 0.28, f"{r.box_min:g}", ha="center", fontsize=8)
        ax.text(hi, i + 0.28, f"{r.box_max:g}", ha="center", fontsize=8)
    ax.set_yticks(range(len(lim)), [param_label(p) for p in lim.parameter], fontsize=8)
    ax.set_xticks([0, 1], ["minimum swept", "maximum swept"], fontsize=8)
    ax.set_xlabel("position within the swept range (share 0–1; red: restricted by the box)",
                  fontsize=8)
    ax.set_xlim(-0.08, 1.08)
    ax.set_ylim(-0.6, len(lim) - 0.2)
    s = d.stats
    t = d.trajectory
    if {"coverage_lo", "density_lo"} <= set(t.columns):
        cov = f"coverage {s.coverage:.2f} ({s.coverage_lo:.2f}–{s.coverage_hi:.2f})"
        den = f"density {s.density:.2f} ({s.density_lo:.2f}–{s.density_hi:.2f})"
        ci = f"; in brackets {INTERVAL_LEVEL:.0%} Wilson intervals"
    else:
        cov, den, ci = f"coverage {s.coverage:.2f}", f"density {s.density:.2f}", ""
    ax.set_title(f"cases of interest: {d.outcome}\nbox {d.chosen}: {cov}, {den}, mass "
                 f"{s.mass:.2f}\n{d.of_interest:,} of {d.rows:,} {d.unit}s of interest{ci}",
                 fontsize=8)
    fig.tight_layout()
    return fig


def read_results(path: str | Path, columns: Sequence[str], max_rows: int | None,
                 seed: int = 0) -> pd.DataFrame:
    """The named columns of a results file, subsampled (seeded, whole points kept in order) to
    at most ``max_rows`` rows."""
    import pyarrow.parquet as pq

    df = pq.read_table(path, columns=list(dict.fromkeys(columns))).to_pandas()
    if max_rows is not None and len(df) > max_rows:
        keep = np.sort(np.random.default_rng(seed).choice(len(df), max_rows, replace=False))
        df = df.iloc[keep].reset_index(drop=True)
    return df
