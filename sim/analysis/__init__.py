"""Analyses over the engine: statistics, effects, screening, observations, sensitivity,
discovery, sweeps, calibration and posteriors."""
