"""Literature priors for the parameters the 2025 record cannot inform (seeds/priors.yaml).

No ceasefire was agreed in 2025, so the record says nothing about how a ceasefire breaks down,
what deters a breakdown or how hard Russia objects to a force; the calibration leaves those
parameters out. Each gets a prior from the ceasefire-durability and deterrence literature
(a lognormal, beta, triangular or uniform, truncated to the parameter's documented range),
and the shipped posterior is the calibrated particles joined with independent draws from
these priors (:func:`join`: one draw per particle), so every run that draws from it draws
both.

- :func:`load` reads and validates a priors file (ScenarioError naming file, line and key;
  exit 2 on the CLI);
- :func:`draw` draws ``n`` values of every prior, deterministically from a seed;
- :func:`join` adds one column per literature parameter to a table of particles;
- ``python -m sim.analysis.calibration.priors --join seeds/posterior`` joins them into a
  posterior folder and records in its manifest which parameters are calibrated and which
  come from literature priors (with the priors file's sha256).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import zlib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from sim.analysis.sweep.spec import _issues, _line_of
from sim.model.parameters import PARAM_INFO, path_problem
from sim.scenario.errors import Issue, ScenarioError

DEFAULT_FILE = Path(__file__).resolve().parents[3] / "seeds" / "priors.yaml"
"""The shipped literature priors."""
DEFAULT_SEED = 1
"""Seed of the draws joined into the shipped posterior."""
CENTRAL = 0.90
"""A prior's default must lie inside its central interval of this mass."""
GRADES = ("figure", "direction", "assumption")
"""What the cited source supports (as for parameters; sim/model/parameters.py)."""


class _Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    grade: Literal["figure", "direction", "assumption"] = Field(
        description="figure: the source states the numbers; direction: only a sign or order; "
                    "assumption: the spread is ours, guided by the source.")
    cite: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1,
                                                            description="The sources.")
    reason: str = Field(min_length=1, description="Why this prior, in a line.")

    def frozen(self) -> Any:
        """The untruncated scipy.stats distribution."""
        raise NotImplementedError

    def shape(self) -> dict[str, float]:
        """The family's parameters as written."""
        return self.model_dump(exclude={"family", "grade", "cite", "reason"})


class LogNormal(_Prior):
    family: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0, description="Standard deviation of the log.")

    def frozen(self) -> Any:
        from scipy import stats

        return stats.lognorm(self.sigma, scale=self.median)


class Beta(_Prior):
    family: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)

    def frozen(self) -> Any:
        from scipy import stats

        return stats.beta(self.a, self.b)


class Triangular(_Prior):
    family: Literal["triangular"]
    left: float
    mode: float
    right: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.left <= self.mode <= self.right and self.left < self.right):
            raise ValueError(f"expected left <= mode <= right and left < right, found "
                             f"{self.left}, {self.mode}, {self.right}")
        return self

    def frozen(self) -> Any:
        from scipy import stats

        width = self.right - self.left
        return stats.triang((self.mode - self.left) / width, loc=self.left, scale=width)


class Uniform(_Prior):
    family: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"expected low < high, found {self.low}, {self.high}")
        return self

    def frozen(self) -> Any:
        from scipy import stats

        return stats.uniform(loc=self.low, scale=self.high - self.low)


Prior = Annotated[LogNormal | Beta | Triangular | Uniform, Field(discriminator="family")]


class Priors(BaseModel):
    """A priors file: ``priors`` (parameter path → prior) and ``left_out`` (parameter path →
    why it has no literature prior and stays at its default)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    priors: dict[str, Prior] = Field(min_length=1)
    left_out: dict[str, str] = Field(default_factory=dict)
    _file: Path | None = PrivateAttr(None)
    _sha256: str | None = PrivateAttr(None)

    @property
    def names(self) -> list[str]:
        return list(self.priors)

    @property
    def sha256(self) -> str | None:
        """The sha256 of the file read (None if built in code)."""
        return self._sha256

    def support(self, name: str) -> tuple[float, float]:
        """Where ``name``'s prior is truncated: its documented range."""
        info = PARAM_INFO[name]
        return float(info.lo), float(info.hi)

    def quantiles(self, name: str, qs: list[float]) -> np.ndarray:
        """Quantiles of ``name``'s truncated prior."""
        dist = self.priors[name].frozen()
        lo, hi = self.support(name)
        a, b = dist.cdf(lo), dist.cdf(hi)
        return np.asarray(dist.ppf(a + np.asarray(qs) * (b - a)), dtype=float)


