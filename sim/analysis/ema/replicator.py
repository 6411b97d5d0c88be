"""The ``ReplicatorModel`` that runs an experiment's replications as one batch.

EMA's ``ReplicatorModel`` calls its function once per replication; this subclass calls it once
per experiment with every replication's ``seed`` (``seeds=[...]``), and the function returns
one value per replicate for each outcome, which each ``ScalarOutcome``'s function reduces.
Imports ema_workbench: ``sim.analysis.ema`` imports this module only when it builds a model.
"""

from __future__ import annotations

import warnings
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "ipyparallel not installed" on import
    from ema_workbench import ReplicatorModel
    from ema_workbench.em_framework.model import Replicator
    from ema_workbench.em_framework.util import combine


class BatchReplicatorModel(ReplicatorModel):
    """A ReplicatorModel whose function runs all replications at once.

    ``replications`` is a list of ``{"seed": int}``; the function is called as
    ``function(seeds=[...], **experiment)`` (experiment keys are the parameters'
    ``variable_name``) and returns ``{outcome variable: values, one per replicate}``.
    """

    def run_model(self, scenario: Any, policy: Any, constants: Any) -> None:
        """Run one experiment: every replication in one call of the function."""
        super(Replicator, self).run_model(scenario, policy, constants)  # names → variables
        fixed = {c.name: c.value for c in self.constants}
        # with no uncertainties (levers) declared EMA leaves the scenario (policy) untranslated;
        # nothing of it is an input then
        experiment = combine(scenario if self.uncertainties else {},
                             self.policy if self.levers else {}, fixed)
        seeds = [int(rep["seed"]) for rep in self.replications]
        output = self.function(seeds=seeds, **experiment)
        self.outcomes_output = {var: output[var] for var in self.output_variables}
        self.constraints_output = (experiment, self.outcomes_output)
