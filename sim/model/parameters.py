"""Every model parameter: default, range, unit, evidence grade and the fact ids it rests on.

The pydantic models below are the single source of truth for parameters: the engine reads
them, the scenario schema embeds them, docs/ODD.md and ``coalition-sim explain`` list them.
A parameter's ``facts`` name ids in seeds/facts.yaml; ``modelling`` marks an assumption made
by the model where no source states a figure or a direction.

Evidence grades (``grade``):

- ``figure``: a cited source states the number (or the number is a public statistic);
- ``direction``: a cited source states only the sign or ordering; the size is ours;
- ``assumption``: no source; set by the modellers (docs/ODD.md says why);
- ``calibrated``: fitted to the 2025 record (docs/calibration.md).

A citation must support what it is cited for: a ``direction`` fact is never cited as a figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.util.naming import did_you_mean

MODES: tuple[str, ...] = ("ground", "air", "sea", "financing", "arms", "training")
"""Contribution modes a coalition state may pledge."""
GROUND, AIR, SEA, FINANCING, ARMS, TRAINING = (MODES.index(m) for m in MODES)
"""Index of each mode in MODES (and in every array with a mode axis)."""
PRESENCE_MODES: slice = slice(GROUND, SEA + 1)
"""The presence modes (ground, air, sea) on a mode axis."""
SUPPORT_MODES: slice = slice(FINANCING, TRAINING + 1)
"""The support modes (financing, arms, training) on a mode axis."""
assert MODES[PRESENCE_MODES] == ("ground", "air", "sea"), "presence modes must be contiguous"
assert MODES[SUPPORT_MODES] == ("financing", "arms", "training"), "support modes must be contiguous"
BACKSTOP: tuple[str, ...] = ("intelligence", "air_support", "logistics", "funding")
"""Components of the US backstop."""
US_MILITARY_BACKSTOP: tuple[str, ...] = ("intelligence", "air_support", "logistics")
"""The military components of the US backstop (funding is not military)."""
Grade = Literal["figure", "direction", "assumption", "calibrated"]
GRADES: tuple[str, ...] = ("figure", "direction", "assumption", "calibrated")
"""Evidence grades, strongest first (see module doc)."""
MODELLING = "modelling"
"""Pseudo fact id of an assumption (same as sim.model.facts.MODELLING)."""


def P(default: float, lo: float, hi: float, unit: str, grade: Grade, facts: list[str],
      doc: str) -> Any:
    """A bounded numeric parameter with its unit, evidence grade, provenance and meaning."""
    if grade == "assumption" and not facts:
        facts = [MODELLING]
    return Field(
        default,
        ge=lo,
        le=hi,
        description=doc,
        json_schema_extra={"unit": unit, "facts": facts, "grade": grade},
    )


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True,
                              strict=True)  # "1.5" (text) is not a number


# --- the United States ----------------------------------------------------------------------

class Backstop(_Group):
    """Announced US backstop, each component from 0 (none) to 1 (full)."""

    intelligence: float = P(0.5, 0, 1, "level", "direction",
                            ["us_backstop_components", "us_backstop_dec"],
                            "Announced US intelligence sharing (an enabler of deployment).")
    air_support: float = P(0.3, 0, 1, "level", "direction",
                           ["us_backstop_components", "us_backstop_dec"],
                           "Announced US air protection (the air term of deterrence, and the "
                           "assurance of presence).")
    logistics: float = P(0.3, 0, 1, "level", "direction", ["force_needs_us_enablers"],
                         "Announced US logistics and lift (an enabler of deployment, and the "
                         "assurance of presence).")
    funding: float = P(0.2, 0, 1, "level", "direction", ["us_backstop_components"],
                       "Announced US funding (enters Ukraine's strength only).")


class UnitedStates(_Group):
    """The US agent: what it announces, how often it follows through, when it tires."""

    backstop: Backstop = Field(default_factory=Backstop)
    backstop_scale: float = P(1.0, 0, 2, "factor", "assumption", [],
                              "Multiplies every backstop component (result capped at 1): the "
                              "scenario knob for 'what does the US backstop change'.")
    credibility0: float = P(0.6, 0, 1, "probability", "direction", ["us_no_coherent_plan"],
                            "Initial European belief that a US announcement is delivered.")
    follow_through: float = P(0.5, 0, 1, "probability / month", "direction",
                              ["us_deadline_lapsed", "us_sanctions_threats_not_followed"],
                              "Chance each month that the US follows through on what it "
                              "announced (sources: it often does not).")
    frustration0: float = P(0.0, 0, 3, "frustration", "assumption", [],
                            "US frustration with Russia at the start (an initial condition; an "
                            "event setting it resets frustration at its month).")
    credibility_learning: float = P(0.15, 0, 0.5, "rate / month", "assumption", [],
                                    "How fast European belief in the US tracks follow-through.")
    frustration_rate: float = P(0.06, 0, 0.3, "per stalled month", "direction",
                                ["us_frustration"],
                                "Growth of US frustration with Russia in each month without a "
                                "ceasefire.")
    frustration_decay: float = P(0.1, 0, 0.5, "share / month", "assumption", [],
                                 "Share of US frustration that fades in each month a ceasefire "
                                 "holds.")
    breakdown_anger: float = P(0.5, 0, 2, "frustration", "assumption", [],
                               "Jump in US frustration when Russia breaks a ceasefire.")
    threat_level: float = P(0.6, 0.1, 3, "frustration", "assumption", [],
                            "Frustration above which the US threatens secondary tariffs.")
    disengage_level: float = P(1.5, 0.5, 5, "frustration", "direction",
                               ["us_focus_domestic", "us_mediator_exit_fear"],
                               "Frustration above which the US may walk away (backstop falls "
                               "to intelligence).")
    disengage_prob: float = P(0.05, 0, 0.3, "probability / month", "assumption", [],
                              "Chance each month, past disengage_level, that the US walks away.")
    secondary_tariffs: float = P(0.0, 0, 1, "level", "direction", ["us_india_tariff_50"],
                                 "Secondary tariffs on buyers of Russian oil in force at the "
                                 "start (1 = in force).")
    relief_prob: float = P(0.0, 0, 0.2, "probability / month", "direction",
                           ["sanctions_relief_fear"],
                           "Chance each month that the US lifts its sanctions as a goodwill "
                           "signal.")


# --- sanctions and money ------------------------------------------------------------------------

class Sanctions(_Group):
    """Sanctions pressure on Russia: EU, US and secondary measures, less leakage."""

    eu: float = P(0.5, 0, 1, "level", "direction", ["eu_step_up_pressure"],
                  "Strength of EU sanctions.")
    us: float = P(0.4, 0, 1, "level", "direction", ["us_sanctions_threats_not_followed"],
                  "Strength of US primary sanctions.")
    oil_ban: float = P(0.0, 0, 1, "level", "direction", ["us_ask_eu_stop_oil"],
                       "European ban on Russian oil purchases.")
    eu_weight: float = P(0.45, 0.1, 1, "weight", "assumption", [],
                         "Weight of EU sanctions in pressure.")
    us_weight: float = P(0.35, 0.1, 1, "weight", "assumption", [],
                         "Weight of US sanctions in pressure.")
    secondary_weight: float = P(0.25, 0, 1, "weight", "assumption", [],
                                "Weight of secondary tariffs in pressure.")
    oil_ban_weight: float = P(0.2, 0, 1, "weight", "assumption", [],
                              "Weight of a European oil ban in pressure.")
    assets_weight: float = P(0.1, 0, 1, "weight", "direction", ["frozen_assets_210bn"],
                             "Pressure added when immobilised Russian assets fund Ukraine.")
    leakage: float = P(0.35, 0, 0.8, "share", "direction", ["india_closer_china"],
                       "Share of pressure lost through other buyers of Russian oil.")
    leakage_cut: float = P(0.3, 0, 1, "share", "assumption", [],
                           "Share of leakage closed while secondary tariffs apply (the articles "
                           "report the Indian tariffs pushed India closer to Russia, so this "
                           "is an assumption, not a finding).")
    scale: float = P(1.0, 0, 2, "factor", "assumption", [], "Multiplies total sanctions pressure.")


class Finance(_Group):
    """European money for Ukraine."""

    assets_loan: float = P(0.0, 0, 1, "level", "direction",
                           ["frozen_assets_210bn", "eu_indefinite_immobilisation"],
                           "Immobilised Russian assets (EUR 210bn) fund a loan to Ukraine "
                           "(1 = agreed).")
    assets_loan_usd_bn: float = P(105.0, 0, 250, "USD bn per year", "figure",
                                  ["frozen_assets_210bn"],
                                  "Yearly money the assets loan gives Ukraine (EUR 210bn over "
                                  "2026-2027, at about 1 USD per EUR).")
    assets_cost_relief: float = P(0.15, 0, 1, "assurance", "direction", ["frozen_assets_210bn"],
                                  "Fall in the domestic cost of financing while the assets "
                                  "loan runs.")


# --- Russia ---------------------------------------------------------------------------------------

class Russia(_Group):
    """The Russian agent: war economy, willingness to agree a ceasefire, ceasefire conduct."""

    growth0: float = P(4.3, -10, 10, "% per year", "figure", ["russia_growth_2024"],
                       "GDP growth at the start (2024: 4.3%).")
    growth_war: float = P(4.2, 2, 6, "% per year", "figure",
                          ["russia_growth_2023", "russia_growth_2024"],
                          "Growth the war economy sustains with no sanctions and neutral rates "
                          "(the 2023-2024 average).")
    key_rate: float = P(0.21, 0, 0.4, "rate", "figure", ["stat_cbr_key_rate"],
                        "The Bank of Russia's last key-rate decision: at the start, or set by a "
                        "dated event (the observed decisions); the rate eases from it by "
                        "rate_easing a month.")
    rate_easing: float = P(0.0, 0, 0.015, "rate / month", "direction",
                           ["stat_cbr_key_rate_2025", "russia_stagnation"],
                           "Monthly fall of the key rate after the last observed decision, "
                           "down to neutral_rate (an assumption beyond the record: 2025 went "
                           "from 21% to 16% in ten months, 0.5 points a month).")
    neutral_rate: float = P(0.075, 0.04, 0.12, "rate", "assumption", [],
                            "Key rate that does not drag growth.")
    rate_drag: float = P(16.0, 5, 30, "pp growth per unit rate", "direction",
                         ["russia_high_rates"],
                         "Growth lost per unit of key rate above neutral.")
    sanctions_drag: float = P(3.5, 1, 8, "pp growth at full pressure", "direction",
                              ["russia_stagnation"], "Growth lost at full sanctions pressure.")
    adjust_months: float = P(1.7, 1, 24, "months", "calibrated", ["stat_russia_growth_2025"],
                             "Time constant of growth adjusting to its target (posterior "
                             "median; 90% [1.10, 3.59], docs/calibration.md).")
    growth_noise: float = P(0.2, 0, 1, "pp", "assumption", [],
                            "Monthly noise on growth (half-width).")
    pain_span: float = P(4.0, 1, 10, "pp", "assumption", [],
                         "Growth lost below growth_war that counts as full economic pain.")
    willingness0: float = P(-4.3, -7, -1, "log-odds", "direction", ["russia_rejects_ceasefire"],
                            "Russia's willingness to agree a ceasefire on the line of "
                            "contact (terms 0) with no economic pain, no chance of winning "
                            "by force and no foreign force on offer (log-odds; low: it "
                            "rejects one).")
    pain_weight: float = P(3.0, 0.5, 6, "log-odds at full pain", "direction",
                           ["russia_stagnation"],
                           "Rise in willingness at full economic pain (sanctions act through "
                           "the economy, counted once).")
    prospects_weight: float = P(3.0, 0.5, 6, "log-odds", "direction", ["russia_force"],
                                "Fall in willingness as Russia's chance of gaining by force "
                                "against Ukraine's army rises (it will settle the war "
                                "militarily if Kyiv does not accept its terms).")
    offensive_power: float = P(2.0, 1, 4, "Ukrainian armies", "direction",
                               ["russia_force", "russia_demands"],
                               "Russia's offensive power against Ukraine's army at strength "
                               "1 (> 1: it believes it can win by force); a renewed "
                               "offensive succeeds with chance power / (power + defence).")
    objection_troops: float = P(30000, 5000, 100000, "troops", "assumption", [],
                                "Troops on offer at which the size term of Russia's objection "
                                "reaches 1 - 1/e.")
    objection_aircraft: float = P(100, 20, 500, "combat aircraft", "assumption", [],
                                  "Aircraft on offer at which the size term of Russia's "
                                  "objection reaches 1 - 1/e (with troops and warships).")
    objection_warships: float = P(15, 3, 60, "major warships", "assumption", [],
                                  "Warships on offer at which the size term of Russia's "
                                  "objection reaches 1 - 1/e (with troops and aircraft).")
    objection_range_km: float = P(300, 50, 2000, "km", "assumption", [],
                                  "Distance from the line over which Russia's objection to a "
                                  "force falls by 1/e (a force near the line provokes most).")
    demands: float = P(0.8, 0, 1, "share of its full demands", "direction",
                       ["russia_demands", "russia_rejects_ceasefire", "peace_plan_20pt"],
                       "What Russia asks of a settlement: 0 a ceasefire on the line of "
                       "contact, 1 all its demands (territory, limits on Ukraine's forces, no "
                       "NATO); high: demands close to capitulation. The terms on offer are "
                       "these, cut to what Ukraine can accept (ODD 7.7).")
    terms_weight: float = P(1.0, 0, 8, "log-odds at full concessions", "direction",
                            ["russia_rejects_ceasefire", "russia_demands"],
                            "Rise in Russia's willingness when the settlement grants all its "
                            "demands (terms = 1); it refuses a ceasefire on the line until "
                            "they are met.")
    troop_hostility: float = P(1.0, 0, 3, "log-odds", "direction",
                               ["russia_no_eu_troops", "russia_rejects_peacekeepers"],
                               "Russia's objection to foreign troops: the cost, in log-odds of "
                               "agreeing, of a settlement that brings in the largest, nearest "
                               "force of the kind it rejects most (design.russia_hostility = "
                               "1); scaled by the design's kind, size and distance.")
    negotiation_rate: float = P(0.5, 0.1, 1, "probability / month", "assumption", [],
                                "Monthly chance a ceasefire is agreed at full willingness of "
                                "both sides.")
    resolve: float = P(0.6, 0.2, 1, "level", "direction", ["russia_force", "russia_demands"],
                       "Resolve to obtain war aims; scales the violation hazard.")
    violation_base: float = P(0.1, 0.02, 0.3, "probability / month", "assumption", [],
                              "Monthly chance of breaking a new ceasefire at zero deterrence "
                              "and full resolve.")
    violation_ageing: float = P(12.0, 3, 36, "months", "direction", ["fortna_peace_time"],
                                "Time over which the violation hazard falls as a ceasefire "
                                "ages (Fortna 2004: highest early).")
    violation_floor: float = P(0.3, 0.05, 1, "share", "assumption", [],
                               "Share of the initial violation hazard left once a ceasefire "
                               "has aged.")
    renegotiate_months: float = P(4.0, 1, 12, "months", "direction", ["fortna_peace_time"],
                                  "Months after a breakdown before a new ceasefire can be "
                                  "agreed (breakdowns can be followed by new agreements).")


# --- Ukraine --------------------------------------------------------------------------------

class Ukraine(_Group):
    """Ukraine's army, sustained by partners, and its acceptance of a ceasefire."""

    strength0: float = P(1.0, 0.3, 2, "index", "assumption", [],
                         "Ukraine's strength at the start (1 = holds the line at the support "
                         "it needs).")
    support_need_usd_bn: float = P(45.0, 20, 120, "USD bn per year", "assumption", [],
                                   "External support (money, arms, training) that keeps "
                                   "Ukraine's strength at 1.")
    absorptive_capacity: float = P(1.5, 1.1, 3, "index", "assumption", [],
                                   "Most strength Ukraine's army can reach however much support "
                                   "arrives (the troops and equipment it can absorb); support "
                                   "beyond the need adds less and less.")
    us_funding_usd_bn: float = P(40.0, 0, 80, "USD bn per year", "assumption", [],
                                 "US support to Ukraine at a full funding backstop.")
    adjust_months: float = P(12.0, 3, 36, "months", "assumption", [],
                             "Time constant of Ukraine's strength following its support.")
    ready: float = P(4.0, 1, 6, "log-odds", "direction", ["ukraine_ready_ceasefire"],
                     "Ukraine's acceptance of a ceasefire on the line of contact (log-odds; "
                     "high: it has said many times it would accept one).")
    refusal_weight: float = P(15.0, 5, 50, "log-odds at full concessions", "direction",
                              ["ukraine_wary_ceasefire"],
                              "Fall in acceptance of a settlement asking all of Russia's "
                              "demands, per unit of Ukraine's chance of holding with its own "
                              "army: the stronger it is, the more it can refuse (without "
                              "guarantees it refuses demands close to capitulation).")
    trust_weight: float = P(8.0, 2, 20, "log-odds at full concessions", "direction",
                            ["ukraine_wary_ceasefire", "ukraine_guarantees_land_sea_air"],
                            "Rise in acceptance of a settlement asking all of Russia's demands "
                            "per unit of guarantee it trusts (the force on offer and the US "
                            "behind it; guarantees are essential to a lasting settlement).")


