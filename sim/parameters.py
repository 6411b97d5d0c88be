"""Every model parameter: default, range, unit and the fact ids it rests on.

The pydantic models below are the single source of truth for parameters: the engine reads
them, the scenario schema embeds them, docs/ODD.md and ``coalition-sim explain`` list them.
A parameter's ``facts`` name ids in seeds/facts.yaml; ``modelling`` marks an assumption made
by the model where no source states a figure (documented in docs/ODD.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.naming import did_you_mean

MODES: tuple[str, ...] = ("ground", "air", "sea", "financing", "arms", "training")
"""Contribution modes a coalition state may commit to."""
BACKSTOP: tuple[str, ...] = ("intelligence", "air_support", "logistics", "funding")
"""Components of the US backstop."""


def P(default: float, lo: float, hi: float, unit: str, facts: list[str], doc: str) -> Any:
    """A bounded numeric parameter with its unit, provenance and one-line meaning."""
    return Field(
        default,
        ge=lo,
        le=hi,
        description=doc,
        json_schema_extra={"unit": unit, "facts": facts},
    )


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)


class Backstop(_Group):
    """Announced US backstop, each component from 0 (none) to 1 (full)."""

    intelligence: float = P(0.5, 0, 1, "level", ["us_backstop_components", "us_backstop_dec"],
                            "Announced US intelligence sharing.")
    air_support: float = P(0.3, 0, 1, "level", ["us_backstop_components", "force_needs_us_enablers"],
                           "Announced US air defence and air support.")
    logistics: float = P(0.3, 0, 1, "level", ["force_needs_us_enablers"],
                         "Announced US logistics (lift, enablers).")
    funding: float = P(0.2, 0, 1, "level", ["us_backstop_components"],
                       "Announced US funding for the force and for Ukraine.")


class UnitedStates(_Group):
    """The US agent: what it announces, how often it follows through, when it tires."""

    backstop: Backstop = Field(default_factory=Backstop)
    backstop_scale: float = P(1.0, 0, 2, "factor", ["us_backstop_sep", "us_expects_europe_burden"],
                              "Multiplies every backstop component (result capped at 1).")
    credibility0: float = P(0.6, 0, 1, "probability", ["us_deadline_lapsed", "us_no_coherent_plan"],
                            "Initial European belief that a US announcement is delivered.")
    follow_through: float = P(0.5, 0, 1, "probability / month",
                              ["us_deadline_lapsed", "us_sanctions_threats_not_followed"],
                              "Chance each month that the US follows through on what it announced.")
    credibility_learning: float = P(0.15, 0, 1, "rate / month", ["modelling"],
                                    "How fast European belief in the US tracks follow-through.")
    frustration_rate: float = P(0.06, 0, 1, "per stalled month", ["us_frustration"],
                                "Growth of US frustration with Russia in each month without a ceasefire.")
    threat_level: float = P(0.6, 0, 5, "frustration", ["sanctions_coordination"],
                            "Frustration above which the US threatens secondary tariffs.")
    disengage_level: float = P(1.5, 0, 5, "frustration",
                               ["us_focus_domestic", "hague_shift", "us_mediator_exit_fear"],
                               "Frustration above which the US may disengage.")
    disengage_prob: float = P(0.05, 0, 1, "probability / month",
                              ["us_focus_domestic", "us_nato_exit_no"],
                              "Chance each month, past disengage_level, that the US walks away "
                              "(backstop falls to intelligence only).")
    secondary_tariffs: float = P(0.0, 0, 1, "level", ["us_india_tariff_50", "us_ask_eu_stop_oil"],
                                 "Secondary tariffs on buyers of Russian oil already applied.")
    relief_prob: float = P(0.0, 0, 1, "probability / month", ["sanctions_relief_fear"],
                           "Chance each month that the US lifts its sanctions as a goodwill signal.")


class Sanctions(_Group):
    """Sanctions pressure on Russia: EU, US and secondary measures, less leakage."""

    eu: float = P(0.5, 0, 1, "level", ["eu_step_up_pressure"], "Strength of EU sanctions.")
    us: float = P(0.4, 0, 1, "level", ["us_sanctions_threats_not_followed"],
                  "Strength of US primary sanctions.")
    oil_ban: float = P(0.0, 0, 1, "level", ["us_ask_eu_stop_oil"],
                       "European ban on Russian oil purchases.")
    eu_weight: float = P(0.45, 0, 1, "weight", ["modelling"], "Weight of EU sanctions in pressure.")
    us_weight: float = P(0.35, 0, 1, "weight", ["modelling"], "Weight of US sanctions in pressure.")
    secondary_weight: float = P(0.25, 0, 1, "weight", ["us_india_tariff_50"],
                                "Weight of secondary tariffs in pressure.")
    oil_ban_weight: float = P(0.2, 0, 1, "weight", ["us_ask_eu_stop_oil"],
                              "Weight of a European oil ban in pressure.")
    assets_weight: float = P(0.1, 0, 1, "weight", ["frozen_assets_210bn"],
                             "Pressure added when immobilised Russian assets fund Ukraine.")
    leakage: float = P(0.35, 0, 1, "share", ["india_closer_china"],
                       "Share of pressure lost through other buyers of Russian oil.")
    leakage_cut: float = P(0.5, 0, 1, "share", ["us_india_tariff_50"],
                           "Share of leakage closed while secondary tariffs apply.")
    scale: float = P(1.0, 0, 2, "factor", ["modelling"], "Multiplies total sanctions pressure.")


class Finance(_Group):
    """European money for Ukraine."""

    assets_loan: float = P(0.0, 0, 1, "level", ["frozen_assets_210bn", "eu_indefinite_immobilisation"],
                           "Immobilised Russian assets (EUR 210bn) fund a loan to Ukraine.")
    assets_cost_relief: float = P(0.15, 0, 1, "assurance", ["frozen_assets_210bn"],
                                  "Fall in the domestic cost of financing while the assets loan runs.")


class Russia(_Group):
    """The Russian agent: war economy, resolve, willingness to negotiate, ceasefire conduct."""

    growth0: float = P(4.3, -10, 10, "% per year", ["russia_growth_2024"],
                       "GDP growth at the start (2024).")
    growth_war: float = P(4.2, -10, 10, "% per year", ["russia_growth_2023", "russia_growth_2024"],
                          "Growth the war economy sustains with no sanctions and neutral rates.")
    key_rate: float = P(0.21, 0, 1, "rate", ["stat_cbr_key_rate", "russia_high_rates"],
                        "Central-bank key rate.")
    neutral_rate: float = P(0.075, 0, 1, "rate", ["modelling"], "Rate that does not drag growth.")
    rate_drag: float = P(16.0, 0, 50, "pp growth per unit rate", ["russia_high_rates"],
                         "Growth lost per unit of key rate above neutral.")
    sanctions_drag: float = P(3.5, 0, 10, "pp growth at full pressure", ["russia_stagnation"],
                              "Growth lost at full sanctions pressure.")
    adjust_months: float = P(8.0, 1, 60, "months", ["russia_stagnation"],
                             "Time constant of growth adjusting to its target.")
    growth_noise: float = P(0.2, 0, 2, "pp", ["modelling"], "Monthly noise on growth (half-width).")
    pain_span: float = P(4.0, 0.1, 20, "pp", ["russia_growth_2024"],
                         "Growth lost below growth_war that counts as full economic pain.")
    resolve: float = P(0.6, 0, 1, "level", ["russia_force", "russia_demands"],
                       "Resolve to obtain war aims; lowers willingness to negotiate.")
    negotiate0: float = P(0.3, 0, 1, "level", ["russia_rejects_ceasefire"],
                          "Baseline willingness to negotiate.")
    pain_weight: float = P(0.35, 0, 2, "weight", ["russia_stagnation"],
                           "Weight of economic pain (growth lost) in willingness.")
    pressure_weight: float = P(0.2, 0, 2, "weight", ["sanctions_coordination"],
                               "Weight of sanctions pressure in willingness.")
    troop_hostility: float = P(0.15, 0, 1, "weight", ["russia_no_eu_troops"],
                               "Fall in willingness as committed ground troops reach the requirement.")
    accept_rate: float = P(0.1, 0, 1, "probability / month", ["modelling"],
                           "Monthly chance a ceasefire is agreed at full willingness, "
                           "once Ukraine accepts the guarantees.")
    violation_base: float = P(0.12, 0, 1, "probability / month", ["ukraine_wary_ceasefire"],
                              "Monthly chance of violating a ceasefire at zero deterrence and full resolve.")


def _need(component: str, mode: str, default: float, facts: list[str]) -> Any:
    return P(default, 0, 1, "weight", facts,
             f"Weight of the perceived US {component.replace('_', ' ')} in the assurance of "
             f"{mode} presence.")


class GroundNeed(_Group):
    """How much ground-troop assurance rests on each US backstop component."""

    intelligence: float = _need("intelligence", "ground", 0.25, ["force_needs_us_enablers"])
    air_support: float = _need("air_support", "ground", 0.40, ["force_needs_us_enablers"])
    logistics: float = _need("logistics", "ground", 0.25, ["force_needs_us_enablers"])
    funding: float = _need("funding", "ground", 0.10, ["modelling"])


class AirNeed(_Group):
    """How much air-presence assurance rests on each US backstop component."""

    intelligence: float = _need("intelligence", "air", 0.30, ["modelling"])
    air_support: float = _need("air_support", "air", 0.50, ["modelling"])
    logistics: float = _need("logistics", "air", 0.20, ["modelling"])
    funding: float = _need("funding", "air", 0.0, ["modelling"])


class SeaNeed(_Group):
    """How much sea-presence assurance rests on each US backstop component."""

    intelligence: float = _need("intelligence", "sea", 0.40, ["modelling"])
    air_support: float = _need("air_support", "sea", 0.20, ["modelling"])
    logistics: float = _need("logistics", "sea", 0.40, ["modelling"])
    funding: float = _need("funding", "sea", 0.0, ["modelling"])


class UsNeed(_Group):
    """How much each presence mode's assurance rests on each US backstop component
    (financing, arms and training need no US enabler)."""

    ground: GroundNeed = Field(default_factory=GroundNeed)
    air: AirNeed = Field(default_factory=AirNeed)
    sea: SeaNeed = Field(default_factory=SeaNeed)


class Coalition(_Group):
    """How coalition states turn assurance into commitments."""

    peer_weight: float = P(0.35, 0, 2, "weight", ["macron_contributions_complete"],
                           "Weight of the share of peers committed to the same mode.")
    us_weight: float = P(0.9, 0, 2, "weight", ["uk_troops_offer", "us_backstop_components"],
                         "Weight of the perceived US backstop (presence modes).")
    sanctions_weight: float = P(0.15, 0, 2, "weight", ["eu_step_up_pressure"],
                                "Weight of sanctions pressure on Russia.")
    threat_weight: float = P(0.45, 0, 2, "weight", ["dk_threat"],
                             "Weight of the state's own threat exposure.")
    cost_weight: float = P(0.2, 0, 2, "weight", ["de_election_feb2025", "de_no_without_us"],
                           "Weight of the state's domestic cost.")
    substitution: float = P(0.15, 0, 2, "assurance", ["hague_shift", "de_financing_arming_training"],
                            "Extra assurance for financing, arms and training in a state that "
                            "commits no presence (ground, air or sea).")
    hysteresis: float = P(0.08, 0, 1, "assurance", ["modelling"],
                          "A committed state withdraws only when assurance falls this far below "
                          "its threshold.")
    noise: float = P(0.06, 0, 1, "assurance", ["us_deadline_lapsed"],
                     "Half-width of the monthly political noise on each state's assurance.")
    ground_threshold: float = P(0.95, 0, 3, "assurance", ["modelling"], "Base threshold, ground troops.")
    air_threshold: float = P(0.57, 0, 3, "assurance", ["modelling"], "Base threshold, air presence.")
    sea_threshold: float = P(0.55, 0, 3, "assurance", ["modelling"], "Base threshold, sea presence.")
    financing_threshold: float = P(0.62, 0, 3, "assurance", ["modelling"], "Base threshold, financing.")
    arms_threshold: float = P(0.65, 0, 3, "assurance", ["modelling"], "Base threshold, arms.")
    training_threshold: float = P(0.7, 0, 3, "assurance", ["modelling"], "Base threshold, training.")
    capacity_weight: float = P(0.35, 0, 2, "assurance", ["stat_active_personnel", "stat_combat_aircraft"],
                               "Fall in a threshold from no capacity to full capacity in that mode.")
    spending_weight: float = P(0.04, 0, 1, "assurance per % GDP",
                               ["stat_defence_pct_gdp_2024", "defence_budgets_up"],
                               "Fall in every threshold per percent of GDP spent on defence.")
    home_defence: float = P(0.0, 0, 2, "assurance", ["pl_no_troops", "stat_border_russia_belarus"],
                            "Rise in the ground threshold of a state bordering Russia or Belarus.")
    approval_cost: float = P(0.6, 0, 3, "cost", ["stat_deployment_approval", "de_no_without_us"],
                             "Domestic cost of presence where deployment needs a parliamentary vote.")
    fiscal_cost: float = P(0.6, 0, 3, "cost", ["stat_eu_fiscal_rules", "de_extra_30bn"],
                           "Domestic cost of financing and arms under fiscal rules.")
    election_cost: float = P(0.8, 0, 3, "cost", ["de_election_feb2025", "stat_next_election"],
                             "Domestic cost of presence in the months before a national election.")
    election_window: float = P(4.0, 0, 24, "months", ["de_election_feb2025"],
                               "Months before an election in which election_cost applies.")
    deploy_share: float = P(0.05, 0, 0.5, "share of active personnel", ["force_requirement_30k"],
                            "Share of active personnel a state deploys when it commits ground troops.")
    ground_threshold_scale: float = P(1.0, 0, 3, "factor", ["modelling"],
                                      "Scales every state's ground-troop threshold.")
    air_threshold_scale: float = P(1.0, 0, 3, "factor", ["modelling"], "Scales every air threshold.")
    sea_threshold_scale: float = P(1.0, 0, 3, "factor", ["modelling"], "Scales every sea threshold.")
    financing_threshold_scale: float = P(1.0, 0, 3, "factor", ["modelling"],
                                         "Scales every financing threshold.")
    arms_threshold_scale: float = P(1.0, 0, 3, "factor", ["modelling"], "Scales every arms threshold.")
    training_threshold_scale: float = P(1.0, 0, 3, "factor", ["modelling"],
                                        "Scales every training threshold.")
    us_need: UsNeed = Field(default_factory=UsNeed)


class Deterrence(_Group):
    """What the force must be to deter, and how its parts weigh."""

    force_requirement: float = P(30000, 0, 500000, "troops", ["force_requirement_30k"],
                                 "Ground troops the reassurance force needs.")
    air_requirement: float = P(300, 1, 5000, "combat aircraft (capacity units)", ["modelling"],
                               "Committed air capacity that counts as full European air cover.")
    sea_requirement: float = P(40, 1, 1000, "warships (capacity units)", ["modelling"],
                               "Committed naval capacity that counts as full sea guarantee.")
    force_weight: float = P(0.35, 0, 1, "weight", ["force_requirement_30k"],
                            "Weight of the ground force against its requirement.")
    air_weight: float = P(0.25, 0, 1, "weight", ["force_needs_us_enablers"], "Weight of air cover.")
    us_weight: float = P(0.25, 0, 1, "weight", ["uk_troops_offer"],
                         "Weight of the perceived US backstop.")
    cohesion_weight: float = P(0.15, 0, 1, "weight", ["committed_sep_26"],
                               "Weight of coalition cohesion (share of states committing).")


class Burden(_Group):
    """What a commitment costs its state per year (burden shares against GDP)."""

    troop_cost_musd: float = P(0.25, 0, 5, "USD m per soldier-year", ["modelling"],
                               "Yearly cost of one deployed soldier.")
    air_pct_gdp: float = P(0.02, 0, 2, "% of GDP", ["modelling"], "Yearly cost of air presence.")
    sea_pct_gdp: float = P(0.02, 0, 2, "% of GDP", ["modelling"], "Yearly cost of sea presence.")
    financing_pct_gdp: float = P(0.1, 0, 2, "% of GDP", ["de_extra_30bn"],
                                 "Yearly financing pledged by a financing state.")
    arms_pct_gdp: float = P(0.05, 0, 2, "% of GDP", ["eram_missiles", "eram_missiles_count"],
                            "Yearly arms deliveries pledged by an arming state.")
    training_pct_gdp: float = P(0.005, 0, 2, "% of GDP", ["modelling"],
                                "Yearly cost of a training mission.")


class Ukraine(_Group):
    """Ukraine accepts a ceasefire only with guarantees on land, at sea and in the air."""

    land_required: float = P(0.6, 0, 1, "guarantee", ["ukraine_guarantees_land_sea_air"],
                             "Land guarantee needed (troops against requirement, with US backstop).")
    sea_required: float = P(0.3, 0, 1, "guarantee", ["ukraine_guarantees_land_sea_air"],
                            "Sea guarantee needed.")
    air_required: float = P(0.4, 0, 1, "guarantee", ["ukraine_guarantees_land_sea_air"],
                            "Air guarantee needed.")


class Parameters(_Group):
    """All parameters of one run."""

    us: UnitedStates = Field(default_factory=UnitedStates)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    finance: Finance = Field(default_factory=Finance)
    russia: Russia = Field(default_factory=Russia)
    coalition: Coalition = Field(default_factory=Coalition)
    deterrence: Deterrence = Field(default_factory=Deterrence)
    ukraine: Ukraine = Field(default_factory=Ukraine)
    burden: Burden = Field(default_factory=Burden)


@dataclass(frozen=True)
class ParamInfo:
    """One parameter's documentation row."""

    path: str
    default: float
    lo: float
    hi: float
    unit: str
    facts: tuple[str, ...]
    doc: str


