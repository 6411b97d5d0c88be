"""Outputs: reports, figures, tables, manifests and output folders. Writes what it is given; runs nothing."""
