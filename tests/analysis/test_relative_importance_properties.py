"""Properties of LMG and relative weights that must hold for any data (hypothesis)."""

import itertools
from math import factorial

import numpy as np
import pandas as pd
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from surveyapp.analysis.drivers import driver_analysis

FAST = settings(max_examples=40, deadline=None)


@st.composite
def survey_data(draw):
    """Correlated drivers and an outcome, small n; the seed makes every example reproducible."""
    p = draw(st.integers(2, 5))
    n = draw(st.integers(p + 8, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    mixing = rng.normal(size=(p, p)) + np.eye(p) * 2
    x = rng.normal(size=(n, p)) @ mixing
    y = x @ rng.normal(size=p) + rng.normal(scale=2.0, size=n)
    frame = pd.DataFrame(x, columns=[f"d{j}" for j in range(p)])
    frame["y"] = y
    weights = rng.uniform(0.2, 3.0, size=n) if draw(st.booleans()) else None
    return frame, [f"d{j}" for j in range(p)], weights


@FAST
@given(survey_data())
def test_importances_sum_to_r2(case):
    frame, drivers, weights = case
    result = driver_analysis(frame, "y", drivers, weights=weights)
    reference = sm.WLS(
        frame["y"], sm.add_constant(frame[drivers]), weights=1.0 if weights is None else weights
    ).fit()
    assert result.r2 == np.float64(reference.rsquared) or abs(result.r2 - reference.rsquared) < 1e-10
    assert abs(result.table["lmg"].sum() - result.r2) < 1e-10
    assert abs(result.table["relative_weight"].sum() - result.r2) < 1e-10
    assert abs(result.table["lmg_share"].sum() - 1) < 1e-10
    assert abs(result.table["relative_weight_share"].sum() - 1) < 1e-10


@FAST
@given(survey_data(), st.floats(0.01, 100.0), st.floats(-50, 50))
def test_invariant_to_rescaling_a_driver(case, factor, shift):
    frame, drivers, weights = case
    before = driver_analysis(frame, "y", drivers, weights=weights)
    rescaled = frame.assign(d0=frame["d0"] * factor + shift)
    after = driver_analysis(rescaled, "y", drivers, weights=weights)
    for column in ("lmg", "relative_weight", "beta_std", "vif", "p"):
        assert_allclose(after.table[column], before.table[column], rtol=1e-6, atol=1e-10)
    assert_allclose(after.table.loc["d0", "beta"], before.table.loc["d0", "beta"] / factor, rtol=1e-8)


@FAST
@given(survey_data(), st.randoms(use_true_random=False))
def test_invariant_to_reordering_drivers(case, random):
    frame, drivers, weights = case
    shuffled = list(drivers)
    random.shuffle(shuffled)
    before = driver_analysis(frame, "y", drivers, weights=weights).table
    after = driver_analysis(frame, "y", shuffled, weights=weights).table.loc[drivers]
    for column in ("beta", "se", "lmg", "relative_weight", "beta_std", "vif"):
        assert_allclose(after[column], before[column], rtol=1e-8, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(survey_data())
def test_lmg_equals_brute_force_all_subsets_regression(case):
    frame, drivers, weights = case
    w = 1.0 if weights is None else weights
    p = len(drivers)
    r2 = {(): 0.0}
    for k in range(1, p + 1):
        for subset in itertools.combinations(drivers, k):
            r2[subset] = sm.WLS(frame["y"], sm.add_constant(frame[list(subset)]), weights=w).fit().rsquared
    expected = {}
    for d in drivers:
        others = [o for o in drivers if o != d]
        total = 0.0
        for k in range(p):
            for subset in itertools.combinations(others, k):
                with_d = tuple(sorted((*subset, d), key=drivers.index))
                total += factorial(k) * factorial(p - k - 1) / factorial(p) * (r2[with_d] - r2[subset])
        expected[d] = total
    result = driver_analysis(frame, "y", drivers, weights=weights)
    assert_allclose(result.table["lmg"], pd.Series(expected)[drivers], rtol=1e-7, atol=1e-11)