def _check(priors: Priors, lines: dict | None, file: str) -> None:
    """Known parameters, a prior with mass in the range, the default in its central 90%."""
    issues = []
    tail = (1 - CENTRAL) / 2
    for section in ("priors", "left_out"):
        for name in getattr(priors, section):
            problem = path_problem(name)
            if problem is not None:
                issues.append(Issue(str(problem), file, _line_of(lines, (section, name)),
                                    f"{section}.{name}"))
    both = sorted(set(priors.priors) & set(priors.left_out))
    for name in both:
        issues.append(Issue("named in both priors and left_out", file,
                            _line_of(lines, ("left_out", name)), f"left_out.{name}"))
    if issues:
        raise ScenarioError(issues)
    for name, prior in priors.priors.items():
        loc = ("priors", name)
        dist = prior.frozen()
        lo, hi = priors.support(name)
        mass = float(dist.cdf(hi) - dist.cdf(lo))
        if not mass > 1e-9:
            issues.append(Issue("the prior has no mass in the parameter's documented range",
                                file, _line_of(lines, loc), ".".join(loc),
                                f"a prior overlapping [{lo:g}, {hi:g}]", prior.family))
            continue
        q_lo, q_hi = priors.quantiles(name, [tail, 1 - tail])
        default = float(PARAM_INFO[name].default)
        if not q_lo <= default <= q_hi:
            issues.append(Issue(
                f"the default {default:g} lies outside the prior's central "
                f"{CENTRAL:.0%} [{q_lo:.4g}, {q_hi:.4g}]", file, _line_of(lines, loc),
                ".".join(loc), "a prior whose central 90% holds the parameter's default",
                prior.family))
    if issues:
        raise ScenarioError(issues)


FAMILIES = ("lognormal", "beta", "triangular", "uniform")
"""The families a prior may take."""


def _located(exc: ValidationError, lines: dict | None, file: str) -> list[Issue]:
    """The spec loaders' issues, without pydantic's family tag in the key (``priors.P.sigma``,
    not ``priors.P.lognormal.sigma``) and at the line of the key."""
    out = []
    for issue in _issues(exc, lines, file):
        parts = (issue.key or "").split(".")
        if len(parts) > 3 and parts[0] == "priors" and parts[-2] in FAMILIES:
            name = ".".join(parts[1:-2])
            loc = ("priors", name, parts[-1])
            issue = Issue(**{**issue.__dict__, "key": ".".join(loc),
                             "line": _line_of(lines, loc)})
        out.append(issue)
    return out


def load(path: str | Path | None = None) -> Priors:
    """The validated priors of ``path`` (None: seeds/priors.yaml); ScenarioError naming file,
    line and key otherwise (a missing or unreadable file, an unknown key, parameter or family,
    a bad shape, a default outside the prior's central 90%)."""
    from sim.scenario.yaml_safe import read

    path = DEFAULT_FILE if path is None else Path(path)
    file = str(path)
    doc = read(path, file, what="priors", dotted_sections=())
    try:
        priors = Priors.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(_located(exc, doc.lines, file)) from None
    _check(priors, doc.lines, file)
    priors._file = path
    priors._sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return priors


def _stream(seed: int, name: str) -> np.random.Generator:
    """A parameter's own stream: the same values whichever other priors the file holds."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(
        zlib.crc32(name.encode()),)))


def draw(priors: Priors, n: int, seed: int) -> pd.DataFrame:
    """``n`` independent draws of every prior (one column per parameter path), by inverse
    CDF of the prior truncated to the parameter's range; deterministic from ``seed``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, found {n}")
    out = {}
    for name, prior in priors.priors.items():
        dist = prior.frozen()
        lo, hi = priors.support(name)
        a, b = dist.cdf(lo), dist.cdf(hi)
        u = _stream(seed, name).random(n)
        x = np.asarray(dist.ppf(a + u * (b - a)), dtype=float)
        out[name] = np.clip(x, lo, hi)  # ppf may round a hair past the range
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def join(particles: pd.DataFrame, priors: Priors, seed: int) -> pd.DataFrame:
    """``particles`` with one column per literature parameter added: independent draws, one
    per particle (:func:`draw`). A parameter already a column (calibrated) is a ValueError:
    a parameter is either calibrated or drawn from the literature, never both."""
    overlap = [n for n in priors.names if n in particles.columns]
    if overlap:
        raise ValueError(f"{', '.join(overlap)}: already in the particles (calibrated); a "
                         "literature prior is only for a parameter the calibration leaves out")
    drawn = draw(priors, len(particles), seed)
    drawn.index = particles.index
    return pd.concat([particles, drawn], axis=1)


