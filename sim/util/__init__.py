"""Small helpers with no model knowledge: limits, worker processes, progress bars, names, version."""
