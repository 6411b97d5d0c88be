"""Intervals by outcome kind, checked on cases whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import stats


@pytest.mark.parametrize("k, n", [(0, 20), (20, 20), (1, 3), (0, 1), (5, 10)])
def test_wilson_and_jeffreys_stay_in_bounds_and_have_width(k: int, n: int):
    lo, hi = stats.wilson(k / n, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    assert hi - lo > 0.0  # never a zero-width interval, not even at 0 of n or n of n
    jlo, jhi = stats.jeffreys(k, n)
    assert 0.0 <= jlo <= jhi <= 1.0 and jhi - jlo > 0.0


def test_wilson_known_values():
    # 0 of 20 at 90%: upper bound z^2 / (n + z^2) = 2.7055 / 22.7055
    lo, hi = stats.wilson(0.0, 20)
    assert lo == 0.0 and hi == pytest.approx(2.7055 / 22.7055, rel=1e-3)
    # 10 of 20 at 95%: the textbook interval 0.299 to 0.701
    lo, hi = stats.wilson(0.5, 20, stats.Z95)
    assert lo == pytest.approx(0.2993, abs=1e-3) and hi == pytest.approx(0.7007, abs=1e-3)


def test_jeffreys_known_values():
    # 0 of 10 at 90%: lower 0, upper the 95% quantile of Beta(0.5, 10.5) = 0.1712
    lo, hi = stats.jeffreys(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.1712, abs=2e-3)
    lo, hi = stats.jeffreys(10, 10)
    assert hi == 1.0 and lo == pytest.approx(1 - 0.1712, abs=2e-3)


def test_t_interval_known_values_and_small_n():
    mean, lo, hi = stats.t_interval(np.array([1.0, 2.0, 3.0]), level=0.95)
    # sd 1, n 3, t(0.975, 2) = 4.303: half-width 4.303 / sqrt(3) = 2.484
    assert mean == 2.0 and hi - mean == pytest.approx(2.484, abs=1e-3)
    assert np.isnan(stats.t_interval(np.array([5.0]))[1])  # one run: no interval
    m, lo, hi = stats.t_interval(np.array([4.0, 4.0, 4.0]))
    assert lo == hi == m == 4.0


def test_interval_picks_the_method_of_the_kind():
    x = np.zeros(30)
    p, lo, hi = stats.interval(x, probability=True)
    assert p == 0.0 and lo == 0.0 and hi > 0.0  # Wilson: 0 of 30 still has an upper bound
    m, lo, hi = stats.interval(np.arange(30.0), probability=False)
    assert lo < m < hi and m == 14.5


def test_describe_uses_wilson_for_probabilities_and_t_for_levels():
    df = pd.DataFrame({"point": [0] * 20 + [1] * 20,
                       "holds": [0] * 19 + [1] + [1] * 20,
                       "deterrence": np.linspace(0.2, 0.4, 40)})
    d = stats.describe(df, ["point"], "holds")
    assert (d["ci_lo"] >= 0).all() and (d["ci_hi"] <= 1).all()
    assert d.loc[1, "ci_hi"] == 1.0 and d.loc[1, "ci_lo"] < 1.0  # 20 of 20 has width
    lv = stats.describe(df, ["point"], "deterrence")
    assert (lv["ci_lo"] < lv["mean"]).all() and (lv["mean"] < lv["ci_hi"]).all()


def test_paired_difference_removes_common_noise():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 10, 200)
    base, shifted = noise, noise + 1.0
    est = stats.paired_difference(shifted, base)
    assert est.value == pytest.approx(1.0) and est.lo == pytest.approx(1.0)
    assert not est.includes_zero
    same = stats.paired_difference(base, base)
    assert same.value == 0.0 and same.includes_zero
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert stats.paired_difference(x, y) == stats.paired_difference(x, y)  # fixed resampling


def test_rate_per_exposure_counts_months_at_risk():
    events = np.array([1, 0, 0, 1])
    months = np.array([10, 30, 0, 60])
    est = stats.rate_per_exposure(events, months)
    assert est.value == pytest.approx(100 * 2 / 100)
    assert est.lo <= est.value <= est.hi
    assert np.isnan(stats.rate_per_exposure(np.zeros(3), np.zeros(3)).value)


def test_quantile_lookups_equal_scipy():
    """The cached normal and t quantiles are scipy's own values, bit for bit."""
    from scipy import stats as sps

    for level in (0.5, 0.8, 0.9, 0.95, 0.99):
        assert stats.z_of(level) == float(sps.norm.ppf(0.5 + level / 2))
        for dof in (1, 2, 9, 199):
            assert stats.t_of(level, dof) == float(sps.t.ppf(0.5 + level / 2, dof))


def test_outcome_stats_equal_the_per_cell_functions():
    """One pass per outcome gives exactly what the one-cell functions give."""
    import pandas as pd

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"ceasefire_agreed": (rng.random(57) < 0.4).astype(float),
                       "deployed_troops": rng.gamma(2.0, 5000.0, 57),
                       "first_ceasefire_month": np.where(rng.random(57) < 0.5, np.nan,
                                                         rng.integers(1, 30, 57))})
    got = stats.outcome_stats(df, list(df.columns))
    for k in df.columns:
        x = df[k].to_numpy()
        mean, lo, hi = stats.interval(x, k == "ceasefire_agreed")
        p5, p95 = stats.spread(x)
        assert (got[k]["mean"], got[k]["lo"], got[k]["hi"]) == (mean, lo, hi)
        assert (got[k]["p5"], got[k]["p95"]) == (p5, p95)
        assert got[k]["n"] == float(np.sum(~np.isnan(x)))
