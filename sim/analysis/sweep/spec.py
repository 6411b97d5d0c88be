"""Sweep and sensitivity specs: YAML files validated into pydantic models.

A sweep spec names a base scenario, grid axes over dotted parameter paths (a list of values or
a linspace), replicates, a base seed, the outputs to summarise and plot, and a chunk size. A
sensitivity spec names a base scenario, parameter ranges, a method (Sobol or Morris) and its
sample size. Bad input raises :class:`~sim.scenario.errors.ScenarioError` naming the file, the
line, the dotted key, what was expected and what was found.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.model.outcomes import PER_RUN_NAMES
from sim.model.parameters import PARAM_INFO, ParameterError, check_value, path_problem
from sim.scenario import Scenario, load_scenario
from sim.scenario.errors import Issue, ScenarioError, did_you_mean, found_repr
from sim.scenario.yaml_safe import (
    MAX_BYTES,  # noqa: F401  (the one limit, shared)
    read,
)

DEFAULT_OUTPUTS = ("pledged_troops", "holds")


def check_param(path: str) -> str:
    """``path`` if it is a sweepable parameter, else a ValueError with a suggestion."""
    problem = path_problem(path)
    if problem is not None:
        raise ValueError(f"unknown parameter {path!r}"
                         + (f" (did you mean {problem.suggestion!r}?)" if problem.suggestion
                            else ""))
    return path


def check_in_range(path: str, values: list[float] | np.ndarray) -> None:
    """ValueError unless every value lies in the parameter's documented range."""
    try:
        check_value(path, np.atleast_1d(np.asarray(values, dtype=float)))
    except ParameterError as exc:
        p = exc.problem
        raise ValueError(f"{path} must be {p.expected}, found {p.found}") from None


def check_outputs(names: list[str]) -> list[str]:
    """The names if each is an engine summary outcome."""
    for n in names:
        if n not in PER_RUN_NAMES:
            hint = did_you_mean(n, PER_RUN_NAMES)
            raise ValueError(f"unknown output {n!r}; expected one of {', '.join(PER_RUN_NAMES)}"
                             + (f" (did you mean {hint!r}?)" if hint else ""))
    if len(set(names)) != len(names):
        raise ValueError("outputs are listed twice")
    return names


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Axis(_Strict):
    """One grid axis: a parameter and its values (a list, or ``linspace: [start, stop, num]``)."""

    param: str = Field(description="Dotted parameter path, e.g. us.backstop_scale.")
    values: list[float] | None = Field(None, min_length=1, description="The values, in order.")
    linspace: tuple[float, float, int] | None = Field(
        None, description="[start, stop, number of values], both ends included.")

    @field_validator("param")
    @classmethod
    def _known(cls, v: str) -> str:
        return check_param(v)

    @model_validator(mode="after")
    def _one_form(self) -> Axis:
        from sim.util.limits import MAX_DESIGN_RUNS

        if (self.values is None) == (self.linspace is None):
            raise ValueError("give exactly one of 'values' or 'linspace'")
        if self.linspace is not None and self.linspace[2] < 1:
            raise ValueError("linspace needs at least 1 value")
        if self.linspace is not None and self.linspace[2] > MAX_DESIGN_RUNS:
            raise ValueError(f"linspace asks for {self.linspace[2]:,} values, more than the "
                             f"{MAX_DESIGN_RUNS:,} runs a sweep may have")
        grid = self.grid()
        if len(np.unique(grid)) != len(grid):
            raise ValueError(f"{self.param}: values are repeated")
        check_in_range(self.param, grid)
        return self

    def grid(self) -> np.ndarray:
        """The axis values as float64."""
        if self.values is not None:
            return np.asarray(self.values, dtype=np.float64)
        start, stop, num = self.linspace  # type: ignore[misc]
        return np.linspace(start, stop, num)


