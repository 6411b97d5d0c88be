"""Parameter sweeps: specs, chunked execution over the batch engine, statistics, figures."""

from sim.sweep.pipeline import SweepOutputs, run_sweep, sweep_design
from sim.sweep.runner import Design, RunReport, SweepError, run_design
from sim.sweep.spec import SensitivitySpec, SweepSpec, load_spec, resolve_scenario

__all__ = ["Design", "RunReport", "SensitivitySpec", "SweepError", "SweepOutputs", "SweepSpec",
           "load_spec", "resolve_scenario", "run_design", "run_sweep", "sweep_design"]