def record(priors: Priors, seed: int) -> dict[str, Any]:
    """What a posterior's manifest records of the priors joined into it."""
    where = priors._file
    shown = (str(where.resolve().relative_to(DEFAULT_FILE.parents[1]))
             if where is not None and where.resolve().is_relative_to(DEFAULT_FILE.parents[1])
             else str(where))
    return {"file": shown, "sha256": priors.sha256, "seed": int(seed),
            "rule": "one independent draw per particle from each prior, truncated to the "
                    "parameter's documented range",
            "parameters": {n: {"family": p.family, **p.shape(), "grade": p.grade,
                               "cite": list(p.cite),
                               "support": list(priors.support(n))}
                           for n, p in priors.priors.items()},
            "left_out": dict(priors.left_out)}


SUMMARY_COLUMNS = ("parameter", "prior_lo", "prior_hi", "median", "lo90", "hi90", "mean",
                   "default", "grade", "source")
"""Columns of a posterior's parameters table (``source``: calibrated or literature prior)."""


def join_folder(folder: Path, priors: Priors, seed: int = DEFAULT_SEED) -> list[str]:
    """Join ``priors`` into the posterior in ``folder`` (posterior.parquet, the parameters
    table and manifest.json), replacing an earlier join; the columns added."""
    import json

    from sim.analysis import posterior as post
    from sim.output.io import write_json, write_table

    table_path = folder / "posterior.parquet"
    manifest_path = folder / "manifest.json"
    if not table_path.is_file() or not manifest_path.is_file():
        raise post.PosteriorError(f"{folder}: expected a posterior folder (posterior.parquet "
                                  "and manifest.json of `coalition-sim calibrate`)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    earlier = list((manifest.get("literature_priors") or {}).get("parameters") or {})
    particles = pd.read_parquet(table_path).drop(columns=earlier, errors="ignore")
    joined = join(particles, priors, seed)
    calibrated = [c for c in particles.columns if c in PARAM_INFO]
    columns = [*[c for c in particles.columns if c not in ("weight", "distance")],
               *priors.names, *[c for c in ("weight", "distance") if c in particles.columns]]
    joined = joined[columns]
    tmp = table_path.with_name(".posterior.parquet.tmp")
    joined.to_parquet(tmp, index=False)
    tmp.replace(table_path)
    manifest["calibrated"] = calibrated
    manifest["literature_priors"] = record(priors, seed)
    rows = post.parameter_summary(joined, joined["weight"].to_numpy(dtype=float),
                                  {n: (PARAM_INFO[n].lo, PARAM_INFO[n].hi) for n in priors.names})
    listed = [r for r in manifest.get("posterior") or [] if r.get("parameter") not in earlier]
    for r in listed:
        r["source"] = "calibrated"
    listed += [{**r, "source": "literature prior"} for r in rows.to_dict("records")]
    manifest["posterior"] = listed
    if (folder / "parameters.parquet").is_file() or (folder / "parameters.csv").is_file():
        table = pd.DataFrame(listed)
        order = [c for c in SUMMARY_COLUMNS if c in table.columns]
        write_table(table[[*order, *[c for c in table.columns if c not in order]]],
                    folder / "parameters")
    write_json(manifest_path, manifest)
    post.load(folder)  # the joined folder loads (raises PosteriorError otherwise)
    return priors.names


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m sim.analysis.calibration.priors",
        description="Check a literature priors file, or join its draws into a posterior folder.")
    p.add_argument("--priors", type=Path, default=None,
                   help="the priors file (default: seeds/priors.yaml)")
    p.add_argument("--join", type=Path, metavar="FOLDER",
                   help="a posterior folder (e.g. seeds/posterior) to add the literature "
                        "parameters to (replacing an earlier join)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the draws")
    args = p.parse_args(argv)
    from sim.analysis.posterior import PosteriorError

    try:
        priors = load(args.priors)
        if args.join is None:
            for n in priors.names:
                q = priors.quantiles(n, [0.05, 0.5, 0.95])
                print(f"{n:32s} {priors.priors[n].family:10s} median {q[1]:.4g}  "
                      f"90% [{q[0]:.4g}, {q[2]:.4g}]  default {PARAM_INFO[n].default:g}")
            return 0
        added = join_folder(args.join, priors, args.seed)
    except (ScenarioError, PosteriorError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"joined {len(added)} literature parameters into {args.join}: {', '.join(added)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

