"""Breakdown hazard ratio of each force design against sustain-ukraine, stratified by
ceasefire age (docs/ODD.md 7.6 and 7.10), at the defaults and over the documented range of
``deterrence.force_hazard_ratio`` (the Fortna prior). Prints measured numbers; asserts nothing.

    PYTHONPATH=$PWD python bench/bench_hazard_ratio.py [--replicates 1000] [--scenario sep-2025-paris]
"""

from __future__ import annotations

import argparse

import numpy as np
from common import pin_one_core  # noqa: F401  (sets one thread per library, puts the repo on the path)

from sim.analysis.hazard import hazard_ratio
from sim.model.parameters import PARAM_INFO
from sim.scenario import load_scenario

DESIGNS = ("rear-reassurance-30k", "tripwire", "deterrent-force", "air-sea-presence")
REFERENCE = "sustain-ukraine"
PRIOR = "deterrence.force_hazard_ratio"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--scenario", default="sep-2025-paris")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    info = PARAM_INFO[PRIOR]
    print(f"scenario {args.scenario}, {args.replicates} paired replicates, reference {REFERENCE}, "
          f"strata by ceasefire age (months)")
    print(f"\nat the defaults ({PRIOR} = {info.default:g}):")
    print(f"{'design':24s} {'HR':>6s} {'90% interval':>14s} {'events':>7s} {'months':>8s}")
    for d in DESIGNS:
        r = hazard_ratio(sc, d, REFERENCE, args.replicates)
        print(f"{d:24s} {r['hazard_ratio']:6.3f} [{r['lo90']:.2f}, {r['hi90']:.2f}] "
              f"{r['events']:7.0f} {r['months_at_risk']:8.0f}")
    print(f"\nrear-reassurance-30k vs {REFERENCE} over the documented range of {PRIOR}:")
    for v in np.linspace(info.lo, info.hi, 5):
        r = hazard_ratio(sc, DESIGNS[0], REFERENCE, args.replicates, {PRIOR: float(v)})
        print(f"{PRIOR} = {v:4.2f}: HR {r['hazard_ratio']:.3f} [{r['lo90']:.2f}, {r['hi90']:.2f}] "
              f"({r['events']:.0f} events in "
              f"{r['months_at_risk']:.0f} months; reference {r['reference_events']:.0f} in "
              f"{r['reference_months_at_risk']:.0f})")


if __name__ == "__main__":
    main()
