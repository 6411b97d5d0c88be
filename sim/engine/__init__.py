"""Engines over the rules: the batch engine (many runs at once) and the Mesa model (one run, as agents)."""
