"""EMA Workbench adapter: the model as an EMA ``ReplicatorModel`` built from its declarations.

``ema_model("sep-2025-paris")`` returns a model whose

- **uncertainties** are the declared parameters (``sim.model.parameters.PARAM_INFO``), each a
  ``RealParameter`` over its documented range; EMA names must be identifiers, so a dotted path
  ``us.backstop.intelligence`` is named ``us__backstop__intelligence`` (:func:`ema_name`,
  reversed by :func:`dotted_path`) and keeps the dotted path as its ``variable_name``;
- **levers** are the force design (a ``CategoricalParameter`` over every file in
  scenarios/designs/) and any parameter paths asked for;
- **outcomes** are the declared per-run outcomes (``sim.model.outcomes.PER_RUN``), each a
  ``ScalarOutcome`` (MAXIMIZE or MINIMIZE from its ``direction``, INFO otherwise) whose value
  is the mean over the experiment's replicates (for a ``month`` outcome, over the replicates
  where the event happened; NaN if in none);
- **replications** are ``[{"seed": seed + i} for i in range(replicates)]``: one experiment's
  replicates run as ONE batch of the batch engine (``compile_batch`` + ``simulate``), and every
  experiment uses the same seeds (common random numbers), so results are reproducible and
  differences between experiments are not seed noise.

An experiment's values hold from the first month; an event of the scenario that sets the same
parameter (or puts a design on the table) replaces it from the event's month, as in ``run``,
sweeps and sensitivity analyses.

EMA's ``perform_experiments``, PRIM, feature scoring and ``optimize`` take the model as it is.
ema_workbench (3.x, the ``analysis`` extra) is imported only when a model is built: importing
this module, or ``sim``, never loads it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.batch import compile_batch, simulate
from sim.model.outcomes import PER_RUN, PER_RUN_BY_NAME, Outcome
from sim.model.parameters import PARAM_INFO, ParameterError, check_value, flatten, path_problem
from sim.scenario.designs import design_names
from sim.scenario.errors import did_you_mean
from sim.scenario.overrides import load, with_overrides
from sim.scenario.schema import Scenario

SEP = "__"
"""What stands for a dot in an EMA name (no parameter name contains two underscores)."""
DESIGN_LEVER = "design"
"""Name of the force-design lever."""
INSTALL_HINT = "pip install -e '.[analysis]'"


class EmaError(ValueError):
    """A bad argument to the adapter: what was expected and what was found."""


def ema_name(path: str) -> str:
    """EMA (identifier) name of a dotted parameter path: ``us.backstop.intelligence`` →
    ``us__backstop__intelligence``."""
    return path.replace(".", SEP)


def dotted_path(name: str) -> str:
    """The dotted parameter path of an EMA name (the inverse of :func:`ema_name`)."""
    return name.replace(SEP, ".")


def default_uncertainties() -> list[str]:
    """Every declared parameter except the force design's (``design.*``, set by the lever)."""
    return [p for p in PARAM_INFO if not p.startswith("design.")]


def _check_path(path: str, what: str) -> str:
    problem = path_problem(path)
    if problem is not None:
        raise EmaError(f"{what}: {problem}")
    return path


Spec = Sequence[str] | Mapping[str, tuple[float, float] | None]
"""Parameters by dotted path: a list (each over its declared range) or a mapping path →
(low, high) within the declared range (None: the declared range)."""


def _spec(spec: str | Spec) -> dict[str, tuple[float, float] | None]:
    if isinstance(spec, str):
        return {spec: None}
    return dict(spec) if isinstance(spec, Mapping) else dict.fromkeys(spec)


