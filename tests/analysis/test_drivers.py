"""Driver analysis against published results (R relaimpo, rwa, lm) and statsmodels/pingouin."""

import itertools
import json
import re

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose
from statsmodels.stats.outliers_influence import variance_inflation_factor

from surveyapp.analysis.drivers import DriverAnalysisError, driver_analyses, driver_analysis
from surveyapp.analysis.moments import weighted_corr
from surveyapp.analysis.relative_importance import bootstrap_importance, lmg, lmg_from_corr, relative_weights

SWISS_DRIVERS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def brute_force_lmg(df, outcome, drivers):
    """LMG straight from its definition: mean R² increase over all p! orders, via statsmodels."""
    r2 = {}
    for k in range(len(drivers) + 1):
        for subset in itertools.combinations(drivers, k):
            r2[frozenset(subset)] = (
                sm.OLS(df[outcome], sm.add_constant(df[list(subset)])).fit().rsquared if subset else 0.0
            )
    totals = dict.fromkeys(drivers, 0.0)
    orders = list(itertools.permutations(drivers))
    for order in orders:
        entered = frozenset()
        for d in order:
            totals[d] += r2[entered | {d}] - r2[entered]
            entered = entered | {d}
    return pd.Series({d: t / len(orders) for d, t in totals.items()})


# --- published reference results -------------------------------------------------------------


def test_swiss_regression_matches_r_lm(swiss):
    # R: summary(lm(Fertility ~ ., data = swiss)) -- the classic output printed in countless R
    # texts: coefficients 66.91518, -0.17211, -0.25801, -0.87094, 0.10412, 1.07705;
    # Multiple R-squared: 0.7067, Adjusted R-squared: 0.671.
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS)
    assert result.intercept == pytest.approx(66.91518, abs=5e-5)
    assert_allclose(result.table["beta"], [-0.17211, -0.25801, -0.87094, 0.10412, 1.07705], atol=5e-6)
    assert round(result.r2, 4) == 0.7067
    assert round(result.adj_r2, 3) == 0.671
    assert result.n == 47 and result.n_dropped == 0


def test_swiss_lmg_equals_all_subsets_regression(swiss):
    # relaimpo's calc.relimp(lm(Fertility ~ ., swiss), type = "lmg") (Groemping 2006). The values
    # quoted in the issue (0.0561, 0.1478, 0.2193, 0.1007, 0.1369) sum to 0.6608, not to the
    # model's R² of 0.7067, so they cannot be LMG values of this model. Expected numbers here
    # come from LMG's definition evaluated by brute force (all 5! orders, 32 statsmodels fits)
    # and agree with pingouin.linear_regression(relimp=True): 0.0571, 0.1712, 0.2601, 0.1056, 0.1128.
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS)
    expected = brute_force_lmg(swiss, "Fertility", SWISS_DRIVERS)
    assert_allclose(result.table["lmg"], expected[SWISS_DRIVERS], atol=1e-12)
    assert_allclose(result.table["lmg"].round(4), [0.0571, 0.1712, 0.2601, 0.1056, 0.1128])
    assert result.table["lmg"].sum() == pytest.approx(0.7067350015927, abs=1e-12)
    pingouin_relimp = pg.linear_regression(swiss[SWISS_DRIVERS], swiss["Fertility"], relimp=True)["relimp"][
        1:
    ]
    assert_allclose(result.table["lmg"], pingouin_relimp, atol=1e-12)


def test_mediation_lmg_matches_relaimpo(mediation):
    # R relaimpo, as recorded in pingouin's test suite (tests/test_regression.py):
    #   calc.relimp(lm(Y ~ X + M, data), type = "lmg")        -> 0.05778011, 0.31521913
    #   calc.relimp(lm(Y ~ X + M + Ybin, data), type = "lmg") -> 0.06010737, 0.31724368, 0.01217479
    two = driver_analysis(mediation, "Y", ["X", "M"])
    assert_allclose(two.table["lmg"], [0.05778011, 0.31521913], atol=5e-9)
    assert_allclose(two.table["lmg_share"] * 100, [15.49068, 84.50932], atol=5e-5)
    three = driver_analysis(mediation, "Y", ["X", "M", "Ybin"])
    assert_allclose(three.table["lmg"], [0.06010737, 0.31724368, 0.01217479], atol=5e-9)