# --- the coalition ----------------------------------------------------------------------------

def _need(component: str, mode: str, default: float, grade: Grade, facts: list[str]) -> Any:
    return P(default, 0, 1, "weight", grade, facts,
             f"Weight of the perceived US {component.replace('_', ' ')} in the assurance of "
             f"{mode} presence.")


class GroundNeed(_Group):
    """How much ground-troop assurance rests on each US backstop component."""

    intelligence: float = _need("intelligence", "ground", 0.25, "direction",
                                ["force_needs_us_enablers"])
    air_support: float = _need("air_support", "ground", 0.40, "direction",
                               ["force_needs_us_enablers"])
    logistics: float = _need("logistics", "ground", 0.25, "direction",
                             ["force_needs_us_enablers"])
    funding: float = _need("funding", "ground", 0.10, "assumption", [])


class AirNeed(_Group):
    """How much air-presence assurance rests on each US backstop component."""

    intelligence: float = _need("intelligence", "air", 0.30, "assumption", [])
    air_support: float = _need("air_support", "air", 0.50, "assumption", [])
    logistics: float = _need("logistics", "air", 0.20, "assumption", [])
    funding: float = _need("funding", "air", 0.0, "assumption", [])


class SeaNeed(_Group):
    """How much sea-presence assurance rests on each US backstop component."""

    intelligence: float = _need("intelligence", "sea", 0.40, "assumption", [])
    air_support: float = _need("air_support", "sea", 0.20, "assumption", [])
    logistics: float = _need("logistics", "sea", 0.40, "assumption", [])
    funding: float = _need("funding", "sea", 0.0, "assumption", [])


