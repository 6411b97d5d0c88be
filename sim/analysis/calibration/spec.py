"""Calibration specs: YAML files validated into :class:`CalibrationSpec`.

A spec names the record scenario, the free parameters and their priors (uniform on a range;
default: :data:`DEFAULT_FREE`, the influential ``assumption`` parameters), the observations
(from seeds/observations.yaml; all, a list of ids, or those up to a month), the summary
statistics (each observation's mean over ``reps`` runs per particle), how particles are
accepted (``acceptance``: the observations' sds as a normal noise model, or a distance
threshold) and the budget. Observations whose ``role`` is ``consistency`` (a stance the
scenarios take as an input) are never fitted. Bad input raises
:class:`~sim.scenario.errors.ScenarioError` naming the file, line and key (exit 2 on the CLI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from sim.analysis.sweep.spec import _line_of
from sim.analysis.sweep.spec import load_spec as load_run_spec
from sim.model.parameters import PARAM_INFO, ParameterError, check_value, path_problem
from sim.model.record import Observation, for_scenario, load_observations
from sim.model.world import months_between
from sim.scenario import Scenario
from sim.scenario.errors import Issue, ScenarioError

SPEC_DIR = Path(__file__).resolve().parents[3] / "seeds" / "calibration"
"""The shipped specs (record-2025.yaml: the shipped posterior; record-2025-sep.yaml: fitted
up to September 2025 for the out-of-sample check)."""

DEFAULT_FREE: tuple[str, ...] = (
    "coalition.ground_threshold", "coalition.air_threshold", "coalition.sea_threshold",
    "russia.adjust_months", "russia.neutral_rate", "russia.pain_span",
    "russia.negotiation_rate", "sanctions.eu_weight", "sanctions.us_weight",
    "sanctions.secondary_weight", "coalition.financing_threshold",
)
"""The free parameters when a spec says ``parameters: default``: the ten ``assumption``
parameters (three now graded ``calibrated``) that move the standardised statistics of the
record most over their prior ranges (a screening of 4,000 prior draws of all 66,
docs/calibration.md), and the financing threshold, which the December 2025 count of
states pledging anything measures (issue 22 mapped that observation to it); leaving out
the scenario knobs (``*_scale``, ``sanctions.scale``) whose default 1 means "as in the
scenario"."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Prior(_Strict):
    """A uniform prior on [lo, hi] (default: the parameter's documented range)."""

    lo: float | None = None
    hi: float | None = None


class Budget(_Strict):
    """When the ABC-SMC run stops (whichever comes first)."""

    populations: int = Field(8, ge=1, le=100, description="Generations at most.")
    population_size: int = Field(1000, ge=20, le=100_000, description="Particles per generation.")
    min_epsilon: float = Field(0.0, ge=0, description="'threshold': stop once the threshold is "
                                                      "this low ('noise' stops at temperature 1).")
    max_walltime_s: float = Field(3600, gt=0, description="Stop after this many seconds.")
    max_simulations: int = Field(50_000_000, ge=1,
                                 description="Stop after this many particles simulated.")
    min_acceptance_rate: float = Field(0.002, ge=0, le=1,
                                       description="Stop when acceptance falls below this.")