def test_mtcars_relative_weights_match_rwa(mtcars):
    # rwa R package README (Martin Chan, github.com/martinctc/rwa), rwa(mtcars, "mpg",
    # c("cyl", "disp", "hp", "gear")): R² 0.7791896; Raw.RelWeight 0.2284797, 0.2221469,
    # 0.2321744, 0.0963886; Rescaled 29.32274, 28.50999, 29.79691, 12.37037.
    # (The figures in the issue, 0.2387/0.2193/0.1830/0.1382, are not what rwa prints.)
    result = driver_analysis(mtcars, "mpg", ["cyl", "disp", "hp", "gear"])
    assert result.r2 == pytest.approx(0.7791896, abs=5e-8)
    assert_allclose(result.table["relative_weight"], [0.2284797, 0.2221469, 0.2321744, 0.0963886], atol=5e-8)
    assert_allclose(
        result.table["relative_weight_share"] * 100, [29.32274, 28.50999, 29.79691, 12.37037], atol=5e-6
    )


def test_weighted_regression_matches_r_lm(mediation):
    # R: lm(Y ~ X + M, data, weights = W2), as recorded in pingouin's test suite:
    # coefficients 1.89530, 0.03905, 0.63912; R² 0.3742; adjusted 0.3613.
    result = driver_analysis(mediation, "Y", ["X", "M"], weights="W2")
    assert round(result.intercept, 5) == 1.89530
    assert_allclose(result.table["beta"].round(5), [0.03905, 0.63912])
    assert round(result.r2, 4) == 0.3742
    assert round(result.adj_r2, 4) == 0.3613


# --- statsmodels / pingouin ------------------------------------------------------------------


@pytest.mark.parametrize("weights", [None, "W2"])
def test_hc3_inference_equals_statsmodels(mediation, weights):
    result = driver_analysis(mediation, "Y", ["X", "M"], weights=weights)
    model = sm.WLS(
        mediation["Y"],
        sm.add_constant(mediation[["X", "M"]]),
        weights=1.0 if weights is None else mediation[weights],
    )
    fit = model.fit(cov_type="HC3", use_t=True)
    assert_allclose(result.table["beta"], fit.params[1:], rtol=1e-12)
    assert_allclose(result.table["se"], fit.bse[1:], rtol=1e-10)
    assert_allclose(result.table["p"], fit.pvalues[1:], rtol=1e-9)
    ci = fit.conf_int()
    assert_allclose(result.table["ci_low"], ci.iloc[1:, 0], rtol=1e-10)
    assert_allclose(result.table["ci_high"], ci.iloc[1:, 1], rtol=1e-10)
    assert result.intercept == pytest.approx(fit.params.iloc[0], rel=1e-12)
    assert result.intercept_se == pytest.approx(fit.bse.iloc[0], rel=1e-10)
    assert result.r2 == pytest.approx(fit.rsquared, rel=1e-12)
    assert result.adj_r2 == pytest.approx(fit.rsquared_adj, rel=1e-12)


def test_hc3_equals_statsmodels_on_swiss_with_uneven_weights(swiss):
    weights = np.linspace(0.5, 3.0, len(swiss))
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS, weights=weights)
    fit = sm.WLS(swiss["Fertility"], sm.add_constant(swiss[SWISS_DRIVERS]), weights=weights).fit(
        cov_type="HC3", use_t=True
    )
    assert_allclose(result.table["se"], fit.bse[1:], rtol=1e-9)
    assert_allclose(result.table["p"], fit.pvalues[1:], rtol=1e-8)


def test_vif_equals_statsmodels(swiss):
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS)
    exog = sm.add_constant(swiss[SWISS_DRIVERS]).to_numpy()
    expected = [variance_inflation_factor(exog, j) for j in range(1, exog.shape[1])]
    assert_allclose(result.table["vif"], expected, rtol=1e-10)


