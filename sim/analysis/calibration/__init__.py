"""Calibration against the 2025 record (ABC-SMC with pyabc, batch-fed): spec, simulator,
fit and outputs. ``coalition-sim calibrate SPEC --out DIR``; docs/calibration.md."""

from sim.analysis.calibration.spec import DEFAULT_FREE, CalibrationSpec, load_spec

__all__ = ["DEFAULT_FREE", "CalibrationSpec", "load_spec"]