class UsNeed(_Group):
    """How much each presence mode's assurance rests on each US backstop component
    (financing, arms and training need no US enabler)."""

    ground: GroundNeed = Field(default_factory=GroundNeed)
    air: AirNeed = Field(default_factory=AirNeed)
    sea: SeaNeed = Field(default_factory=SeaNeed)


class Coalition(_Group):
    """How coalition states turn assurance into pledges, and what a pledge holds."""

    peer_weight: float = P(0.45, 0, 1, "weight", "direction",
                           ["few_offered_troops_publicly", "watts_cascades"],
                           "Weight of the share of peers pledging the same mode, averaged over "
                           "the groups the state belongs to (states wait for their peers).")
    us_weight: float = P(0.9, 0, 1.5, "weight", "direction",
                         ["uk_troops_offer", "de_no_without_us", "it_es_need_us_role"],
                         "Weight of the perceived US backstop (presence modes).")
    sanctions_weight: float = P(0.15, 0, 0.5, "weight", "direction", ["eu_step_up_pressure"],
                                "Weight of sanctions pressure on Russia.")
    threat_weight: float = P(0.45, 0, 1, "weight", "direction",
                             ["dk_threat", "walt_balance_of_threat"],
                             "Weight of the state's own threat exposure in every mode: the "
                             "closer the threat, the larger the stake in the outcome (balance "
                             "of threat, Walt 1987).")
    cost_weight: float = P(0.2, 0, 0.5, "weight", "direction",
                           ["de_election_feb2025", "de_no_without_us"],
                           "Weight of the state's domestic cost.")
    free_ride: float = P(0.15, 0, 1, "assurance", "direction", ["olson_zeckhauser"],
                         "Fall in assurance as the need for a mode is met by others' pledges "
                         "(a force at its full size, Ukraine's support at its need).")
    substitution: float = P(0.06, 0, 0.3, "assurance", "direction",
                            ["hague_shift", "de_financing_arming_training"],
                            "Extra assurance for financing, arms and training in a state that "
                            "pledges no presence.")
    disposition: float = P(0.15, 0, 0.5, "assurance", "assumption", ["granovetter_thresholds"],
                           "Half-width of each state's unobserved disposition, drawn once per "
                           "run and added to all its thresholds (thresholds vary around what "
                           "attributes predict, Granovetter 1978).")
    offer_span: float = P(0.2, 0, 1, "assurance", "assumption", ["olson_zeckhauser"],
                          "Assurance above its withdrawal point at which a pledging state "
                          "offers its full contribution; it offers in proportion below (0: "
                          "always in full).")
    hysteresis: float = P(0.08, 0, 0.3, "assurance", "assumption", [],
                          "A pledging state withdraws only when assurance falls this far "
                          "below its threshold.")
    noise: float = P(0.08, 0, 0.3, "assurance", "assumption", [],
                     "Half-width of the monthly political noise on each state's assurance.")
    ground_threshold: float = P(0.55, 0, 1.5, "assurance", "calibrated",
                                ["uk_troops_offer", "few_offered_troops_publicly",
                                 "refuse_troops_de_es_it", "pl_no_troops"],
                                "Base threshold, ground troops (posterior median; 90% "
                                "[0.41, 0.80], docs/calibration.md).")
    air_threshold: float = P(0.40, 0, 1.0, "assurance", "calibrated",
                             ["defence_budgets_up", "committed_sep_26", "committed_dec_26"],
                             "Base threshold, air presence (posterior median; 90% [0.32, "
                             "0.82], docs/calibration.md).")
    sea_threshold: float = P(0.44, 0, 1.0, "assurance", "assumption", [],
                             "Base threshold, sea presence.")
    financing_threshold: float = P(0.5, 0, 1.0, "assurance", "assumption", [],
                                   "Base threshold, financing.")
    arms_threshold: float = P(0.52, 0, 1.0, "assurance", "assumption", [],
                              "Base threshold, arms.")
    training_threshold: float = P(0.62, 0, 1.2, "assurance", "assumption", [],
                                  "Base threshold, training.")
    capacity_weight: float = P(0.35, 0, 0.8, "assurance", "direction", ["olson_zeckhauser"],
                               "Fall in a threshold from no capacity to full capacity in that "
                               "mode.")
    home_guard: float = P(0.6, 0, 1.2, "assurance", "direction",
                          ["sandler_hartley_joint_products", "stat_border_russia_belarus"],
                          "Rise in the ground threshold per unit of threat exposure: the closer "
                          "the threat, the more a state's soldiers are worth at home (a private "
                          "benefit of forces kept for national defence, Sandler and Hartley "
                          "2001); the stake in the outcome is threat_weight.")
    approval_cost: float = P(0.6, 0, 1.5, "cost", "direction",
                             ["stat_deployment_approval", "de_no_without_us"],
                             "Domestic cost of presence where deployment needs a "
                             "parliamentary vote.")
    coalition_cost: float = P(0.3, 0, 1.5, "cost", "direction",
                              ["stat_coalition_government", "saideman_auerswald_caveats"],
                              "Domestic cost of presence where a coalition of parties governs "
                              "(coalition governments restrict deployments more, Saideman and "
                              "Auerswald 2012).")
    neutral_cost: float = P(0.6, 0, 1.5, "cost", "direction",
                            ["stat_neutrality", "tago_mandate"],
                            "Domestic cost of presence for a militarily neutral state, for a "
                            "mission without a UN mandate (Tago 2007).")
    fiscal_cost: float = P(0.6, 0, 1.5, "cost", "direction", ["stat_eu_fiscal_rules"],
                           "Domestic cost of financing and arms under fiscal rules.")
    election_cost: float = P(0.8, 0, 2, "cost", "direction",
                             ["de_election_feb2025", "stat_next_election"],
                             "Domestic cost of presence in the months around a national "
                             "election.")
    election_window: float = P(4.0, 1, 8, "months", "assumption", [],
                               "Months before an election in which election_cost applies.")
    formation_months: float = P(3.0, 0, 6, "months", "figure", ["stat_de_government_may2025"],
                                "Months after an election in which election_cost still "
                                "applies, while a government forms (Germany: February to "
                                "May 2025).")
    sustainable_share: float = P(0.08, 0.04, 0.12, "share of active personnel", "figure",
                                 ["stat_nato_usability"],
                                 "Share of land forces a state can keep on operations abroad "
                                 "(NATO usability target: 8% sustainable).")
    readiness_reference: float = P(2.0, 1, 3, "% of GDP", "figure", ["stat_nato_2pct"],
                                   "Defence spending at which a state's forces count as fully "
                                   "ready (NATO's 2% guideline).")
    readiness_floor: float = P(0.5, 0.2, 1, "share", "assumption", [],
                               "Readiness of a state spending nothing on defence (its share "
                               "rises linearly to 1 at readiness_reference).")
    air_share: float = P(0.15, 0.05, 0.3, "share of combat aircraft", "assumption", [],
                         "Share of its combat aircraft a state pledging air presence "
                         "contributes.")
    sea_share: float = P(0.2, 0.05, 0.4, "share of major warships", "assumption", [],
                         "Share of its major warships a state pledging sea presence "
                         "contributes.")
    eu_enablers: float = P(0.25, 0, 0.8, "level", "direction", ["force_needs_us_enablers"],
                           "European substitutes for US enablers (lift, ISR, logistics); low: "
                           "UK officials judged only the US can supply them.")
    ground_threshold_scale: float = P(1.0, 0.5, 1.5, "factor", "assumption", [],
                                      "Scales every state's ground-troop threshold.")
    air_threshold_scale: float = P(1.0, 0.5, 1.5, "factor", "assumption", [],
                                   "Scales every air threshold.")
    sea_threshold_scale: float = P(1.0, 0.5, 1.5, "factor", "assumption", [],
                                   "Scales every sea threshold.")
    financing_threshold_scale: float = P(1.0, 0.5, 1.5, "factor", "assumption", [],
                                         "Scales every financing threshold.")
    arms_threshold_scale: float = P(1.0, 0.5, 1.5, "factor", "assumption", [],
                                    "Scales every arms threshold.")
    training_threshold_scale: float = P(1.0, 0.5, 1.5, "factor", "assumption", [],
                                        "Scales every training threshold.")
    us_need: UsNeed = Field(default_factory=UsNeed)