def test_standardized_beta_equals_regression_on_z_scores(swiss):
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS)
    z = (swiss - swiss.mean()) / swiss.std()
    fit = sm.OLS(z["Fertility"], sm.add_constant(z[SWISS_DRIVERS])).fit()
    assert_allclose(result.table["beta_std"], fit.params[1:], rtol=1e-10)


def test_pingouin_linear_regression_on_penguins():
    data = pg.read_dataset("penguins").dropna()
    drivers = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
    result = driver_analysis(data, "body_mass_g", drivers)
    reference = pg.linear_regression(data[drivers], data["body_mass_g"], relimp=True)
    assert_allclose(result.table["beta"], reference["coef"][1:], rtol=1e-10)
    assert result.r2 == pytest.approx(reference["r2"].iloc[0], rel=1e-12)
    assert result.adj_r2 == pytest.approx(reference["adj_r2"].iloc[0], rel=1e-12)
    assert_allclose(result.table["lmg"], reference["relimp"][1:], rtol=1e-10)
    assert_allclose(result.table["lmg_share"] * 100, reference["relimp_perc"][1:], rtol=1e-10)


def test_integer_weights_equal_replicated_rows(mediation):
    # A case weight of k is k identical responses for every point estimate.
    counts = (np.arange(len(mediation)) % 3) + 1
    weighted = driver_analysis(mediation.assign(w=counts), "Y", ["X", "M", "Ybin"], weights="w")
    replicated = driver_analysis(mediation.loc[mediation.index.repeat(counts)], "Y", ["X", "M", "Ybin"])
    for column in ("beta", "beta_std", "vif", "lmg", "relative_weight", "mean"):
        assert_allclose(weighted.table[column], replicated.table[column], rtol=1e-10)
    assert weighted.r2 == pytest.approx(replicated.r2, rel=1e-12)


def test_listwise_deletion_and_zero_weights(mediation):
    data = mediation.copy()
    data.loc[[1, 5], "M"] = np.nan
    data.loc[7, "Y"] = np.nan
    data["w"] = 1.0
    data.loc[9, "w"] = 0.0
    result = driver_analysis(data, "Y", ["X", "M"], weights="w")
    assert result.n == 96 and result.n_dropped == 4
    complete = data.drop(index=[1, 5, 7, 9])
    assert_allclose(
        result.table["beta"], driver_analysis(complete, "Y", ["X", "M"]).table["beta"], rtol=1e-12
    )


# --- the result object ------------------------------------------------------------------------


def test_to_dict_shape(swiss):
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS, n_boot=50, seed=3).to_dict()
    assert {"n", "r2", "adj_r2", "drivers"} <= set(result)
    assert list(result["drivers"]) == SWISS_DRIVERS
    required = {
        "beta",
        "beta_std",
        "p",
        "vif",
        "lmg",
        "lmg_share",
        "relative_weight",
        "relative_weight_share",
    }
    for entry in result["drivers"].values():
        assert required <= set(entry)
        assert len(entry["lmg_ci"]) == 2 and len(entry["relative_weight_ci"]) == 2
    drivers = result["drivers"].values()
    assert sum(d["lmg"] for d in drivers) == pytest.approx(result["r2"], abs=1e-12)
    assert sum(d["relative_weight"] for d in drivers) == pytest.approx(result["r2"], abs=1e-12)
    assert sum(d["lmg_share"] for d in drivers) == pytest.approx(1.0, abs=1e-12)
    assert sum(d["relative_weight_share"] for d in drivers) == pytest.approx(1.0, abs=1e-12)
    json.dumps(result, allow_nan=False)


def test_no_bootstrap_gives_null_intervals(swiss):
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS).to_dict()
    assert result["drivers"]["Education"]["lmg_ci"] is None
    assert result["r2_ci"] is None


# --- bootstrap --------------------------------------------------------------------------------


