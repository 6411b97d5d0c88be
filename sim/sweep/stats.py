"""Per-point and per-axis statistics of a results file, read a few columns at a time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

Z95 = 1.959963984540054
"""Normal quantile of a two-sided 95% interval."""


def describe(df: pd.DataFrame, by: Sequence[str], output: str) -> pd.DataFrame:
    """Mean, sd, 95% CI of the mean and the 5/50/95% quantiles of ``output`` by ``by``."""
    g = df.groupby(list(by), sort=True)[output]
    out = g.agg(n="count", mean="mean", sd="std")
    q = g.quantile([0.05, 0.5, 0.95]).unstack()
    out["q05"], out["q50"], out["q95"] = q[0.05], q[0.5], q[0.95]
    half = Z95 * out["sd"].fillna(0.0) / np.sqrt(out["n"])
    out["ci_lo"], out["ci_hi"] = out["mean"] - half, out["mean"] + half
    out.insert(0, "output", output)
    return out.reset_index()


def point_table(results: str | Path, params: Sequence[str], outputs: Sequence[str]) -> pd.DataFrame:
    """One row per (point, output): the point's parameter values and the statistics."""
    frames = []
    axes = pq.read_table(results, columns=["point", *params]).to_pandas()
    axes = axes.drop_duplicates("point").set_index("point")
    for out in outputs:
        df = pq.read_table(results, columns=["point", out]).to_pandas()
        frames.append(describe(df, ["point"], out).join(axes, on="point"))
    table = pd.concat(frames, ignore_index=True)
    first = ["point", *params, "output"]
    return table[first + [c for c in table.columns if c not in first]]


def axis_table(results: str | Path, by: Sequence[str], output: str) -> pd.DataFrame:
    """Statistics of ``output`` grouped by one or two swept parameters (others pooled)."""
    df = pq.read_table(results, columns=[*by, output]).to_pandas()
    return describe(df, by, output)
