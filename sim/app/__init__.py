"""The classroom web app (Mesa SolaraViz): a map of commitments, force, deterrence, Russia's
economy and an event log in plain words. Start it with ``coalition-sim app``."""