def test_bootstrap_is_seeded_and_brackets_the_estimate(swiss):
    a = driver_analysis(swiss, "Fertility", SWISS_DRIVERS, n_boot=300, seed=11)
    b = driver_analysis(swiss, "Fertility", SWISS_DRIVERS, n_boot=300, seed=11)
    c = driver_analysis(swiss, "Fertility", SWISS_DRIVERS, n_boot=300, seed=12)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["lmg_ci_low"], c.table["lmg_ci_low"])
    for key in ("lmg", "relative_weight"):
        assert (a.table[f"{key}_ci_low"] <= a.table[key]).all()
        assert (a.table[key] <= a.table[f"{key}_ci_high"]).all()
    assert a.r2_ci[0] < a.r2 < a.r2_ci[1]


def test_bootstrap_frequency_weights_equal_explicit_resamples(swiss):
    # The bootstrap never copies rows: a resample is a vector of draw counts used as weights.
    # Replaying the same draws as explicit row resamples must give the same importances.
    data = swiss[[*SWISS_DRIVERS, "Fertility"]].to_numpy()
    boot = bootstrap_importance(data, n_boot=5, seed=42)
    draws = np.random.default_rng(42).integers(0, len(data), size=(5, len(data)))
    for b in range(5):
        resample = data[draws[b]]
        assert_allclose(boot["lmg"][b], lmg_from_corr(weighted_corr(resample)), rtol=1e-9)
        expected_rw = relative_weights(resample[:, :-1], resample[:, -1])
        assert_allclose(boot["relative_weight"][b], expected_rw, rtol=1e-9)


def test_bootstrap_uses_the_weights(mediation):
    weighted = driver_analysis(mediation, "Y", ["X", "M"], weights="W2", n_boot=200, seed=1)
    plain = driver_analysis(mediation, "Y", ["X", "M"], n_boot=200, seed=1)
    doubled = driver_analysis(mediation.assign(two=2.0), "Y", ["X", "M"], weights="two", n_boot=200, seed=1)
    columns = ["lmg_ci_low", "lmg_ci_high", "relative_weight_ci_low", "relative_weight_ci_high"]
    # Equal weights are no weights: the same resamples give the same intervals.
    assert_allclose(doubled.table[columns], plain.table[columns], rtol=1e-10)
    # Unequal weights move the intervals, which stay around the weighted estimates.
    assert not np.allclose(weighted.table[columns], plain.table[columns], rtol=1e-3)
    for key in ("lmg", "relative_weight"):
        assert (weighted.table[f"{key}_ci_low"] <= weighted.table[key]).all()
        assert (weighted.table[key] <= weighted.table[f"{key}_ci_high"]).all()
    assert weighted.r2_ci[0] <= weighted.r2 <= weighted.r2_ci[1]


# --- standalone functions --------------------------------------------------------------------


def test_lmg_and_relative_weights_functions(mtcars):
    drivers = ["cyl", "disp", "hp", "gear"]
    assert_allclose(
        relative_weights(mtcars[drivers], mtcars["mpg"]),
        [0.2284797, 0.2221469, 0.2321744, 0.0963886],
        atol=5e-8,
    )
    assert lmg(mtcars[drivers], mtcars["mpg"]).sum() == pytest.approx(0.7791896, abs=5e-8)


def test_more_than_lmg_limit_skips_lmg_with_warning():
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(80, 17)), columns=[f"x{i}" for i in range(16)] + ["y"])
    result = driver_analysis(data, "y", [f"x{i}" for i in range(16)])
    assert result.table["lmg"].isna().all()
    assert result.table["relative_weight"].sum() == pytest.approx(result.r2)
    assert any("LMG" in w for w in result.warnings)


# --- several outcomes and segments ------------------------------------------------------------


def test_driver_analyses_by_outcome_and_segment(mediation):
    data = mediation.assign(segment=np.where(np.arange(100) < 80, "large", "small"))
    runs = driver_analyses(data, ["Y", "M"], ["X", "Ybin"], segment="segment", min_n=30)
    assert set(runs.results) == {("Y", None), ("Y", "large"), ("M", None), ("M", "large")}
    assert runs.skipped[("Y", "small")].startswith("20 complete responses")
    large = data[data.segment == "large"]
    assert_allclose(
        runs.results[("Y", "large")].table["beta"], driver_analysis(large, "Y", ["X", "Ybin"]).table["beta"]
    )
    frame = runs.to_frame()
    assert len(frame) == 4 * 2
    json.dumps(runs.to_dict(), allow_nan=False)