class CalibrationSpec(_Strict):
    """A calibration: what is free, what it is fitted to, how and how long."""

    kind: Literal["calibration"] = "calibration"
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="Short id.")
    description: str = ""
    scenario: str = Field("record-2025", description="The record scenario (a name in scenarios/).")
    parameters: Literal["default", "assumption"] | list[str] | dict[str, Prior | None] = Field(
        "default", description="Free parameters: 'default' (DEFAULT_FREE), 'assumption' (every "
                               "assumption- or calibrated-graded one), a list of paths, or "
                               "path: {lo, hi}.")
    observations: Literal["all"] | list[str] = "all"
    until: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="Only observations dated up to this month.")
    fixed: dict[str, float] = Field(default_factory=dict,
                                    description="Parameters set for every run (not free).")
    reps: int = Field(4, ge=1, le=100, description="Runs per particle; statistics are their mean.")
    acceptance: Literal["noise", "threshold"] = Field(
        "noise", description="'noise': each observation = the statistic + a normal error with "
                             "the observation's sd (stochastic acceptance, tempered to "
                             "temperature 1: the exact posterior of that noise model); "
                             "'threshold': accept within a shrinking distance.")
    sd_scale: float = Field(1.0, gt=0, le=1000,
                            description="Multiply every observation's sd by this (a study of "
                                        "how much the stated uncertainties matter).")
    ess_target: float = Field(0.5, gt=0, lt=1,
                              description="'noise': each temperature keeps this share of the "
                                          "last generation's effective sample size.")
    distance: Literal["standardised"] = Field(
        "standardised", description="'threshold': Euclidean distance of (simulated - observed) "
                                    "/ sd.")
    epsilon_quantile: float = Field(0.5, gt=0, lt=1,
                                    description="'threshold': next threshold, this weighted "
                                                "quantile of the last generation's distances.")
    literature_priors: str | None = Field(
        None, description="Join draws from literature priors for what the record cannot "
                          "inform into the posterior: 'default' (seeds/priors.yaml) or a "
                          "priors file; none if absent.")
    budget: Budget = Field(default_factory=Budget)
    seed: int = Field(1, ge=0, le=2**31 - 1)
    _file: Path | None = PrivateAttr(None)
    _node: Any = PrivateAttr(None)

    @field_validator("parameters")
    @classmethod
    def _known(cls, v: Any) -> Any:
        if isinstance(v, str):
            return v
        paths = list(v)
        if not paths:
            raise ValueError("name at least one free parameter")
        for p in paths:
            problem = path_problem(p)
            if problem is not None:
                raise ValueError(str(problem))
        if isinstance(v, dict):
            for p, prior in v.items():
                info = PARAM_INFO[p]
                lo = info.lo if prior is None or prior.lo is None else prior.lo
                hi = info.hi if prior is None or prior.hi is None else prior.hi
                for x in (lo, hi):
                    try:
                        check_value(p, x)
                    except ParameterError as exc:
                        raise ValueError(f"prior of {exc}") from None
                if not lo < hi:
                    raise ValueError(f"prior of {p}: lo must be below hi (found {lo}, {hi})")
        return v

    @field_validator("fixed")
    @classmethod
    def _fixed(cls, v: dict[str, float]) -> dict[str, float]:
        for p, x in v.items():
            try:
                check_value(p, x)
            except ParameterError as exc:
                raise ValueError(str(exc)) from None
        return v

    def priors(self) -> dict[str, tuple[float, float]]:
        """Free parameter → (lo, hi) of its uniform prior, in the spec's order."""
        if self.parameters == "default":
            paths: Any = {p: None for p in DEFAULT_FREE}
        elif self.parameters == "assumption":
            paths = {p: None for p, i in PARAM_INFO.items()
                     if i.grade in ("assumption", "calibrated")}
        elif isinstance(self.parameters, list):
            paths = {p: None for p in self.parameters}
        else:
            paths = self.parameters
        out = {}
        for p, prior in paths.items():
            if p in self.fixed:
                continue
            info = PARAM_INFO[p]
            lo = info.lo if prior is None or prior.lo is None else prior.lo
            hi = info.hi if prior is None or prior.hi is None else prior.hi
            out[p] = (float(lo), float(hi))
        return out

    def load_scenario(self) -> Scenario:
        from sim.scenario import load_scenario
        from sim.scenario.loader import scenario_names

        if self.scenario not in scenario_names():
            raise self.error("unknown scenario", ("scenario",), self.scenario)
        return load_scenario(self.scenario)

    def select_observations(self, scenario: Scenario) -> tuple[Observation, ...]:
        """The observations fitted: those of the scenario, by id and up to ``until``."""
        available = for_scenario(scenario)
        if not available:
            raise self.error(f"scenario {scenario.name!r} has no observations "
                             "(seeds/observations.yaml names the record scenarios)",
                             ("scenario",), scenario.name)
        if self.observations == "all":
            chosen = [o for o in available if o.role == "target"]
        else:
            known = {o.id: o for o in load_observations()}
            missing = [i for i in self.observations if i not in known]
            if missing:
                from sim.util.naming import did_you_mean
                raise self.error("unknown observation", ("observations",), missing[0],
                                 suggestion=did_you_mean(missing[0], list(known)))
            inputs = [i for i in self.observations if known[i].role != "target"]
            if inputs:
                raise self.error("a consistency check, not a calibration target: the stance it "
                                 "observes is an input of the scenarios (its 'role' in "
                                 "seeds/observations.yaml)", ("observations",), inputs[0])
            chosen = [o for o in available if o.id in set(self.observations)]
        if self.until:
            chosen = [o for o in chosen if months_between(self.until, o.date) <= 0]
        if not chosen:
            raise self.error("no observation left to fit", ("until",), self.until)
        return tuple(chosen)

    def error(self, message: str, loc: tuple, found: Any, suggestion: str | None = None
              ) -> ScenarioError:
        return ScenarioError([Issue(message, str(self._file or "spec"),
                                    _line_of(self._node, loc), ".".join(map(str, loc)), None,
                                    repr(found), suggestion)])


def load_spec(path: str | Path) -> CalibrationSpec:
    """A validated calibration spec from a YAML file (ScenarioError with file, line, key):
    the sweep and sensitivity specs' loader, with the calibration model."""
    return load_run_spec(path, CalibrationSpec)
