"""Quick checks around one scenario: which parameters drive an outcome, and knife edges.

``knife_edges`` moves every parameter by ±``step`` of its documented range, one at a time, with
common random numbers (the same seeds as the base), and returns how far each move shifts the
mean of each outcome; a move of more than ``max_jump`` (15 percentage points for a
probability) is a knife edge. ``morris_screen`` ranks every parameter by Morris's μ* (SALib)
with a small budget. Both run the batch engine directly: a whole design is one batch.
The robustness tests (tests/test_robustness.py) and the comparison report use them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.sensitivity import compute_indices, sample
from sim.engine import batch as engine
from sim.model import outcomes
from sim.model.parameters import PARAM_INFO
from sim.scenario.schema import Scenario

STEP = 0.05
"""Share of a parameter's range a knife-edge move shifts it."""
MAX_JUMP = 0.15
"""Largest change of a probability (15 points) a small move may cause before it is flagged."""


def _simulate(sc: Scenario, seeds: np.ndarray, values: dict[str, np.ndarray],
              names: Sequence[str]) -> dict[str, np.ndarray]:
    batch = engine.compile_batch(sc, seeds=seeds, values=values)
    res = engine.simulate(batch, record_steps=False)  # sub-batched by the engine (SUB_BATCH)
    return {k: res.summary[k] for k in names}


def knife_edges(sc: Scenario, names: Sequence[str], replicates: int = 200, step: float = STEP,
                params: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (parameter, move, outcome): base mean, moved mean and the jump.

    Columns: param, value (moved to), base_value, outcome, base, moved, jump (moved - base),
    knife_edge (|jump| > MAX_JUMP for a probability, or > MAX_JUMP of the base's scale
    otherwise)."""
    base_values = engine.flatten(sc.parameters)
    seeds = sc.seed + np.arange(replicates)
    moves: list[tuple[str, float]] = [("", 0.0)]
    for path in params or PARAM_INFO:
        info = PARAM_INFO[path]
        for sign in (-1.0, 1.0):
            x = base_values[path] + sign * step * (info.hi - info.lo)
            if info.lo <= x <= info.hi:
                moves.append((path, x))
    n = len(moves) * replicates
    values = {p: np.full(n, base_values[p]) for p in {m for m, _ in moves if m}}
    for i, (path, x) in enumerate(moves):
        if path:
            values[path][i * replicates:(i + 1) * replicates] = x
    out = _simulate(sc, np.tile(seeds, len(moves)), values, names)
    rows = []
    for k in names:
        means = np.nanmean(out[k].reshape(len(moves), replicates), axis=1)
        scale = 1.0 if outcomes.is_probability(k) else max(abs(means[0]), 1e-9)
        for (path, x), m in zip(moves[1:], means[1:], strict=True):
            jump = m - means[0]
            rows.append({"param": path, "value": x, "base_value": base_values[path],
                         "outcome": k, "base": means[0], "moved": m, "jump": jump,
                         "knife_edge": bool(abs(jump) > MAX_JUMP * scale)})
    return pd.DataFrame(rows)


def morris_screen(sc: Scenario, names: Sequence[str], trajectories: int = 8,
                  replicates: int = 16, seed: int = 0,
                  params: Sequence[str] | None = None) -> pd.DataFrame:
    """Morris μ* and σ of every parameter (over its documented range) for each outcome, with
    the parameter's evidence grade. Columns: outcome, param, mu_star, sigma, mu_star_conf,
    grade, rank (1 = most influential for that outcome)."""
    paths = list(params or PARAM_INFO)
    problem = {"num_vars": len(paths), "names": paths,
               "bounds": [[PARAM_INFO[p].lo, PARAM_INFO[p].hi] for p in paths]}
    X = sample(problem, "morris", trajectories, seed)
    points = len(X)
    seeds = np.tile(sc.seed + np.arange(replicates), points)
    values = {p: np.repeat(X[:, j], replicates) for j, p in enumerate(paths)}
    out = _simulate(sc, seeds, values, names)
    Y = {k: np.nanmean(v.reshape(points, replicates), axis=1) for k, v in out.items()}
    idx = compute_indices(problem, X, Y, "morris", seed=seed)
    idx = idx.rename(columns={"output": "outcome", "parameter": "param"})
    idx["grade"] = [PARAM_INFO[p].grade for p in idx["param"]]
    idx["rank"] = idx.groupby("outcome")["mu_star"].rank(ascending=False, method="first")
    return idx


OBJECTION = "russia.troop_hostility"
"""Russia's objection to foreign troops: the assumption the report sweeps (low, default,
high) to show which design conclusions survive it."""


def ranking_under(sc: Scenario, designs: Sequence[str], path: str = OBJECTION,
                  replicates: int = 200,
                  names: Sequence[str] = ("ceasefire_agreed", "holds")) -> pd.DataFrame:
    """Every design of ``designs`` in scenario ``sc`` at the low end, the scenario's value and
    the high end of parameter ``path``'s documented range, on the same seeds. One row per
    (level, design): level (low/default/high), value, design, and the mean of each outcome in
    ``names``, plus ``holds_given_agreed`` (a ratio of sums)."""
    from sim.scenario.overrides import with_overrides

    info = PARAM_INFO[path]
    base = engine.flatten(sc.parameters)[path]
    seeds = sc.seed + np.arange(replicates)
    rows = []
    for design in designs:
        variant = with_overrides(sc, {"design": design})
        default = engine.flatten(variant.parameters)[path]
        levels = (("low", info.lo), ("default", default if design else base), ("high", info.hi))
        values = {path: np.concatenate([np.full(replicates, v) for _, v in levels])}
        out = _simulate(variant, np.tile(seeds, len(levels)), values,
                        list(dict.fromkeys([*names, "holds", "ceasefire_agreed"])))
        for i, (level, v) in enumerate(levels):
            part = {k: x[i * replicates:(i + 1) * replicates] for k, x in out.items()}
            agreed = part["ceasefire_agreed"].sum()
            rows.append({"level": level, "value": float(v), "design": design,
                         **{k: float(np.nanmean(part[k])) for k in names},
                         "holds_given_agreed": (float(part["holds"].sum() / agreed)
                                                if agreed > 0 else float("nan"))})
    return pd.DataFrame(rows)