def _ranges(spec: Mapping[str, tuple[float, float] | None], what: str
            ) -> dict[str, tuple[float, float]]:
    """Dotted path → (low, high): the declared range, or a narrower one the caller gives."""
    out: dict[str, tuple[float, float]] = {}
    for given, bounds in spec.items():
        path = dotted_path(given)  # an EMA name is accepted too
        info = PARAM_INFO[_check_path(path, what)]
        if path in out:
            raise EmaError(f"{what}: {path} is given twice")
        if bounds is None:
            out[path] = (info.lo, info.hi)
            continue
        try:
            lo, hi = (float(b) for b in bounds)
            check_value(path, [lo, hi])
        except (TypeError, ValueError) as exc:
            found = str(exc) if isinstance(exc, ParameterError) else repr(bounds)
            raise EmaError(f"{what}: {path}: expected (low, high) within [{info.lo:g}, "
                           f"{info.hi:g}], found {found}") from None
        if not lo < hi:
            raise EmaError(f"{what}: {path}: expected low < high, found ({lo:g}, {hi:g})")
        out[path] = (lo, hi)
    return out


def _outcomes(names: Sequence[str] | None) -> list[Outcome]:
    if names is None:
        return list(PER_RUN)
    bad = [n for n in names if n not in PER_RUN_BY_NAME]
    if bad:
        hint = did_you_mean(bad[0], PER_RUN_BY_NAME)
        raise EmaError(f"outcomes: unknown per-run outcome {bad[0]!r} (expected one of "
                       f"{', '.join(PER_RUN_BY_NAME)})" + (f"; did you mean {hint!r}?" if hint else ""))
    return [PER_RUN_BY_NAME[n] for n in dict.fromkeys(names)]


def mean_over_replicates(values: Any) -> float:
    """An outcome's value for one experiment: the mean over its replicates."""
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def mean_where_happened(values: Any) -> float:
    """A ``month`` outcome's value for one experiment: the mean over the replicates where the
    event happened (NaN if it happened in none)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    return float(x.mean()) if x.size else float("nan")


@dataclass
class BatchRun:
    """The model function: one experiment's replicates as one batch of the batch engine.

    Called with ``seeds`` (one per replicate), the design lever's value (a design name, or
    None for the scenario's own) and parameter values by dotted path; returns every per-run
    outcome asked for, one value per replicate.
    """

    scenario: Scenario
    outcomes: tuple[str, ...]
    _variants: dict[str, Scenario] = field(default_factory=dict, repr=False, compare=False)

    def variant(self, design: str | None) -> Scenario:
        """The scenario with ``design`` on the table (cached per design)."""
        if design is None or design == self.scenario.design:
            return self.scenario
        if design not in self._variants:
            self._variants[design] = with_overrides(self.scenario, {"design": design})
        return self._variants[design]

    def __call__(self, seeds: Sequence[int], design: str | None = None,
                 **values: float) -> dict[str, np.ndarray]:
        batch = compile_batch(self.variant(design), seeds=np.asarray(seeds, dtype=np.int64),
                              values={k: float(v) for k, v in values.items()})
        summary = simulate(batch, record_steps=False).summary
        return {k: summary[k] for k in self.outcomes}


def _require() -> Any:
    """ema_workbench (3.x), or ImportError saying how to install it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed" on import
            import ema_workbench
    except ImportError:
        raise ImportError("the EMA Workbench adapter needs ema_workbench 3.x, which is not "
                          f"installed: {INSTALL_HINT}") from None
    major = str(getattr(ema_workbench, "__version__", "0")).split(".")[0]
    if major != "3":
        raise ImportError("the EMA Workbench adapter needs ema_workbench 3.x, found "
                          f"{ema_workbench.__version__}: {INSTALL_HINT}")
    return ema_workbench


