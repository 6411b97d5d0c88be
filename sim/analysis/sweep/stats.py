"""Per-point and per-axis statistics of a results file, read a few columns at a time.

Intervals follow the outcome's kind (``sim.analysis.stats.describe``): a probability (a 0/1 outcome
averaged over runs) gets Wilson's 90% score interval, which never leaves [0, 1] and never has
zero width at 0 of n or n of n; counts and levels get Student's t interval of the mean. The
quantiles of the runs (q05, q50, q95) describe how runs spread; for a 0/1 outcome they are only
ever 0 or 1 and say nothing a reader can use, so they are left empty (NaN) for probabilities.
The ``interval`` column names the method of each row's ci_lo/ci_hi.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.analysis.posterior import uncertainty_by
from sim.analysis.stats import LEVEL as _LEVEL
from sim.analysis.stats import describe
from sim.analysis.sweep.runner import PARTICLE
from sim.model import outcomes

LEVEL = _LEVEL
"""Confidence level of the intervals in points.{csv,parquet} and the sweep figures."""
QUANTILES = ("q05", "q50", "q95")
SPLIT_COLUMNS = ("sd_total", "sd_runs", "share_parameters")
"""Per-point columns added with a posterior: both sources of uncertainty."""


def interval_name(output: str) -> str:
    """The interval method of ``output``'s ci_lo/ci_hi: ``wilson`` or ``t``."""
    return "wilson" if outcomes.is_probability(output) else "t"


def describe_output(df: pd.DataFrame, by: Sequence[str], output: str) -> pd.DataFrame:
    """``sim.analysis.stats.describe`` at 90%, with the quantiles of a 0/1 outcome left empty and the
    interval method named."""
    table = describe(df, by, output, level=LEVEL)
    if outcomes.is_probability(output):
        table[list(QUANTILES)] = np.nan
    table["interval"] = interval_name(output)
    return table


def point_table(results: str | Path, params: Sequence[str], outputs: Sequence[str]) -> pd.DataFrame:
    """One row per (point, output): the point's parameter values and the statistics.

    With a posterior (a ``particle`` column) the runs of a point differ in their parameters
    too, so the interval covers both sources; ``sd_total``, ``sd_runs`` and
    ``share_parameters`` (``sim.analysis.posterior.uncertainty_by``) say how much is which."""
    frames = []
    axes = pq.read_table(results, columns=["point", *params]).to_pandas()
    axes = axes.drop_duplicates("point").set_index("point")
    drawn = PARTICLE in pq.read_schema(results).names
    for out in outputs:
        df = pq.read_table(results, columns=["point", *(["seed"] if drawn else []),
                                             out]).to_pandas()
        table = describe_output(df, ["point"], out)
        if drawn:
            split = uncertainty_by(df, ["point"], out)
            table = table.merge(split[["point", *SPLIT_COLUMNS]], on="point", how="left")
        frames.append(table.join(axes, on="point"))
    table = pd.concat(frames, ignore_index=True)
    first = ["point", *params, "output"]
    return table[first + [c for c in table.columns if c not in first]]


def axis_table(results: str | Path, by: Sequence[str], output: str) -> pd.DataFrame:
    """Statistics of ``output`` grouped by one or two swept parameters (others pooled)."""
    df = pq.read_table(results, columns=[*by, output]).to_pandas()
    return describe_output(df, by, output)
