"""Mesa agents: views onto the engine's arrays, for inspection, data collection and the app.

The agents hold no state of their own and apply no rules: every rule is in sim/model/rules.py and
runs over the arrays of the model's one-run ``Simulation``. An agent reads its row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model.parameters import BACKSTOP, MODES
from sim.model.rules import BACKSTOP_PATHS

if TYPE_CHECKING:
    from sim.engine.mesa_model import CoalitionModel


class CoalitionState(mesa.Agent):
    """A coalition participant: its attributes, thresholds and commitments by mode."""

    def __init__(self, model: CoalitionModel, index: int):
        super().__init__(model)
        self.index = index
        self.code = model.world.codes[index]
        self.name = model.world.names[index]
        self.lat = float(model.world.lat[index])
        self.lon = float(model.world.lon[index])

    @property
    def commitments(self) -> dict[str, bool]:
        """Mode → committed, this month."""
        row = self.model.simulation.run_state.committed[0, self.index]
        return {m: bool(row[i]) for i, m in enumerate(MODES)}

    @property
    def modes(self) -> str:
        """Committed modes joined by '+', or 'none'."""
        return "+".join(m for m, on in self.commitments.items() if on) or "none"

    @property
    def thresholds(self) -> dict[str, float]:
        """Mode → commitment threshold (inf where the state has no capacity)."""
        row = self.model.simulation.theta[0, self.index]
        return {m: float(row[i]) for i, m in enumerate(MODES)}

    @property
    def troops(self) -> float:
        """Ground troops offered this month (0 for a conditional pledge, ODD 7.1)."""
        return float(self.model.simulation.run_state.offered[0, self.index, 0])

    @property
    def burden_pct_gdp(self) -> float:
        """Yearly cost of this month's commitments, % of GDP."""
        return float(self.model.burden()[self.index])


class UnitedStatesAgent(mesa.Agent):
    """The US: announced backstop, credibility, frustration, tariffs, disengagement."""

    @property
    def backstop(self) -> dict[str, float]:
        p = self.model.simulation.params
        return {k: float(p[path][0]) for k, path in zip(BACKSTOP, BACKSTOP_PATHS, strict=True)}

    @property
    def credibility(self) -> float:
        return float(self.model.simulation.run_state.credibility[0])

    @property
    def frustration(self) -> float:
        return float(self.model.simulation.run_state.frustration[0])

    @property
    def tariffs(self) -> float:
        return float(self.model.simulation.run_state.tariffs[0])

    @property
    def disengaged(self) -> bool:
        return bool(self.model.simulation.run_state.disengaged[0])


class RussiaAgent(mesa.Agent):
    """Russia: growth under sanctions, willingness to agree a ceasefire, ceasefire conduct."""

    @property
    def growth(self) -> float:
        return float(self.model.simulation.run_state.growth[0])

    @property
    def willingness(self) -> float:
        return float(self.model.simulation.run_state.derived.get("willingness", [0.0])[0])

    @property
    def breakdowns(self) -> int:
        """Ceasefires Russia has broken so far."""
        return int(self.model.simulation.run_state.breakdowns[0])

    @property
    def violated(self) -> bool:
        """Russia has broken at least one ceasefire."""
        return self.breakdowns > 0


class UkraineAgent(mesa.Agent):
    """Ukraine: its army's strength, and whether it accepts the guarantees on offer."""

    @property
    def strength(self) -> float:
        return float(self.model.simulation.run_state.strength[0])

    @property
    def acceptance(self) -> float:
        """Chance Ukraine accepts a ceasefire with the guarantees on offer this month."""
        return float(self.model.simulation.run_state.derived.get("ukraine_accepts", [0.0])[0])

    @property
    def ceasefire(self) -> bool:
        return bool(self.model.simulation.run_state.ceasefire[0])