class _RunSpec(_Strict):
    """What sweep and sensitivity specs share: scenario, replicates, seed, horizon, chunks."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Short id (output folder).")
    description: str = Field("", description="One line: what this is for.")
    scenario: str = Field(description="Base scenario: a name in scenarios/ or a path to a file "
                                      "(relative to this spec's folder).")
    horizon: int | None = Field(None, ge=1, le=600, description="Months (default: scenario's).")
    replicates: int = Field(10, ge=1, le=100_000, description="Seeded runs per point.")
    seed: int | None = Field(None, ge=0, le=2**62,
                             description="Base seed; replicate r uses seed + r (default: "
                                         "the scenario's seed).")
    fixed: dict[str, float] = Field(default_factory=dict,
                                    description="Parameters set for every run, by dotted path.")
    outputs: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTPUTS),
                               min_length=1, description="Summary outcomes to analyse and plot.")
    chunk_size: int = Field(10_000, ge=1, le=1_000_000, description="Runs per chunk file.")
    _file: Path | None = PrivateAttr(None)
    _node: Any = PrivateAttr(None)

    @field_validator("fixed")
    @classmethod
    def _fixed_known(cls, v: dict[str, float]) -> dict[str, float]:
        for path, x in v.items():
            check_param(path)
            check_in_range(path, [x])
        return v

    @field_validator("outputs")
    @classmethod
    def _outputs_known(cls, v: list[str]) -> list[str]:
        return check_outputs(v)


class SweepSpec(_RunSpec):
    """A full-factorial grid over parameters × replicates (common random numbers)."""

    kind: Literal["sweep"] = "sweep"
    axes: list[Axis] = Field(min_length=1, description="Grid axes; the first varies slowest.")

    @model_validator(mode="after")
    def _distinct(self) -> SweepSpec:
        from sim.util.limits import MAX_DESIGN_RUNS, MAX_POINT_ROWS, MAX_SAMPLE_VALUES

        points = math.prod(self.shape)
        if points * self.replicates > MAX_DESIGN_RUNS:
            raise ValueError(
                f"the grid has {points:,} points × {self.replicates:,} replicates = "
                f"{points * self.replicates:,} runs, more than the {MAX_DESIGN_RUNS:,} a sweep "
                "may have: use fewer values per axis or fewer replicates")
        runs, d = points * self.replicates, len(self.axes)
        if runs * d > MAX_SAMPLE_VALUES:
            raise ValueError(
                f"{runs:,} runs × {d} axes = {runs * d:,} parameter values, more than "
                f"{MAX_SAMPLE_VALUES:,}: use fewer values per axis, fewer axes or fewer "
                "replicates")
        if points * len(self.outputs) > MAX_POINT_ROWS:
            raise ValueError(
                f"the grid has {points:,} points × {len(self.outputs)} outputs = "
                f"{points * len(self.outputs):,} rows of statistics, more than "
                f"{MAX_POINT_ROWS:,}: use fewer values per axis (more replicates are fine)")
        params = [a.param for a in self.axes]
        dup = {p for p in params if params.count(p) > 1}
        if dup:
            raise ValueError(f"axis {sorted(dup)[0]!r} is listed twice")
        both = set(params) & set(self.fixed)
        if both:
            raise ValueError(f"{sorted(both)[0]!r} is both an axis and fixed")
        return self

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(a.param for a in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a.values) if a.values is not None else int(a.linspace[2])  # type: ignore[index]
                     for a in self.axes)

    def points(self) -> np.ndarray:
        """Every grid point (P, D) in C order: point index = ravel_multi_index(axis indices)."""
        return self.grid()[:]

    def grid(self) -> Grid:
        """The grid points, made a slice at a time (:class:`Grid`)."""
        return Grid([a.grid() for a in self.axes])


class Grid:
    """The points of a full-factorial grid, in C order, without holding them all.

    Behaves like the (P, D) float64 array of the points where a sweep needs it: ``shape``,
    ``len`` and slicing rows (``grid[lo:hi]`` is an array); ``blocks()`` yields the rows a
    block at a time."""

    def __init__(self, axes: list[np.ndarray]):
        self.axes = [np.asarray(a, dtype=np.float64) for a in axes]
        self.sizes = tuple(len(a) for a in self.axes)
        self.shape = (math.prod(self.sizes), len(self.axes))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: slice) -> np.ndarray:
        if not isinstance(index, slice):
            raise TypeError("a Grid is sliced by rows: grid[lo:hi]")
        rows = np.arange(*index.indices(self.shape[0]), dtype=np.int64)
        if not len(rows):
            return np.empty((0, self.shape[1]), dtype=np.float64)
        idx = np.unravel_index(rows, self.sizes)
        return np.column_stack([a[i] for a, i in zip(self.axes, idx, strict=True)])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype)

    def blocks(self, rows: int = 1 << 16) -> Any:
        for lo in range(0, self.shape[0], rows):
            yield self[lo:lo + rows]


class Range(_Strict):
    """A parameter's range for sensitivity analysis (default: its documented range)."""

    lo: float | None = None
    hi: float | None = None


