"""A calibrated posterior carried into runs: each run draws its parameters from it.

``coalition-sim calibrate`` writes ``posterior.parquet`` (one row per particle: the free
parameters by dotted path and a normalised ``weight``) and ``manifest.json``. A run with a
posterior draws one particle by weight, deterministically from its seed: runs with seeds 2k
and 2k+1 share the draw of seed pair k, so the spread between the two runs of a pair is the
randomness of runs alone and the rest of the spread is the uncertainty of the parameters
(:func:`uncertainty`, the law of total variance).

The shipped posterior holds two kinds of parameters: those the calibration fitted to the
2025 record and, joined to each particle, independent draws from literature priors for those
the record cannot inform (seeds/priors.yaml, ``sim.analysis.calibration.priors``); its
manifest says which are which (``calibrated``, ``literature_priors``).

A parameter the scenario's files write (even at its default value), that a scenario built in
code sets away from its default, or that an override sets, keeps that value: a what-if stays a
what-if, with the other calibrated parameters drawn.
``DEFAULT_DIR`` (seeds/posterior) is the posterior the project ships; docs/calibration.md
says how to regenerate it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.parameters import PARAM_INFO, flatten, value_problem
from sim.model.streams import first_uniforms

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "seeds" / "posterior"
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
    literature: tuple[str, ...] = ()  # the columns drawn from literature priors

    @property
    def names(self) -> list[str]:
        return list(self.particles.columns)

    @property
    def calibrated(self) -> list[str]:
        """The parameters fitted to the record (the rest come from literature priors)."""
        return [n for n in self.names if n not in self.literature]

    def source(self, name: str) -> str:
        """``calibrated`` or ``literature prior``: where a parameter's draws come from."""
        return "literature prior" if name in self.literature else "calibrated"

    @property
    def label(self) -> str:
        """The folder as a reader knows it: ``seeds/posterior`` for the shipped one."""
        if self.folder.resolve() == DEFAULT_DIR.resolve():
            return "seeds/posterior"
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
        u = pair_uniforms(np.asarray(seeds, dtype=np.int64) // 2)
        return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)

    def record(self, drawn: object) -> dict:
        """What a manifest records of this posterior (``drawn``: the parameters the runs
        drew): enough to draw again (``run --from-manifest``) and to refuse a changed one."""
        recorded = manifest(self.folder)
        literature = recorded.get("literature_priors") or {}
        return {"folder": self.label, "path": str(self.folder.resolve()),
                "fingerprint": fingerprint(self), "particles": len(self.particles),
                "calibration": recorded.get("spec", {}).get("name"),
                "rule": "runs with seeds 2k and 2k+1 share one weighted draw (seed pair k)",
                "calibrated": self.calibrated, "literature": list(self.literature),
                **({"literature_priors": {"file": literature.get("file"),
                                          "sha256": literature.get("sha256")}}
                   if self.literature else {}),
                "drawn": drawn}

    def drawn_names(self, scenario: object) -> list[str]:
        """The parameters drawn for ``scenario``: those its files do not write (even at the
        default value), no override sets, and that are at their default."""
        values = flatten(scenario.parameters)  # type: ignore[attr-defined]
        pinned = set(getattr(scenario, "overrides", {}) or {})
        pinned |= set(getattr(scenario, "written_parameters", ()))
        return [n for n in self.names if n not in pinned
                and np.isclose(values[n], PARAM_INFO[n].default, rtol=0, atol=1e-12)]

    def values_for(self, scenario: object, seeds: Sequence[int] | np.ndarray
                   ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Per-run values of the drawn parameters, and the particle of each run."""
        idx = self.draw(seeds)
        return ({n: self.particles[n].to_numpy()[idx] for n in self.drawn_names(scenario)},
                idx)


def pair_uniforms(pairs: np.ndarray) -> np.ndarray:
    """The uniform number of each seed pair ``k``:
    ``np.random.default_rng([k & (2**63 - 1), SALT]).random()``, bit for bit, for all pairs
    at once (:func:`sim.model.streams.first_uniforms`; a Generator per pair costs 8 µs)."""
    return first_uniforms(np.asarray(pairs, dtype=np.int64) & np.int64(2**63 - 1), SALT)


def parameter_summary(values: pd.DataFrame, weights: np.ndarray,
                      bounds: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter of ``bounds`` (its prior range): weighted median, 90% credible interval
    and mean of ``values``, with the parameter's declared default and grade: the rows of a
    posterior's parameters table."""
    w = np.asarray(weights, dtype=float)
    rows = []
    for n, (lo, hi) in bounds.items():
        x = values[n].to_numpy(dtype=float)
        q5, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        rows.append({"parameter": n, "prior_lo": float(lo), "prior_hi": float(hi),
                     "median": q50, "lo90": q5, "hi90": q95,
                     "mean": float(np.average(x, weights=w)),
                     "default": float(PARAM_INFO[n].default), "grade": PARAM_INFO[n].grade})
    return pd.DataFrame(rows)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights: (sum w)² / sum w²."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w ** 2))


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> list[float]:
    """Weighted quantiles (inverse of the weighted empirical CDF, midpoint rule)."""
    order = np.argsort(x)
    x, w = np.asarray(x)[order], np.asarray(w, dtype=float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cdf, x)) for q in qs]


