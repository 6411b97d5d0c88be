"""Simulation-based calibration (Talts et al. 2018) of the shipped calibration method.

For each of ``--truths`` parameter sets drawn from the prior of every free parameter of the
shipped spec (seeds/calibration/record-2025.yaml), data are generated as the method assumes
them — each target observation is the mean over ``reps`` runs at the truth plus a normal
error with the observation's sd — and calibrated with the shipped method (noise model,
tempering to temperature 1) on a smaller budget. The rank of each true value among ``L``
posterior draws is uniform on 0..L if the calibration is right; the script prints, per
parameter, the χ² test of uniformity of the ranks (in ``--bins`` bins; target p > 0.01) and
the coverage of the 50% and 90% credible intervals, and writes the ranks and the rank
histograms to docs/calibration/ (sbc.csv, sbc.png).

    .venv/bin/python bench/bench_sbc.py                    # 20 truths, 300 particles
    .venv/bin/python bench/bench_sbc.py --truths 40 --particles 500
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import ROOT, ShippedCalibration

from sim.analysis.calibration import abc
from sim.analysis.calibration.simulator import RecordSimulator
from sim.analysis.posterior import effective_sample_size


def ranks_of(truth: np.ndarray, draws: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rank of each true value among its draws (ties broken at random), 0..L."""
    less = (draws < truth[None, :]).sum(axis=0)
    ties = (draws == truth[None, :]).sum(axis=0)
    return less + np.array([rng.integers(0, t + 1) for t in ties])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--truths", type=int, default=20)
    ap.add_argument("--particles", type=int, default=300)
    ap.add_argument("--reps", type=int, default=8, help="runs per particle (and per datum)")
    ap.add_argument("--draws", type=int, default=9, help="posterior draws per truth (L)")
    ap.add_argument("--bins", type=int, default=5)
    ap.add_argument("--populations", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "calibration")
    ap.add_argument("--ranks", type=Path, default=None,
                    help="analyse the ranks of an earlier run (its sbc-ranks.csv) again")
    args = ap.parse_args()
    if (args.draws + 1) % args.bins:
        ap.error(f"--bins must divide the {args.draws + 1} possible ranks (0..{args.draws}) "
                 "evenly, or the bins' expected counts differ")
    if args.ranks is not None:
        df = pd.read_csv(args.ranks)
        args.truths = int(df["truth_index"].nunique())
        summarise(df, list(dict.fromkeys(df["parameter"])), args, 0.0)
        return

    shipped = ShippedCalibration()
    spec, sc, obs = shipped.spec, shipped.scenario, shipped.observations
    priors, names = shipped.priors, shipped.names
    rng = np.random.default_rng(args.seed)
    rows = []
    t_all = time.perf_counter()
    for i in range(args.truths):
        t0 = time.perf_counter()
        truth = shipped.draw(rng)
        gen = RecordSimulator(sc, obs, names, reps=args.reps, seed=10**9 + i * 10**6)
        y = gen.stats(truth[None, :])[0] + rng.normal(0.0, gen.sd)
        data = tuple(o.model_copy(update={"value": float(v)}) for o, v in zip(obs, y, strict=True))
        sim = RecordSimulator(sc, data, names, reps=args.reps, seed=i * 10**7)
        with tempfile.TemporaryDirectory() as tmp:
            fit = abc.calibrate(sim, priors, Path(tmp) / "abc.db",
                                population_size=args.particles, populations=args.populations,
                                seed=args.seed + i, acceptance="noise",
                                ess_target=spec.ess_target)
        post = fit.posterior
        w = post["weight"].to_numpy()
        pick = rng.choice(len(post), size=args.draws, p=w / w.sum())
        draws = post[names].to_numpy()[pick]
        r = ranks_of(truth, draws, rng)
        x = post[names].to_numpy()
        order = np.argsort(x, axis=0)
        cover = {}
        for level in (0.5, 0.9):
            inside = []
            for j in range(len(names)):
                cdf = np.cumsum(w[order[:, j]]) / w.sum()
                q_lo = x[order[np.searchsorted(cdf, (1 - level) / 2), j], j]
                q_hi = x[order[min(np.searchsorted(cdf, (1 + level) / 2), len(cdf) - 1), j], j]
                inside.append(bool(q_lo <= truth[j] <= q_hi))
            cover[level] = inside
        final = float(fit.thresholds["epsilon"].iloc[-1])
        ess = effective_sample_size(w)
        for j, n in enumerate(names):
            rows.append({"truth_index": i, "parameter": n, "truth": truth[j], "rank": int(r[j]),
                         "in50": cover[0.5][j], "in90": cover[0.9][j],
                         "final_temperature": final, "ess": ess,
                         "generations": len(fit.thresholds),
                         "runs": sim.runs})
        print(f"truth {i + 1}/{args.truths}: {len(fit.thresholds)} generations, final "
              f"temperature {final:.3g}, effective sample size {ess:.0f}, {sim.runs:,} runs, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    summarise(pd.DataFrame(rows), names, args, time.perf_counter() - t_all)


def summarise(df: pd.DataFrame, names: list[str], args: argparse.Namespace,
              seconds: float) -> None:
    """Print the χ² test and coverage per parameter; write sbc-ranks.csv, sbc.csv, sbc.png."""
    from scipy import stats

    edges = np.linspace(0, args.draws + 1, args.bins + 1)
    print(f"\nSBC: {args.truths} truths, {args.draws} posterior draws each, {args.bins} bins; "
          f"{seconds:.0f} s")
    print(f"{'parameter':34s} {'chi2 p':>7s} {'50% cov':>8s} {'90% cov':>8s}  histogram")
    summary = []
    for n in names:
        sel = df[df["parameter"] == n]
        counts, _ = np.histogram(sel["rank"], bins=edges)
        p = float(stats.chisquare(counts).pvalue)
        summary.append({"parameter": n, "chi2_p": p, "coverage50": sel["in50"].mean(),
                        "coverage90": sel["in90"].mean(), "histogram": " ".join(map(str, counts))})
        print(f"{n:34s} {p:7.3f} {sel['in50'].mean():8.2f} {sel['in90'].mean():8.2f}  "
              f"{' '.join(map(str, counts))}")
    print(f"all p > 0.01: {all(s['chi2_p'] > 0.01 for s in summary)}")
    met = df.groupby("truth_index").first()
    ok = (met["final_temperature"] <= 1.0) & (met["ess"] >= 0.2 * args.particles)
    print(f"stopping rule met in {int(ok.sum())} of {len(met)} calibrations (median effective "
          f"sample size {met['ess'].median():.0f} of {args.particles})")
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / "sbc-ranks.csv", index=False)
    pd.DataFrame(summary).to_csv(args.out / "sbc.csv", index=False)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rws = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rws, cols, figsize=(3.0 * cols, 2.2 * rws), squeeze=False)
    for ax, s in zip(axes.flat, summary, strict=False):
        sel = df[df["parameter"] == s["parameter"]]
        ax.hist(sel["rank"], bins=edges, color="#4477aa")
        ax.axhline(args.truths / args.bins, color="grey", ls="--", lw=1)
        ax.set_title(f"{s['parameter']}\nχ² p = {s['chi2_p']:.2f}", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms ({args.truths} truths, L = {args.draws}; dashed: uniform)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out / "sbc.png", dpi=110)


if __name__ == "__main__":
    main()
