"""Analyses over the engine: statistics, effects, screening, observations, sensitivity,
discovery, sweeps, calibration, posteriors, and the model as an EMA Workbench model (``ema``)."""