# --- the force design --------------------------------------------------------------------------

class Design(_Group):
    """The reassurance-force design on the table (set by a design file, designs/*.yaml)."""

    ground_troops: float = P(30000, 0, 200000, "troops", "figure", ["force_size_30k"],
                             "Ground troops the design asks for (0: no ground component).")
    aircraft: float = P(60, 0, 1000, "combat aircraft", "assumption", [],
                        "Combat aircraft the design asks for (0: no air component).")
    warships: float = P(10, 0, 100, "major warships", "assumption", [],
                        "Major warships the design asks for (0: no sea component).")
    distance_km: float = P(150, 0, 1000, "km from the front line", "direction",
                           ["force_size_30k"],
                           "How far behind the line of contact the ground force sits "
                           "(the 30,000 force would be kept well back).")
    enabler_need: float = P(0.8, 0, 1, "level", "direction", ["force_needs_us_enablers"],
                            "Enablers (lift, ISR, logistics) the force needs to deploy in full.")
    lead_time: float = P(2.0, 0, 12, "months", "direction", ["macron_ready_on_signature"],
                         "Months from a ceasefire to the force being in place.")
    russia_hostility: float = P(1.0, 0, 1, "level", "direction",
                                ["russia_no_eu_troops", "russia_rejects_peacekeepers"],
                                "How strongly Russia rejects this force (1: foreign troops on "
                                "the ground in Ukraine).")
    ukraine_boost: float = P(0.0, 0, 0.3, "% of GDP", "direction", ["hague_shift"],
                             "Extra yearly support the design asks of each state that finances, "
                             "arms or trains Ukraine (a design that sustains Ukraine's own army "
                             "instead of deploying a force).")