KNOWN_COLUMNS = ("particle", "weight", "distance")
"""Columns of posterior.parquet besides the parameters (``weight`` is required)."""


def load(folder: str | Path | None = None) -> Posterior:
    """The posterior in ``folder`` (``None`` or ``"default"``: the shipped one), validated
    (:func:`check`): PosteriorError names the file, the column and what is wrong."""
    folder = DEFAULT_DIR if folder in (None, "default") else Path(folder)  # type: ignore[arg-type]
    path = folder / "posterior.parquet"
    if not path.is_file():
        raise PosteriorError(f"{folder}: no posterior.parquet (expected the output folder of "
                             "`coalition-sim calibrate`)")
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise PosteriorError(f"{path}: not a readable Parquet table ({exc})") from None
    try:
        free = free_parameters(folder)
        literature = literature_parameters(folder)
    except (OSError, ValueError) as exc:
        raise PosteriorError(f"{folder / 'manifest.json'}: not a readable manifest ({exc})"
                             ) from None
    names, weights = check(df, path, None if free is None else [*free, *literature])
    return Posterior(folder, df[names].astype(float).reset_index(drop=True), weights,
                     tuple(n for n in names if n in literature))


def _recorded(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    from sim.output.manifest import read_manifest

    recorded = read_manifest(path)
    return recorded if isinstance(recorded, dict) else None


def free_parameters(folder: Path) -> list[str] | None:
    """The free parameters the calibration of ``folder`` fitted (its manifest's priors), or
    None if the folder has no calibration manifest."""
    recorded = _recorded(folder)
    priors = recorded.get("priors") if recorded is not None else None
    if not isinstance(priors, dict):
        return None
    return [str(n) for n in priors]


def literature_parameters(folder: Path) -> list[str]:
    """The parameters of ``folder``'s posterior drawn from literature priors (its manifest's
    ``literature_priors``; none if it has no such record)."""
    recorded = _recorded(folder)
    joined = recorded.get("literature_priors") if recorded is not None else None
    params = joined.get("parameters") if isinstance(joined, dict) else None
    return [str(n) for n in params] if isinstance(params, dict) else []


def check(df: pd.DataFrame, path: Path, free: Sequence[str] | None = None
          ) -> tuple[list[str], np.ndarray]:
    """The parameter columns and normalised weights of a posterior table, or PosteriorError:
    every column known (a parameter path or one of ``KNOWN_COLUMNS``), parameters numeric,
    finite and in range, the ``free`` parameters of the calibration (if known) all there and
    no others, weights numeric, finite and positive with a finite sum, particle ids unique."""
    from sim.util.naming import did_you_mean

    if len(df) == 0:
        raise PosteriorError(f"{path}: no particles (the table has no rows)")
    for c in df.columns:
        if not isinstance(c, str):
            raise PosteriorError(f"{path}: column {c!r}: expected a parameter path, found a "
                                 f"{type(c).__name__}")
        if c not in PARAM_INFO and c not in KNOWN_COLUMNS:
            close = did_you_mean(c, [*PARAM_INFO, *KNOWN_COLUMNS])
            hint = f" (did you mean {close!r}?)" if close else ""
            raise PosteriorError(f"{path}: unknown column {c!r}: expected a parameter path "
                                 f"(e.g. russia.pain_span) or one of {', '.join(KNOWN_COLUMNS)}"
                                 f"{hint}")
    if "weight" not in df.columns:
        raise PosteriorError(f"{path}: no 'weight' column")
    names = [c for c in df.columns if c in PARAM_INFO]
    if not names:
        raise PosteriorError(f"{path}: no parameter columns (dotted parameter paths)")
    if free is not None:
        missing = [n for n in free if n not in names]
        extra = [n for n in names if n not in free]
        if missing:
            raise PosteriorError(f"{path}: no column for the free parameter(s) "
                                 f"{', '.join(missing)} of its calibration or literature priors "
                                 "(manifest.json)")
        if extra:
            raise PosteriorError(f"{path}: column(s) {', '.join(extra)} are not free "
                                 "parameters of its calibration nor literature priors (manifest.json)")
    for n in names:
        if df[n].dtype.kind not in "iuf":
            raise PosteriorError(f"{path}: column {n}: expected numbers, found "
                                 f"{_dtype_text(df[n])}")
        problem = value_problem(n, df[n].to_numpy(dtype=float))
        if problem is not None:
            raise PosteriorError(f"{path}: {problem}")
    if df["weight"].dtype.kind not in "iuf":
        raise PosteriorError(f"{path}: column weight: expected numbers, found "
                             f"{_dtype_text(df['weight'])}")
    w = df["weight"].to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise PosteriorError(f"{path}: column weight, row {k + 1}: expected a finite "
                             f"positive number, found {w[k]!r}")
    with np.errstate(over="ignore"):
        total = float(np.sum(w))
    if not np.isfinite(total):
        raise PosteriorError(f"{path}: column weight: the weights sum to more than the "
                             "largest number (overflow); expected weights that sum to 1")
    if "particle" in df.columns:
        ids = df["particle"]
        if ids.dtype.kind not in "iu":
            raise PosteriorError(f"{path}: column particle: expected whole numbers (particle "
                                 f"ids), found {_dtype_text(ids)}")
        dup = ids[ids.duplicated()]
        if len(dup):
            raise PosteriorError(f"{path}: column particle: id {int(dup.iloc[0])} appears "
                                 "more than once; expected unique particle ids")
    return names, w / total


def _dtype_text(column: pd.Series) -> str:
    """What a column holds, for a message (``text, e.g. 'abc'``)."""
    if column.dtype.kind in "OSU":
        first = column.dropna()
        return f"text, e.g. {first.iloc[0]!r}" if len(first) else "text"
    return {"b": "true/false values"}.get(column.dtype.kind, str(column.dtype))


def manifest(folder: str | Path | None = None) -> dict:
    """The calibration's manifest.json (empty if it has none)."""
    folder = DEFAULT_DIR if folder in (None, "default") else Path(folder)  # type: ignore[arg-type]
    path = folder / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def uncertainty_by(runs: pd.DataFrame, by: Sequence[str], outcome: str) -> pd.DataFrame:
    """Per group of ``by`` (e.g. a sweep's points; none: one row): ``mean``, ``sd_total``
    over runs, ``sd_runs`` (the randomness of runs alone, from seed pairs 2k, 2k+1 that share
    a parameter draw), ``share_parameters`` = 1 - var_runs / var_total (the law of total
    variance, clipped to [0, 1]) and the number of complete ``pairs``.

    ``runs`` has ``seed``, the ``by`` columns and ``outcome``; NaN values are left out."""
    return uncertainty_table(runs, by, [outcome]).drop(columns="outcome")


SPLIT = ["mean", "sd_total", "sd_runs", "share_parameters", "pairs"]
"""The columns of :func:`uncertainty_table` besides the groups and the outcome."""


def uncertainty_table(runs: pd.DataFrame, by: Sequence[str], outcomes: Sequence[str]
                      ) -> pd.DataFrame:
    """:func:`uncertainty_by` of several outcomes at once, one row per outcome and group (the
    outcome's rows together, groups in order), the groups found once for all outcomes. A
    group with no value of an outcome has no row for it.

    Each grouped reduction is of one column (pandas' compensated sums: a reduction over
    several columns at once sums differently in the last bit); the arithmetic after them is
    one array operation over every outcome and group."""
    keys, cols = list(by), list(dict.fromkeys(outcomes))
    df = runs[[*keys, "seed", *cols]].copy()
    df["_pair"] = df["seed"].to_numpy() // 2
    if not keys:
        df["_all"] = 0
        keys = ["_all"]
    groups, pairs = df.groupby(keys), df.groupby([*keys, "_pair"])
    index = groups.size().index
    count, mean, var_total, var_runs, n_pairs = (np.empty((len(cols), len(index)))
                                                 for _ in range(5))
    for i, c in enumerate(cols):
        g, p = groups[c], pairs[c]
        count[i], mean[i], var_total[i] = g.count(), g.mean(), g.var(ddof=1)
        complete = p.count() == 2
        half_sq = ((p.max() - p.min())[complete] ** 2 / 2).groupby(level=keys)
        var_runs[i] = half_sq.mean().reindex(index)
        n_pairs[i] = half_sq.size().reindex(index).fillna(0)
    ok = (var_total > 0) & ~np.isnan(var_runs)
    with np.errstate(invalid="ignore"):
        share = np.where(ok, np.clip(1 - var_runs / np.where(ok, var_total, 1.0), 0, 1), np.nan)
    keep = (count > 0).ravel()
    groups_of = np.tile(np.arange(len(index)), len(cols))[keep]
    table = index.to_frame(index=False).iloc[groups_of].reset_index(drop=True)
    table = table[list(by)].assign(outcome=np.repeat(np.array(cols, dtype=object), len(index))[keep])
    for name, values in (("mean", mean), ("sd_total", var_total ** 0.5),
                         ("sd_runs", var_runs ** 0.5), ("share_parameters", share),
                         ("pairs", n_pairs.astype(int))):
        table[name] = values.ravel()[keep]
    return table


def uncertainty(summary: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Per outcome: mean, total sd over runs, the sd of runs alone (within seed pairs that
    share a parameter draw) and the share of the variance due to the parameters: what
    :func:`uncertainty_by` gives with no groups, for every outcome in one pass (a comparison
    asks it for each of its cells, so it must be cheap).

    ``summary`` has ``seed`` and the outcomes (a run's summary table with a posterior)."""
    return uncertainty_table(summary, [], outcomes)


def fingerprint(posterior: Posterior | None) -> str | None:
    """Short hash of a posterior's particles and weights (None without one): a sweep that
    resumes must draw from the same posterior."""
    if posterior is None:
        return None
    h = hashlib.sha256()
    h.update(json.dumps(posterior.names).encode())
    h.update(np.ascontiguousarray(posterior.particles.to_numpy(dtype=np.float64)).tobytes())
    h.update(np.ascontiguousarray(posterior.weights, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]