# --- clear errors ------------------------------------------------------------------------------


def test_missing_outcome_column(swiss):
    with pytest.raises(DriverAnalysisError, match="'NPS' not found"):
        driver_analysis(swiss, "NPS", SWISS_DRIVERS)


def test_missing_driver_columns(swiss):
    with pytest.raises(DriverAnalysisError, match="Columns 'Q1' and 'Q2' not found"):
        driver_analysis(swiss, "Fertility", ["Q1", "Education", "Q2"])


def test_non_numeric_driver(swiss):
    data = swiss.assign(region=["north"] * len(swiss))
    with pytest.raises(DriverAnalysisError, match="driver column 'region' is not numeric"):
        driver_analysis(data, "Fertility", ["Education", "region"])


def test_non_numeric_outcome(swiss):
    data = swiss.assign(label="x")
    with pytest.raises(DriverAnalysisError, match="outcome column 'label' is not numeric"):
        driver_analysis(data, "label", ["Education"])


def test_too_few_complete_responses(swiss):
    data = swiss.copy()
    data.loc[data.index[6:], "Education"] = np.nan
    with pytest.raises(
        DriverAnalysisError, match=r"Only 6 complete response\(s\) for 5 driver\(s\).*at least 7"
    ):
        driver_analysis(data, "Fertility", SWISS_DRIVERS)


def test_constant_driver_is_named(swiss):
    with pytest.raises(DriverAnalysisError, match="Driver 'Same' has the same value"):
        driver_analysis(swiss.assign(Same=3.7), "Fertility", ["Education", "Same"])


def test_constant_outcome(swiss):
    with pytest.raises(DriverAnalysisError, match="outcome 'Flat'"):
        driver_analysis(swiss.assign(Flat=1), "Flat", ["Education"])


def test_collinear_drivers_are_named(swiss):
    data = swiss.assign(Both=swiss["Education"] + 2 * swiss["Examination"])
    with pytest.raises(
        DriverAnalysisError, match="'Examination', 'Education' and 'Both' are perfectly collinear"
    ):
        driver_analysis(data, "Fertility", ["Agriculture", "Examination", "Education", "Both"])


def test_negative_weights(swiss):
    weights = np.ones(len(swiss))
    weights[3] = -1
    with pytest.raises(DriverAnalysisError, match="1 weight\\(s\\) are negative"):
        driver_analysis(swiss.assign(w=weights), "Fertility", SWISS_DRIVERS, weights="w")


def test_outcome_listed_as_driver(swiss):
    with pytest.raises(DriverAnalysisError, match="both the outcome and a driver"):
        driver_analysis(swiss, "Fertility", ["Fertility", "Education"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("collinear", "perfectly collinear"),
        ("constant", "has the same value in every complete response"),
        ("few", "Only 3 complete response(s)"),
        ("infinite", "contains infinite values"),
    ],
)
def test_bad_data_is_explained_never_a_numpy_error(swiss, change, message):
    # Callers (the command, the results pages) catch ValueError and show its message: bad data must
    # raise DriverAnalysisError with a reason, not LinAlgError or a NaN result.
    data = swiss.copy()
    drivers = ["Education", "Examination", "Extra"]
    data["Extra"] = {
        "collinear": data["Education"] + 2 * data["Examination"],
        "constant": 1.0,
        "few": np.where(np.arange(len(data)) < 3, 1.0 + np.arange(len(data)), np.nan),
        "infinite": np.where(np.arange(len(data)) == 5, np.inf, data["Agriculture"]),
    }[change]
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        driver_analysis(data, "Fertility", drivers)
    assert type(raised.value) is DriverAnalysisError


