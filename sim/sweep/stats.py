"""Per-point and per-axis statistics of a results file, read a few columns at a time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.stats import describe


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
