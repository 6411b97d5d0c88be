"""What a calibration writes: the weighted posterior, thresholds, figures, the posterior
predictive check and the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import stats
from sim.analysis.calibration.abc import Fit
from sim.analysis.calibration.pyabc_adapter import MIN_ESS_SHARE
from sim.analysis.calibration.simulator import RecordSimulator
from sim.analysis.calibration.spec import CalibrationSpec
from sim.analysis.observations import table as observations_table
from sim.analysis.posterior import effective_sample_size
from sim.model.parameters import PARAM_INFO
from sim.model.record import Observation, for_scenario
from sim.output import io
from sim.output import manifest as mf


def predictive(spec: CalibrationSpec, particles: pd.DataFrame, weights: np.ndarray,
               runs: int = 400, seed: int = 10**9,
               observations: tuple[Observation, ...] | None = None) -> pd.DataFrame:
    """Posterior predictive check: ``runs`` runs, each with a particle drawn by weight, against
    every observation of the scenario (fitted, held out or a consistency check). One row per
    observation: ``role`` (fitted / held out / consistency), observed value and 90% interval,
    predictive mean and 90% band, ``covered`` (the band meets the interval), and the
    predictive ``z`` = (observed - predictive mean) / sqrt(observation sd² + predictive
    variance) with its two-sided ``p_value``: how far the observation lies in the distribution
    of one run plus the observation's own error."""
    sc = spec.load_scenario()
    obs = observations or for_scenario(sc)
    names = [c for c in particles.columns if c in PARAM_INFO]
    sim = RecordSimulator(sc, obs, names, reps=1, seed=seed, fixed=spec.fixed)
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(particles), size=runs, p=weights / weights.sum())
    x = sim.per_run(particles[names].to_numpy()[idx], seed + np.arange(runs, dtype=np.int64))
    fitted = {o.id for o in spec.select_observations(sc)}
    t = observations_table(obs, [x[:, k] for k in range(len(obs))])
    t["role"] = ["consistency" if r == "consistency" else "fitted" if i in fitted
                 else "held out" for i, r in zip(t["id"], t["role"], strict=True)]
    t["fitted"] = t["id"].isin(fitted)
    t["sd"] = [o.sd for o in obs]
    t = t.rename(columns={"simulated": "predicted", "simulated_lo": "predicted_lo",
                          "simulated_hi": "predicted_hi"})
    return t[["id", "date", "what", "role", "fitted", "observed", "sd", "observed_lo",
              "observed_hi", "predicted", "predicted_lo", "predicted_hi", "covered", "z",
              "p_value"]]




def stopping_rule(spec: CalibrationSpec, fit: Fit) -> dict[str, Any]:
    """The calibration's stopping rule and whether the fit met it. ``noise``: the temperature
    reached 1 (the posterior is exact for the noise model, up to Monte Carlo error) with an
    effective sample size of at least MIN_ESS_SHARE of the particles (more generations at
    temperature 1 until it does). ``threshold``: the threshold
    fell by less than 2% per generation in each of the last two generations, or the
    acceptance rate fell below 2%."""
    th = fit.thresholds
    w = fit.posterior["weight"].to_numpy()
    ess = effective_sample_size(w)
    if spec.acceptance == "noise":
        final = float(th["epsilon"].iloc[-1])
        met = bool(final <= 1.0 and ess >= MIN_ESS_SHARE * len(w))
        return {"rule": f"temperature reaches 1 with an effective sample size of at least "
                        f"{MIN_ESS_SHARE:.0%} of the particles", "met": met,
                "final_temperature": final, "effective_sample_size": ess}
    eps = th["epsilon"].to_numpy(dtype=float)
    drops = 1 - eps[1:] / eps[:-1]
    flat = len(drops) >= 2 and bool((drops[-2:] < 0.02).all())
    low = bool(th["acceptance_rate"].iloc[-1] < 0.02)
    return {"rule": "threshold falls by less than 2% per generation for two generations, or "
                    "acceptance falls below 2%", "met": flat or low,
            "final_epsilon": float(eps[-1]), "effective_sample_size": ess}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def marginals_figure(fit: Fit) -> Any:
    plt = _plt()
    n = len(fit.names)
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    w = fit.posterior["weight"].to_numpy()
    summary = fit.summary().set_index("parameter")
    for ax, name in zip(axes.flat, fit.names, strict=False):
        lo, hi = fit.priors[name]
        ax.hist(fit.posterior[name], bins=30, range=(lo, hi), weights=w, density=True,
                color="#4477aa", alpha=0.8)
        ax.axhline(1 / (hi - lo), color="grey", ls="--", lw=1, label="prior")
        ax.axvline(PARAM_INFO[name].default, color="#cc6677", lw=1.2, label="default")
        s = summary.loc[name]
        ax.axvspan(s["lo90"], s["hi90"], color="#4477aa", alpha=0.12)
        ax.axvline(s["median"], color="#222222", lw=1.2, label="posterior median")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle("Posterior marginals (weighted; shaded: 90% credible interval)", fontsize=10)
    fig.tight_layout()
    return fig


def pairs_figure(fit: Fit) -> Any:
    plt = _plt()
    n = len(fit.names)
    fig, axes = plt.subplots(n, n, figsize=(1.6 * n + 1, 1.6 * n + 1), squeeze=False)
    w = fit.posterior["weight"].to_numpy()
    for i, a in enumerate(fit.names):
        for j, b in enumerate(fit.names):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(fit.posterior[a], bins=25, range=fit.priors[a], weights=w,
                        color="#4477aa")
                ax.set_xlim(*fit.priors[a])
            elif i > j:
                ax.hist2d(fit.posterior[b], fit.posterior[a], bins=20, weights=w,
                          range=[fit.priors[b], fit.priors[a]], cmap="Blues")
            else:
                ax.axis("off")
            if j == 0:
                ax.set_ylabel(a.split(".")[-1], fontsize=6)
            if i == n - 1:
                ax.set_xlabel(b.split(".")[-1], fontsize=6)
    fig.suptitle("Pairwise posterior (weighted 2-D histograms on the prior ranges)", fontsize=9)
    return fig


