"""``coalition-sim compare``: the main job — scenarios side by side, with a report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.cli.common import (
    add_command,
    add_posterior_option,
    add_svg_option,
    fail,
    figure_formats,
    load_posterior,
    nonnegative_int,
    positive_int,
    posterior_wanted,
    uncertainty_lines,
)
from sim.util.startup import imports_without_gc


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers, "compare", help="compare scenarios (default: all seed scenarios) in a report",
        description="""
        Run each scenario and compare them: a table of reassurance-force outcomes (mean and
        90% interval over replicates), figures (trajectories with bands, a state x scenario
        commitment matrix) and report.md, which says in plain words what differs and why.
        Every run draws the parameters the 2025 record leaves uncertain from the shipped
        posterior (--fixed-parameters: none), so intervals, P(best) and regret cover
        parameters and runs; designs and scenarios run on the same seeds, and the same seed
        draws the same parameters everywhere (paired).""",
        examples=["coalition-sim compare --out out/compare",
                  "coalition-sim compare feb-2025-summit sep-2025-paris us-full-backstop",
                  "coalition-sim compare --replicates 20 --out /tmp/quick",
                  "coalition-sim compare sep-2025-paris us-full-backstop --designs all",
                  "coalition-sim compare --designs rear-reassurance-30k,sustain-ukraine",
                  "coalition-sim compare --designs all --fixed-parameters --out out/fixed"])
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help="scenario names or .yaml files (default: the seed scenarios)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: out/compare)")
    p.add_argument("--replicates", "-n", type=positive_int, default=None,
                   help="runs per scenario (default: each scenario's)")
    p.add_argument("--seed", type=nonnegative_int, default=None,
                   help="base seed for every scenario (default: each scenario's)")
    p.add_argument("--designs", metavar="NAMES", default=None,
                   help="compare force designs: 'all' or comma-separated names from "
                        "scenarios/designs/ (every scenario runs with every design)")
    p.add_argument("--reference", metavar="NAME", default=None,
                   help="the scenario (or, with --designs, the design) every other is compared "
                        "with, run on the same seeds (default: the scenario most others extend; "
                        "the articles' design)")
    add_posterior_option(p)
    add_svg_option(p)
    p.add_argument("--no-screening", action="store_true",
                   help="skip the Morris screening and knife-edge scan of the report")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars (default: only on a terminal)")
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    with imports_without_gc():
        from sim import api
        from sim.analysis.assess import assess
        from sim.output.outdir import staged
        from sim.output.report import write_comparison
        from sim.util import limits

    designs = [d.strip() for d in args.designs.split(",") if d.strip()] if args.designs else None
    items = args.scenarios or api.default_scenarios()
    scenarios = [api.load(x) for x in items]  # every bad file is reported before anything runs
    if args.replicates is not None or args.seed is not None:
        scenarios = [api.with_overrides(sc, {
            **({"replicates": args.replicates} if args.replicates is not None else {}),
            **({"seed": args.seed} if args.seed is not None else {})}) for sc in scenarios]
    cells = max(1, len(api.resolve_designs(designs)))
    limits.check_compare([(sc.name, sc.replicates * cells, sc.horizon, len(sc.states()))
                          for sc in scenarios])
    posterior = load_posterior(posterior_wanted(args))
    out = Path(args.out if args.out is not None else Path("out") / "compare")
    with staged(out, "compare") as tmp:  # checks and locks --out before running
        cmp = api.compare(scenarios, progress=args.progress, designs=designs,
                          posterior=posterior)
        if args.reference and args.reference not in (
                [d for _, d in cmp.cells.values()] if cmp.cells else cmp.names):
            fail(f"--reference {args.reference}: not among the compared "
                 f"{'designs' if cmp.cells else 'scenarios'}")
        found = assess(cmp, args.reference, screen=not args.no_screening)
        report = out / write_comparison(cmp, tmp, found,
                                        figure_formats(args)).relative_to(tmp)
    t = cmp.table
    print(f"compared {len(cmp.names)} scenarios: {', '.join(cmp.names)}")
    for name in t.index:
        print(f"  {name:28s} pledged troops {t.loc[name, ('pledged_troops', 'mean')]:>7,.0f}   "
              f"deployed {t.loc[name, ('deployed_troops', 'mean')]:>7,.0f}   "
              f"deterrence {t.loc[name, ('deterrence', 'mean')]:.2f}   "
              f"P(ceasefire agreed) {t.loc[name, ('ceasefire_agreed', 'mean')]:4.0%}")
    if posterior is None:
        print("parameters fixed at each scenario's values (no posterior)")
    else:
        print(f"parameters drawn from the posterior {posterior.label}; "
              "uncertainty.csv separates parameters from runs")
        for name, r in ([] if cmp.cells else cmp.results.items()):  # designs: uncertainty.csv
            print(f"{name}:")
            print("\n".join(uncertainty_lines(r.uncertainty(["pledged_troops",
                                                               "ceasefire_agreed"]))))
    print(f"report: {report}")
    return 0