# --- deterrence and burden ------------------------------------------------------------------

class Deterrence(_Group):
    """What stands against a renewed Russian offensive (denial) and who would escalate if it
    came (punishment), docs/ODD.md 7.6. No weights trade off: each term multiplies the hazard."""

    army_troops: float = P(500000, 150000, 1500000, "troops", "assumption", [],
                           "Foreign ground troops at the line of contact worth as much in "
                           "holding it as Ukraine's army at strength 1 (denial).")
    army_aircraft: float = P(600, 150, 2000, "combat aircraft", "assumption", [],
                             "Combat aircraft (with US air support in aircraft equivalents) "
                             "worth as much in denial as Ukraine's army at strength 1.")
    army_warships: float = P(150, 40, 600, "major warships", "assumption", [],
                             "Major warships worth as much in denial as Ukraine's army at "
                             "strength 1 (a land offensive: warships count little).")
    us_air_equivalent: float = P(100, 0, 400, "combat aircraft", "assumption", [],
                                 "Aircraft equivalents of full US air protection.")
    reach_km: float = P(100, 30, 400, "km", "direction", ["force_size_30k"],
                        "Distance from the line over which a ground force's denial value "
                        "falls by 1/e (a force kept well back does not hold the line).")
    tripwire_troops: float = P(1000, 100, 10000, "troops", "assumption", [],
                               "Deployed troops at which the force's presence (soldiers in "
                               "harm's way, a tripwire) reaches 1 - 1/e: a tripwire needs few.")
    force_hazard_ratio: float = P(0.3, 0.1, 0.9, "hazard ratio", "figure",
                                  ["fortna_peacekeeping", "fortna_peace_time"],
                                  "Hazard ratio of breakdown with a foreign force in place whose "
                                  "states are certain to respond, against none (Fortna 2008: "
                                  "peacekeepers cut the risk of renewed war by about 55-85%, "
                                  "a ratio of 0.15-0.45, default its midpoint; the range spans "
                                  "it up to a weaker "
                                  "effect of a force Russia has not consented to).")
    european_commitment: float = P(0.8, 0.2, 1, "probability", "direction",
                                   ["uk_fr_lead", "macron_ready_on_signature"],
                                   "Chance that the states whose troops are in place respond "
                                   "to an attack on them with a full US backstop behind them "
                                   "(the UK and France ready to deploy and to guarantee from "
                                   "the day of signature).")
    us_reliance: float = P(0.5, 0, 1, "share", "direction",
                           ["de_no_without_us", "it_es_need_us_role", "force_needs_us_enablers"],
                           "Share of the Europeans' readiness to respond that rests on the US "
                           "backstop behind them (they rely on US protection and enablers).")
    us_escalation: float = P(0.5, 0, 1, "probability", "direction",
                             ["us_backstop_components", "us_backstop_dec"],
                             "Chance that the US, at a full and credible military backstop, "
                             "responds to an attack on the force (it backs, it does not "
                             "deploy ground troops).")


