"""Scenarios: the schema, loading with inheritance, and the seed scenarios in scenarios/."""

from sim.scenario.loader import SCENARIOS_DIR, load_scenario, scenario_names
from sim.scenario.schema import Event, Position, Scenario

__all__ = ["SCENARIOS_DIR", "Event", "Position", "Scenario", "load_scenario", "scenario_names"]