def _bounds(field: Any) -> tuple[float, float]:
    lo = hi = float("nan")
    for m in field.metadata:
        lo = getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo
        hi = getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi
    return lo, hi


def iter_params(model: type[BaseModel] = Parameters, prefix: str = "") -> Iterator[ParamInfo]:
    """Every numeric parameter as a ParamInfo, in declaration order, by dotted path."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_params(ann, path + ".")
            continue
        extra = field.json_schema_extra or {}
        lo, hi = _bounds(field)
        yield ParamInfo(path, float(field.default), lo, hi, extra.get("unit", ""),
                        tuple(extra.get("facts", ())), field.description or "")


PARAM_INFO: dict[str, ParamInfo] = {p.path: p for p in iter_params()}
"""Dotted path → ParamInfo for every numeric parameter."""


def flatten(params: Parameters) -> dict[str, float]:
    """Parameters as {dotted path: value}."""
    out: dict[str, float] = {}

    def walk(obj: BaseModel, prefix: str) -> None:
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = float(value)

    walk(params, "")
    return out


# --- the one value checker ------------------------------------------------------------------

def bound_text(x: float) -> str:
    """A bound for messages: 500000 → '500,000', 0.0 → '0', 0.25 → '0.25'."""
    x = float(x)
    return f"{int(x):,}" if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


@dataclass(frozen=True)
class ValueProblem:
    """Why a parameter path or value is refused: what was expected and what was found."""

    path: str
    problem: str
    expected: str
    found: str
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.problem} (expected {self.expected}, found {self.found})"
        return text + (f"; did you mean {self.suggestion!r}?" if self.suggestion else "")


class ParameterError(ValueError):
    """A parameter path or value refused by :func:`check_value`."""

    def __init__(self, problem: ValueProblem):
        super().__init__(str(problem))
        self.problem = problem


def expected_text(info: ParamInfo) -> str:
    """What a value of this parameter must be, in words."""
    unit = f" ({info.unit})" if info.unit else ""
    return f"a number from {bound_text(info.lo)} to {bound_text(info.hi)}{unit}"


def path_problem(path: str) -> ValueProblem | None:
    """None if ``path`` names a parameter, else the problem (with a suggestion)."""
    if path in PARAM_INFO:
        return None
    return ValueProblem(path, "unknown parameter",
                        "a dotted parameter path (coalition-sim explain lists them)", repr(path),
                        did_you_mean(path, PARAM_INFO))


def value_problem(path: str, value: Any) -> ValueProblem | None:
    """None if ``value`` (a number or an array of numbers) is allowed for ``path``.

    The one check behind scenario files, events, overrides, ``--set``, sweep and sensitivity
    specs, the app and ``engine.compile_batch``: a known path, a real number (not a bool or a
    string), finite, within the parameter's documented range.
    """
    bad_path = path_problem(path)
    if bad_path is not None:
        return bad_path
    info = PARAM_INFO[path]
    expected = expected_text(info)
    if isinstance(value, bool | str | bytes) or value is None:
        return ValueProblem(path, "wrong type", expected, f"{type(value).__name__} {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return ValueProblem(path, "wrong type", expected, type(value).__name__)
    if arr.dtype == bool or np.asarray(value).dtype.kind not in "iuf":
        return ValueProblem(path, "wrong type", expected, np.asarray(value).dtype.name)
    if not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)].flat[0]
        return ValueProblem(path, "not a finite number", expected, f"{bad}")
    outside = (arr < info.lo) | (arr > info.hi)
    if outside.any():
        bad = float(arr[outside].flat[0])
        return ValueProblem(path, "value out of range", expected,
                            f"{bad:g}" if not math.isnan(bad) else "nan")
    return None


def check_value(path: str, value: Any) -> Any:
    """``value`` unchanged if allowed for ``path`` (see :func:`value_problem`), else
    ParameterError."""
    problem = value_problem(path, value)
    if problem is not None:
        raise ParameterError(problem)
    return value