def predictive_figure(table: pd.DataFrame, title: str) -> Any:
    plt = _plt()
    n = len(table)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * n + 1.2))
    y = np.arange(n)[::-1]
    # standardise each row by its observation's sd so that counts, growth and shares share an axis
    sd = (table["observed_hi"] - table["observed_lo"]) / (2 * stats.Z90)
    obs = np.zeros(n)
    plo = (table["predicted_lo"] - table["observed"]) / sd
    phi = (table["predicted_hi"] - table["observed"]) / sd
    pm = (table["predicted"] - table["observed"]) / sd
    ax.axvspan(-stats.Z90, stats.Z90, color="#dddddd", label="observation's 90% interval")
    for k in range(n):
        color = "#4477aa" if table["covered"].iloc[k] else "#cc3311"
        ax.plot([plo.iloc[k], phi.iloc[k]], [y[k], y[k]], color=color, lw=4, alpha=0.6)
        ax.plot(pm.iloc[k], y[k], "o", color=color, ms=5)
    ax.plot(obs, y, "k|", ms=12, label="observed")
    labels = [f"{r.id} ({r.date}){'' if r.fitted else ' [held out]'}"
              for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlabel("(simulated - observed) / sd of the observation; bar: predictive 90% band, "
                  "dot: mean; red: band misses", fontsize=7)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def _acceptance(spec: CalibrationSpec) -> dict[str, str]:
    """How particles were accepted, as the manifest states it."""
    if spec.acceptance == "noise":
        return {"acceptance": "StochasticAcceptor: each observation = statistic + normal error "
                              f"with the observation's sd x {spec.sd_scale:g} "
                              "(IndependentNormalKernel); normalising log density = the "
                              "kernel's maximum - K/2",
                "temperature": f"adaptive tempering keeping {spec.ess_target:g} of the "
                               "effective sample size, down to 1"}
    return {"distance": "Euclidean on (statistic - observed) / sd",
            "epsilon": f"weighted {spec.epsilon_quantile} quantile of the last generation's "
                       "distances"}


def write(fit: Fit, spec: CalibrationSpec, out: Path, predictive_table: pd.DataFrame,
          resumed: bool = False, argv: list[str] | None = None) -> list[Path]:
    """Every output of a calibration in ``out`` (the pyabc store abc.db is already there)."""
    written: list[Path] = []
    written += io.write_table(fit.posterior, out / "posterior")
    written += io.write_table(fit.thresholds, out / "thresholds")
    summary = fit.summary()
    written += io.write_table(summary, out / "parameters")
    written += io.write_table(predictive_table, out / "predictive")
    plt = _plt()
    for stem, fig in (("marginals", marginals_figure(fit)), ("pairs", pairs_figure(fit)),
                      ("predictive", predictive_figure(
                          predictive_table, f"Posterior predictive check ({spec.name}): "
                          f"{int(predictive_table['covered'].sum())} of {len(predictive_table)} "
                          "observations covered"))):
        written += io.save_figure(fig, out / stem, formats=("png",))
        plt.close(fig)
    sim = fit.simulator
    manifest = {
        **mf.header("calibration", argv),
        "spec": spec.model_dump(mode="json"),
        "scenario": spec.scenario,
        "method": {"library": "pyabc", "algorithm": "ABC-SMC", "sampler": "BatchSampler "
                   "(sim/analysis/calibration/pyabc_adapter.py: whole batches through the "
                   "batch engine)", **_acceptance(spec),
                   "statistics": f"per observation, the mean over {spec.reps} runs of a "
                                 "particle", "store": "abc.db (pyabc SQLite history)"},
        "stopping_rule": stopping_rule(spec, fit),
        "priors": {n: {"distribution": "uniform", "lo": lo, "hi": hi}
                   for n, (lo, hi) in fit.priors.items()},
        "observations": {o.id: {"date": o.date, "value": o.value, "sd": o.sd}
                         for o in sim.observations},
        "generations": int(len(fit.thresholds)),
        "final_epsilon": float(fit.thresholds["epsilon"].iloc[-1]),
        "particles": int(len(fit.posterior)),
        "effective_sample_size": effective_sample_size(fit.posterior["weight"]),
        "posterior": summary.to_dict(orient="records"),
        "predictive": {"covered": int(predictive_table["covered"].sum()),
                       "of": int(len(predictive_table)),
                       "not_covered": list(predictive_table.loc[~predictive_table["covered"],
                                                                "id"]),
                       "z": {r.id: round(float(r.z), 3) for r in predictive_table.itertuples()},
                       "p_below_0.05": list(predictive_table.loc[
                           predictive_table["p_value"] < 0.05, "id"])},
        "runs_simulated": int(sim.runs),
        "timings_s": {"calibration": round(fit.seconds, 2), "engine": round(sim.seconds, 2)},
        "runs_per_second": round(sim.runs / max(fit.seconds, 1e-9), 1),
        "resumed": resumed,
        "regenerate": "coalition-sim calibrate seeds/calibration/record-2025.yaml "
                      "--out seeds/posterior --overwrite",
    }
    written.append(mf.write(out, manifest))
    return written
