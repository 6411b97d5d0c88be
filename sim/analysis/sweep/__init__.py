"""Parameter sweeps: specs, chunked execution over the batch engine, statistics, figures."""

from sim.analysis.sweep.pipeline import SweepOutputs, run_sweep, sweep_design
from sim.analysis.sweep.runner import RunReport, SweepError, SweepPlan, run_design
from sim.analysis.sweep.spec import SensitivitySpec, SweepSpec, load_spec, resolve_scenario

__all__ = ["SweepPlan", "RunReport", "SensitivitySpec", "SweepError", "SweepOutputs", "SweepSpec",
           "load_spec", "resolve_scenario", "run_design", "run_sweep", "sweep_design"]