class SensitivitySpec(_RunSpec):
    """Global sensitivity of summary outcomes to parameter ranges (SALib Sobol or Morris)."""

    kind: Literal["sensitivity"] = "sensitivity"
    method: Literal["sobol", "morris"] = Field(description="sobol (S1, ST) or morris (mu*, sigma).")
    samples: int = Field(ge=2, le=1_000_000,
                         description="Sobol: base sample N (a power of 2; runs N*(D+2) points). "
                                     "Morris: number of trajectories (runs r*(D+1) points).")
    parameters: dict[str, Range | tuple[float, float] | None] = Field(
        min_length=2, description="Dotted path → [lo, hi] (null: the documented range).")
    num_levels: int = Field(4, ge=2, le=100, description="Morris grid levels.")
    conf_level: float = Field(0.90, gt=0, lt=1,
                              description="Confidence level of the intervals (90%, as every report).")
    num_resamples: int = Field(100, ge=10, le=10_000, description="Bootstrap resamples.")
    replicates: int = Field(4, ge=1, le=100_000,
                            description="Seeded runs per sample point (outputs are averaged).")

    @field_validator("parameters")
    @classmethod
    def _ranges(cls, v: dict[str, Any]) -> dict[str, Any]:
        for path, r in v.items():
            check_param(path)
            info = PARAM_INFO[path]
            lo, hi = _bounds(r, info.lo, info.hi)
            check_in_range(path, [lo, hi])
            if not lo < hi:
                raise ValueError(f"{path}: range must have lo < hi, found [{lo:g}, {hi:g}]")
        return v

    @model_validator(mode="after")
    def _checks(self) -> SensitivitySpec:
        both = set(self.parameters) & set(self.fixed)
        if both:
            raise ValueError(f"{sorted(both)[0]!r} is both varied and fixed")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples for sobol must be a power of 2, found {self.samples}")
        from sim.util.limits import MAX_BOOTSTRAP, MAX_DESIGN_RUNS, MAX_SAMPLE_VALUES

        d = len(self.parameters)
        points = self.samples * (d + 2 if self.method == "sobol" else d + 1)
        if points * self.replicates > MAX_DESIGN_RUNS:
            raise ValueError(f"{points:,} sample points × {self.replicates:,} replicates = "
                             f"{points * self.replicates:,} runs, more than the "
                             f"{MAX_DESIGN_RUNS:,} a spec may ask for: lower samples or "
                             "replicates")
        if self.samples * self.num_resamples > MAX_BOOTSTRAP:
            raise ValueError(f"samples × num_resamples = {self.samples:,} × "
                             f"{self.num_resamples:,} = {self.samples * self.num_resamples:,} "
                             f"bootstrap values, more than {MAX_BOOTSTRAP:,} (SALib draws them "
                             "at once): lower samples or num_resamples")
        if points * d > MAX_SAMPLE_VALUES:
            raise ValueError(f"the sample has {points:,} points × {d} parameters = "
                             f"{points * d:,} values, more than {MAX_SAMPLE_VALUES:,}: lower "
                             "samples")
        return self

    def problem(self) -> dict[str, Any]:
        """The SALib problem: names and bounds."""
        names = list(self.parameters)
        bounds = [list(_bounds(self.parameters[n], PARAM_INFO[n].lo, PARAM_INFO[n].hi))
                  for n in names]
        return {"num_vars": len(names), "names": names, "bounds": bounds}