class Burden(_Group):
    """What a pledge costs its state per year (burden shares against GDP)."""

    troop_cost_musd: float = P(0.25, 0.1, 1, "USD m per soldier-year", "assumption", [],
                               "Yearly cost of one deployed soldier.")
    air_pct_gdp: float = P(0.02, 0, 0.2, "% of GDP", "assumption", [],
                           "Yearly cost of air presence.")
    sea_pct_gdp: float = P(0.02, 0, 0.2, "% of GDP", "assumption", [],
                           "Yearly cost of sea presence.")
    financing_pct_gdp: float = P(0.1, 0.02, 0.5, "% of GDP", "assumption", [],
                                 "Yearly money a financing state gives Ukraine.")
    arms_pct_gdp: float = P(0.08, 0.01, 0.3, "% of GDP", "direction",
                            ["eram_missiles", "eram_missiles_count"],
                            "Yearly arms a state arming Ukraine delivers (ERAM: 3,350 "
                            "missiles for USD 825m from four states is one data point).")
    training_pct_gdp: float = P(0.005, 0, 0.05, "% of GDP", "assumption", [],
                                "Yearly cost of a training mission.")


class Parameters(_Group):
    """All parameters of one run."""

    us: UnitedStates = Field(default_factory=UnitedStates)
    sanctions: Sanctions = Field(default_factory=Sanctions)
    finance: Finance = Field(default_factory=Finance)
    russia: Russia = Field(default_factory=Russia)
    ukraine: Ukraine = Field(default_factory=Ukraine)
    coalition: Coalition = Field(default_factory=Coalition)
    design: Design = Field(default_factory=Design)
    deterrence: Deterrence = Field(default_factory=Deterrence)
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
    grade: str = "assumption"


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
                        tuple(extra.get("facts", ())), field.description or "",
                        extra.get("grade", "assumption"))


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
