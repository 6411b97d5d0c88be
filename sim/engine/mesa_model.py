"""CoalitionModel: one run as a mesa.Model, over the same rules as the batch engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.engine import batch as engine
from sim.engine.agents import CoalitionState, RussiaAgent, UkraineAgent, UnitedStatesAgent
from sim.model.parameters import MODES
from sim.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from sim.analysis.posterior import Posterior

DEFAULT_SCENARIO = "sep-2025-paris"


def _seed_of(rng: Any, scenario: Scenario) -> int:
    if rng is None:
        return scenario.seed
    if isinstance(rng, (int, np.integer)):
        return int(rng)
    raise TypeError("CoalitionModel needs an integer seed as rng (a run is identified by its seed)")


def _draw(posterior: Posterior | None, scenario: Scenario, seed: int,
          overrides: dict[str, float]) -> tuple[int | None, dict[str, float]]:
    """The particle ``seed`` draws and its values of the parameters neither the scenario nor
    an override sets (``Posterior.values_for``); (None, {}) without a posterior."""
    if posterior is None:
        return None, {}
    values, particle = posterior.values_for(scenario, [seed])
    return int(particle[0]), {k: float(v[0]) for k, v in values.items() if k not in overrides}


class CoalitionModel(mesa.Model):
    """One seeded run of a scenario.

    ``CoalitionModel(scenario="sep-2025-paris", rng=7, **{"us.backstop_scale": 1.5})``: keyword
    arguments with dotted names override parameters, so ``mesa.batch_run`` sweeps them as is.
    The run stops at the scenario's horizon. Mesa's own ``Scenario`` objects (SolaraViz passes
    one on Reset) are accepted too: their ``rng`` is the seed and their ``coalition_scenario``
    attribute, if set, names the coalition scenario.

    With a ``posterior`` (``sim.analysis.posterior.Posterior``) the run draws the calibrated parameters
    from it by its seed, as ``api.run`` does: ``particle`` is the row drawn and ``drawn`` the
    values it gives; a parameter the scenario's files write or an override sets keeps its
    value (``Posterior.drawn_names``).
    """

    def __init__(self, scenario: str | Scenario | MesaScenario = DEFAULT_SCENARIO,
                 rng: Any = None, posterior: Posterior | None = None, **overrides: float):
        if isinstance(scenario, MesaScenario):
            rng = scenario.rng if rng is None else rng
            scenario = getattr(scenario, "coalition_scenario", DEFAULT_SCENARIO)
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        seed = _seed_of(rng, sc)
        super().__init__(rng=seed)
        self.coalition_scenario = sc  # mesa.Model reserves `scenario`
        self.seed = seed
        self.posterior = posterior
        self.particle, self.drawn = _draw(posterior, sc, seed, overrides)
        batch = engine.compile_batch(sc, seeds=[seed], values={**self.drawn, **overrides})
        self.world = batch.world
        self.simulation = engine.Simulation(batch)
        self.horizon = batch.horizon
        self.states = [CoalitionState(self, i) for i in range(self.world.size)]
        self.united_states = UnitedStatesAgent(self)
        self.russia = RussiaAgent(self)
        self.ukraine = UkraineAgent(self)
        self._outcomes: tuple[int, dict[str, float]] = (0, {})
        reporters = {k: (lambda m, k=k: m.outcome(k)) for k in engine.STEP_OUTCOMES}
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters,
            agent_reporters={"modes": lambda a: getattr(a, "modes", None)},
        )

    def outcome(self, name: str) -> float:
        """This month's value of an outcome in engine.STEP_OUTCOMES (NaN before month 1)."""
        month = self.simulation.month
        if month == 0:
            return float("nan")
        if self._outcomes[0] != month:  # computed once a month, not once per reporter
            self._outcomes = (month, {k: float(v[0]) for k, v in self.simulation.outcomes().items()})
        return self._outcomes[1][name]

    def burden(self) -> np.ndarray:
        """Yearly cost of each state's current commitments, % of GDP (S,)."""
        sim = self.simulation
        return engine.burden(sim.batch, sim.run_state.committed, sim.params, sim.month,
                             sim.run_state.offered)[0]

    @property
    def log(self) -> list[tuple[int, str]]:
        """Scheduled events that have happened: (month, plain words)."""
        return self.simulation.log

    def committed_modes(self) -> dict[str, list[str]]:
        """Mode → codes of the states committed to it this month."""
        c = self.simulation.run_state.committed[0]
        return {m: [self.world.codes[s] for s in np.flatnonzero(c[:, i])]
                for i, m in enumerate(MODES)}

    def step(self) -> None:
        """One month: events, then every rule, then data collection."""
        self.simulation.step()
        self.datacollector.collect(self)
        if self.simulation.month >= self.horizon:
            self.running = False