def test_hc3_summed_over_row_blocks_equals_statsmodels(swiss, monkeypatch):
    # On large data the HC3 sandwich is accumulated over blocks of rows; force tiny blocks.
    from surveyapp.analysis import regression

    monkeypatch.setattr(regression, "HC3_BLOCK_ROWS", 7)
    weights = np.linspace(0.5, 3.0, len(swiss))
    result = driver_analysis(swiss, "Fertility", SWISS_DRIVERS, weights=weights)
    fit = sm.WLS(swiss["Fertility"], sm.add_constant(swiss[SWISS_DRIVERS]), weights=weights).fit(
        cov_type="HC3", use_t=True
    )
    assert_allclose(result.table["se"], fit.bse[1:], rtol=1e-9)
    assert result.intercept_se == pytest.approx(fit.bse.iloc[0], rel=1e-9)


@pytest.mark.parametrize("weights", [None, "W2"])
def test_chunks_in_one_pass_equal_the_whole_frame(mediation, monkeypatch, weights):
    # A large file is analysed chunk by chunk, its complete rows spilled to a temporary file for the
    # HC3 pass: the result must be the one of all rows at once.
    from surveyapp.analysis import complete_rows
    from surveyapp.analysis.drivers import driver_analysis_of_chunks

    monkeypatch.setattr(complete_rows, "MEMORY_ROWS", 25)
    monkeypatch.setattr(complete_rows, "BLOCK_ROWS", 7)
    data = mediation.copy()
    data.loc[data.index[::9], "M"] = np.nan  # some incomplete responses in every chunk
    whole = driver_analysis(data, "Y", ["X", "M"], weights, n_boot=50, seed=3)
    chunks = [data.iloc[start:start + 30] for start in range(0, len(data), 30)]
    parts = driver_analysis_of_chunks(iter(chunks), "Y", ["X", "M"], weights, n_boot=50, seed=3)
    assert (parts.n, parts.n_dropped) == (whole.n, whole.n_dropped)
    assert_allclose(parts.table.to_numpy(), whole.table.to_numpy(), rtol=1e-9, atol=1e-12)
    assert parts.r2 == pytest.approx(whole.r2, rel=1e-12)
    assert parts.intercept_se == pytest.approx(whole.intercept_se, rel=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
def test_complete_rows_come_back_in_order_from_memory_and_the_file(weighted):
    # The first rows stay in memory, the later ones go to the temporary file column by column
    # (without the weights when there are none); blocks() and array() give them all back in order.
    from surveyapp.analysis.complete_rows import CompleteRows

    rng = np.random.default_rng(5)
    chunks = [rng.normal(size=(size, 3)) for size in (6, 5, 9, 1, 7)]
    weights = [rng.uniform(0.5, 2.0, size=len(c)) for c in chunks]
    rows = CompleteRows(3, memory_rows=10)
    for chunk, w in zip(chunks, weights, strict=True):
        rows.append(chunk, w if weighted else None)
    try:
        assert rows._file is not None  # the last 17 rows were written
        expected = np.concatenate(chunks)
        parts = [(v.copy(), None if w is None else w.copy()) for v, w in rows.blocks(rows=4)]
        assert max(len(v) for v, _ in parts) == 4
        assert_allclose(np.concatenate([v for v, _ in parts]), expected, rtol=0, atol=0)
        values, w_all = rows.array()
        assert_allclose(values, expected, rtol=0, atol=0)
        if weighted:
            assert_allclose(np.concatenate([w for _, w in parts]), np.concatenate(weights), rtol=0, atol=0)
            assert_allclose(w_all, np.concatenate(weights), rtol=0, atol=0)
        else:
            assert w_all is None and all(w is None for _, w in parts)
    finally:
        rows.close()


def test_a_constant_driver_is_found_across_chunks(swiss):
    from surveyapp.analysis.drivers import driver_analysis_of_chunks

    data = swiss.assign(Same=1.0)
    with pytest.raises(DriverAnalysisError, match="Driver 'Same' has the same value"):
        driver_analysis_of_chunks([data.iloc[:20], data.iloc[20:]], "Fertility", ["Education", "Same"])
    data.loc[data.index[30], "Same"] = 2.0  # different only in the second chunk: not constant
    result = driver_analysis_of_chunks([data.iloc[:20], data.iloc[20:]], "Fertility", ["Education", "Same"])
    assert result.n == 47