def _bounds(r: Any, lo: float, hi: float) -> tuple[float, float]:
    if r is None:
        return lo, hi
    if isinstance(r, Range):
        return (lo if r.lo is None else r.lo), (hi if r.hi is None else r.hi)
    return float(r[0]), float(r[1])


# --------------------------------------------------------------------------- loading

def _line_of(lines: dict[tuple, int] | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the key path ``loc`` (or of its deepest written parent)."""
    if not lines:
        return None
    for n in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:n]))
        if line is not None:
            return line
    return None


def _issues(exc: ValidationError, node: dict[tuple, int] | None, file: str) -> list[Issue]:
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (
            p.startswith("function-") or p in {"Range", "tuple[float, float]"})))
        key = ".".join(str(p) for p in loc) or None
        msg = err["msg"].removeprefix("Value error, ")
        raw = err.get("input")
        found = None if err["type"] == "missing" or isinstance(raw, dict | list) else found_repr(
            raw)
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append(Issue(msg, file, _line_of(node, loc), key, None, found))
    return out


def load_spec[T: BaseModel](path: str | Path, model: type[T]) -> T:
    """A validated spec from a YAML file (ScenarioError with file, line and key otherwise).

    ``model`` is a spec model with a ``kind`` field (its default names the kind: sweep,
    sensitivity, calibration) and the private attributes ``_file`` and ``_node``. Read with the
    scenario files' safe YAML reader (:mod:`sim.scenario.yaml_safe`): a regular file of at most
    MAX_BYTES, plain data, the same alias, size and nesting limits."""
    path = Path(path)
    file = str(path)
    doc = read(path, file, what="spec", dotted_sections=())
    data = doc.data
    kind_default = model.model_fields["kind"].default
    guessed = "sweep" if "axes" in data else "sensitivity" if "method" in data else None
    kind = data.get("kind", guessed or kind_default)
    if kind != kind_default:
        raise ScenarioError(f"this is a {kind!r} spec, expected {kind_default!r}", file=file,
                            line=_line_of(doc.lines, ("kind",)), key="kind")
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_issues(exc, doc.lines, file)) from None
    spec._file, spec._node = path, doc.lines
    return spec


def resolve_scenario(spec: _RunSpec) -> Scenario:
    """The spec's base scenario with its horizon override applied.

    A path is taken relative to the spec file's folder (or the working folder).
    """
    try:
        return _resolve(spec)
    except ScenarioError as exc:
        if spec._file is None:
            raise
        line = _line_of(spec._node, ("scenario",))
        raise ScenarioError([i if i.file else Issue(**{**i.__dict__, "file": str(spec._file),
                                                       "line": line})
                             for i in exc.issues]) from None


def _resolve(spec: _RunSpec) -> Scenario:
    origin = spec._file.resolve().parent if spec._file is not None else Path.cwd()
    ref = spec.scenario
    candidate = Path(ref) if Path(ref).is_absolute() else origin / ref
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        if not candidate.exists():
            raise ScenarioError("scenario file not found", key="scenario", found=ref)
        sc = load_scenario(candidate)
    else:
        from sim.scenario.loader import scenario_names

        names = scenario_names()
        if ref not in names:
            raise ScenarioError("unknown scenario", key="scenario", found=ref,
                                expected="a name in scenarios/ or a path to a .yaml file",
                                suggestion=did_you_mean(ref, names))
        sc = load_scenario(ref)
    if spec.horizon is not None:
        sc = sc.model_copy(update={"horizon": spec.horizon})
    return sc


def spec_hash(obj: Any) -> str:
    """A short stable hash of a JSON-able object (sorted keys)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=_plain).encode()).hexdigest()[:16]


def _plain(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, BaseModel):
        return x.model_dump(mode="json")
    raise TypeError(type(x).__name__)