def ema_model(scenario: str | Scenario = "sep-2025-paris",
              uncertainties: Spec | None = None, levers: Spec = (DESIGN_LEVER,),
              outcomes: Sequence[str] | None = None, replicates: int | None = None,
              seed: int | None = None, name: str | None = None) -> Any:
    """An EMA Workbench ``ReplicatorModel`` of ``scenario`` running on the batch engine.

    Args:
        scenario: a scenario name, .yaml path or Scenario.
        uncertainties: dotted parameter paths (each over its declared range) or a mapping
            path → (low, high) within it; default: every parameter except ``design.*``. Each
            parameter's EMA ``default`` is the scenario's value (clipped to a narrowed range).
        levers: ``"design"`` (the force design, over every design file) and/or dotted
            parameter paths (or a mapping path → (low, high)); a path given as a lever is
            dropped from the default uncertainties.
        outcomes: names of per-run outcomes (default: all of ``sim.model.outcomes.PER_RUN``).
        replicates: runs per experiment (default: the scenario's ``replicates``).
        seed: base seed; replicate i of every experiment uses ``seed + i`` (default: the
            scenario's).
        name: the EMA model name (an identifier; default from the scenario's name).

    Raises:
        ImportError: ema_workbench 3.x is not installed (the message says how to install it).
        EmaError: an unknown or out-of-range parameter or outcome (the message names it).
        ScenarioError: a bad scenario.
    """
    ema = _require()
    from sim.analysis.ema.replicator import BatchReplicatorModel

    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    lever_spec = _spec(levers)
    design = DESIGN_LEVER in lever_spec
    lever_spec.pop(DESIGN_LEVER, None)
    lever_ranges = _ranges(lever_spec, "levers")
    unc_spec = _spec(default_uncertainties() if uncertainties is None else uncertainties)
    if uncertainties is None:
        unc_spec = {p: b for p, b in unc_spec.items() if p not in lever_ranges}
    unc_ranges = _ranges(unc_spec, "uncertainties")
    both = sorted(set(unc_ranges) & set(lever_ranges))
    if both:
        raise EmaError(f"{both[0]} is both an uncertainty and a lever: give it as one of them")
    chosen = _outcomes(outcomes)
    R = sc.replicates if replicates is None else int(replicates)
    if R < 1:
        raise EmaError(f"replicates: expected at least 1, found {R}")
    base = sc.seed if seed is None else int(seed)
    if base < 0:
        raise EmaError(f"seed: expected a whole number >= 0, found {seed}")
    if name is not None and not name.isidentifier():
        raise EmaError(f"name: expected a Python identifier (EMA Workbench 3 needs one), "
                       f"found {name!r}")
    model_name = name or ema_name(sc.name).replace("-", "_")
    if not model_name.isidentifier():
        model_name = "coalition_sim"

    scenario_values = flatten(sc.parameters)

    def default(path: str, lo: float, hi: float) -> float:
        """The scenario's value, within a narrowed range."""
        return min(max(scenario_values[path], lo), hi)

    model = BatchReplicatorModel(model_name, function=BatchRun(sc, tuple(o.name for o in chosen)))
    model.uncertainties = [ema.RealParameter(ema_name(p), lo, hi, default=default(p, lo, hi),
                                             variable_name=p) for p, (lo, hi) in unc_ranges.items()]
    model.levers = (
        ([ema.CategoricalParameter(DESIGN_LEVER, design_names(), default=sc.design)]
         if design else [])
        + [ema.RealParameter(ema_name(p), lo, hi, default=default(p, lo, hi), variable_name=p)
           for p, (lo, hi) in lever_ranges.items()])
    kinds = {"higher": ema.ScalarOutcome.MAXIMIZE, "lower": ema.ScalarOutcome.MINIMIZE}
    model.outcomes = [ema.ScalarOutcome(
        o.name, kind=kinds.get(o.direction or "", ema.ScalarOutcome.INFO),
        function=mean_where_happened if o.kind == "month" else mean_over_replicates)
        for o in chosen]
    model.replications = [{"seed": base + i} for i in range(R)]
    return model


def reference_scenario(model: Any, name: str = "reference") -> Any:
    """An EMA ``Sample`` of every uncertainty at its default (the scenario's value): the
    reference scenario of a MORDM search (``optimize(..., reference=reference_scenario(m))``)."""
    ema = _require()
    return ema.Sample(name, **{u.name: u.default for u in model.uncertainties})


__all__ = ["DESIGN_LEVER", "BatchRun", "EmaError", "default_uncertainties", "dotted_path",
           "ema_model", "ema_name", "mean_over_replicates", "mean_where_happened",
           "reference_scenario"]
