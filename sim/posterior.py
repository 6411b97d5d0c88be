"""A calibrated posterior carried into runs: each run draws its parameters from it.

``coalition-sim calibrate`` writes ``posterior.parquet`` (one row per particle: the free
parameters by dotted path and a normalised ``weight``) and ``manifest.json``. A run with a
posterior draws one particle by weight, deterministically from its seed: runs with seeds 2k
and 2k+1 share the draw of seed pair k, so the spread between the two runs of a pair is the
randomness of runs alone and the rest of the spread is the uncertainty of the parameters
(:func:`uncertainty`, the law of total variance).

A parameter the scenario sets to something other than its default, or that an override
sets, keeps that value: a what-if stays a what-if, with the other calibrated parameters drawn.
``DEFAULT_DIR`` (seeds/posterior) is the posterior the project ships; docs/calibration.md
says how to regenerate it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.parameters import PARAM_INFO, flatten, value_problem

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "seeds" / "posterior"
"""The shipped posterior (``--posterior default``)."""
SALT = 0x5EED_9057
"""Mixed into the seed of a posterior draw (independent of the run's own random streams)."""


class PosteriorError(ValueError):
    """A posterior folder that cannot be used (message names the file and the problem)."""


@dataclass(frozen=True)
class Posterior:
    """Weighted particles of the calibrated parameters."""

    folder: Path
    particles: pd.DataFrame  # one column per parameter path
    weights: np.ndarray  # normalised

    @property
    def names(self) -> list[str]:
        return list(self.particles.columns)

    @property
    def label(self) -> str:
        return str(self.folder)

    def __repr__(self) -> str:
        return (f"<Posterior {self.folder}: {len(self.particles)} particles of "
                f"{len(self.names)} parameters>")

    def medians(self) -> dict[str, float]:
        return {n: weighted_quantiles(self.particles[n].to_numpy(), self.weights, [0.5])[0]
                for n in self.names}

    def draw(self, seeds: Sequence[int] | np.ndarray) -> np.ndarray:
        """The particle each run uses: one weighted draw per seed pair (seed // 2)."""
        cdf = np.cumsum(self.weights)
        cdf /= cdf[-1]
        pairs = np.asarray(seeds, dtype=np.int64) // 2
        u = np.array([np.random.default_rng([int(p) & (2**63 - 1), SALT]).random()
                      for p in pairs])
        return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)

    def drawn_names(self, scenario: object) -> list[str]:
        """The parameters drawn for ``scenario``: those it leaves at their default and no
        override sets."""
        values = flatten(scenario.parameters)  # type: ignore[attr-defined]
        overrides = getattr(scenario, "overrides", {}) or {}
        return [n for n in self.names if n not in overrides
                and np.isclose(values[n], PARAM_INFO[n].default, rtol=0, atol=1e-12)]

    def values_for(self, scenario: object, seeds: Sequence[int] | np.ndarray
                   ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Per-run values of the drawn parameters, and the particle of each run."""
        idx = self.draw(seeds)
        return ({n: self.particles[n].to_numpy()[idx] for n in self.drawn_names(scenario)},
                idx)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    """Weighted quantiles (inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(x)
    x, w = np.asarray(x)[order], np.asarray(w, dtype=float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cdf, x)) for q in qs]


def load(folder: str | Path | None = None) -> Posterior:
    """The posterior in ``folder`` (``None`` or ``"default"``: the shipped one)."""
    folder = DEFAULT_DIR if folder in (None, "default") else Path(folder)  # type: ignore[arg-type]
    path = folder / "posterior.parquet"
    if not path.is_file():
        raise PosteriorError(f"{folder}: no posterior.parquet (expected the output folder of "
                             "`coalition-sim calibrate`)")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise PosteriorError(f"{path}: not a readable Parquet table ({exc})") from None
    if "weight" not in df.columns:
        raise PosteriorError(f"{path}: no 'weight' column")
    names = [c for c in df.columns if c in PARAM_INFO]
    if not names:
        raise PosteriorError(f"{path}: no parameter columns (dotted parameter paths)")
    for n in names:
        problem = value_problem(n, df[n].to_numpy(dtype=float))
        if problem is not None:
            raise PosteriorError(f"{path}: {problem}")
    w = df["weight"].to_numpy(dtype=float)
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise PosteriorError(f"{path}: weights must be finite, non-negative, not all zero")
    return Posterior(folder, df[names].reset_index(drop=True), w / w.sum())


def manifest(folder: str | Path | None = None) -> dict:
    """The calibration's manifest.json (empty if it has none)."""
    folder = DEFAULT_DIR if folder in (None, "default") else Path(folder)  # type: ignore[arg-type]
    path = folder / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def uncertainty(summary: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per outcome: mean, total sd over runs, the sd of runs alone (within seed pairs that
    share a parameter draw) and the share of the variance due to the parameters.

    ``summary`` has ``seed`` and the outcomes (a run's summary table with a posterior)."""
    pair = summary["seed"].to_numpy() // 2
    counts = pd.Series(pair).value_counts()
    full = set(counts[counts == 2].index)
    rows = []
    for k in outcomes:
        x = summary[k].to_numpy(dtype=float)
        ok = ~np.isnan(x)
        var_total = float(np.var(x[ok], ddof=1)) if ok.sum() > 1 else float("nan")
        df = pd.DataFrame({"pair": pair, "x": x})[ok & np.isin(pair, list(full))]
        g = df.groupby("pair")["x"]
        diffs = (g.max() - g.min())[g.count() == 2]
        var_runs = float((diffs ** 2).mean() / 2) if len(diffs) else float("nan")
        share = (float(np.clip(1 - var_runs / var_total, 0, 1))
                 if var_total and var_total > 0 and not np.isnan(var_runs) else float("nan"))
        rows.append({"outcome": k, "mean": float(np.nanmean(x)), "sd_total": var_total ** 0.5,
                     "sd_runs": var_runs ** 0.5, "share_parameters": share,
                     "pairs": len(diffs)})
    return pd.DataFrame(rows)
