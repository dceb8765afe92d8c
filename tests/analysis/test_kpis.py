"""KPIs, breakdowns and the tracker, worked by hand."""

from math import sqrt
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveyapp.analysis.kpis import (
    breakdown,
    customer_effort,
    dimension_means,
    kpi_summary,
    net_promoter_score,
    nps_from_counts,
    top2box,
    tracker,
)

TEN_ANSWERS = [10, 9, 9, 8, 7, 6, 10, 3, 9, 5]


def test_nps_by_hand():
    # promoters (9-10): 10, 9, 9, 10, 9 = 5; passives (7-8): 8, 7 = 2; detractors (0-6): 6, 3, 5 = 3
    # NPS = 100 (0.5 - 0.3) = 20; se = 100 sqrt((0.5 + 0.3 - 0.2^2) / 10) = 100 sqrt(0.076) = 27.5681
    result = net_promoter_score(TEN_ANSWERS)
    assert result.nps == pytest.approx(20.0)
    assert result.se == pytest.approx(100 * sqrt(0.076))
    # interval: the +1/0/-1 answers rescaled to 0..1 have mean m = 0.6 and variance 0.76/4 = 0.19;
    # dispersion phi = 0.19 / (0.6 * 0.4) = 0.791667, effective n* = 10 / phi = 12.6316; Wilson on n*:
    n_star, z, m = 10 / (0.19 / 0.24), 1.959964, 0.6
    centre = (m + z**2 / (2 * n_star)) / (1 + z**2 / n_star)
    half = z / (1 + z**2 / n_star) * sqrt(m * (1 - m) / n_star + z**2 / (4 * n_star**2))
    assert result.ci_low == pytest.approx(100 * (2 * (centre - half) - 1), abs=1e-4)
    assert result.ci_high == pytest.approx(100 * (2 * (centre + half) - 1), abs=1e-4)
    assert result.ci_low == pytest.approx(-32.208, abs=1e-3)
    assert (result.n, result.promoters, result.passives, result.detractors) == (10, 0.5, 0.2, 0.3)


def test_nps_ignores_missing_and_rejects_invalid_answers():
    assert net_promoter_score([*TEN_ANSWERS, np.nan]).n == 10
    with pytest.raises(ValueError, match="0-10"):
        net_promoter_score([5, 11])
    with pytest.raises(ValueError, match="0-10"):
        net_promoter_score([5, 7.5])


def test_nps_extremes():
    assert net_promoter_score([10, 9]).nps == 100.0
    assert net_promoter_score([10, 9]).se == 0.0
    assert net_promoter_score([0, 6]).nps == -100.0
    assert np.isnan(nps_from_counts(0, 0, 0).nps)


def test_customer_effort_by_hand():
    # 7-point CES, high = easy: mean of 7, 6, 5, 4, 2, 7 = 31/6; low effort (>= 5): 4 of 6
    result = customer_effort([7, 6, 5, 4, 2, 7])
    assert result["mean"].mean == pytest.approx(31 / 6)
    assert result["low_effort"].share == pytest.approx(4 / 6)
    assert customer_effort([7, 6, 5, 4, 2, 7], low_effort_threshold=6)["low_effort"].share == pytest.approx(
        3 / 6
    )


def test_top2box_by_hand():
    # 5-point intention, top two boxes 4 and 5: of 5, 4, 3, 4, 1, 2 (NaN ignored) three -> 3/6
    answers = [5, 4, 3, 4, 1, 2, np.nan]
    assert top2box(answers, scale_max=5).share == pytest.approx(3 / 6)
    with pytest.raises(ValueError):
        top2box([6], scale_max=5)


def test_dimension_means():
    scores = pd.DataFrame({"Q1": [4.0, 5.0, np.nan], "Q2": [2.0, 3.0, 4.0]})
    table = dimension_means(scores)
    assert table.loc["Q1", "mean"] == 4.5 and table.loc["Q1", "n"] == 2
    assert table.loc["Q2", "sd"] == pytest.approx(1.0)


KPIS = {
    "nps": {"kind": "nps", "column": "recommend"},
    "engagement": {"kind": "mean", "column": "engagement"},
    "keep_spending": {"kind": "top2box", "column": "keep", "scale_max": 5},
    "ces_low_effort": {"kind": "low_effort", "column": "ces", "threshold": 5},
}


@pytest.fixture
def waves():
    wave1 = pd.DataFrame(
        {
            "wave": "2024-01",
            "recommend": TEN_ANSWERS,
            "engagement": [3, 4, 5, 4, 3, 2, 4, 5, 3, 4],
            "keep": [5, 4, 3, 4, 5, 2, 4, 5, 3, 4],
            "ces": [7, 6, 5, 4, 3, 7, 6, 5, 4, 3],
            "segment": "large",
        }
    )
    wave2 = pd.DataFrame(
        {
            "wave": "2024-02",
            "recommend": [10] * 8 + [8] * 2 + [2] * 2,
            "engagement": [5, 4, 5, 5, 4, 5, 4, 5, 5, 4, 5, 5],
            "keep": [5] * 12,
            "ces": [7] * 12,
            "segment": ["large"] * 3 + ["small"] * 9,
        }
    )
    return pd.concat([wave1, wave2], ignore_index=True)


def test_tracker_nps_z_test_by_hand(waves):
    table = tracker(waves, KPIS).set_index(["kpi", "wave"])
    # wave 2: 8 promoters, 2 detractors of 12 -> NPS 50, se = 100 sqrt((10/12 - 0.25) / 12)
    se1, se2 = 100 * sqrt(0.076), 100 * sqrt((10 / 12 - 0.25) / 12)
    row = table.loc[("nps", "2024-02")]
    assert row["value"] == pytest.approx(50.0)
    assert row["se"] == pytest.approx(se2)
    assert row["change"] == pytest.approx(30.0)
    z = 30 / sqrt(se1**2 + se2**2)
    assert row["p_change"] == pytest.approx(2 * (1 - NormalDist().cdf(z)))
    assert row["test"] == "z" and not row["significant"]
    first = table.loc[("nps", "2024-01")]
    assert np.isnan(first["change"]) and pd.isna(first["test"])


def test_tracker_means_use_welch(waves):
    table = tracker(waves, KPIS).set_index(["kpi", "wave"])
    a = waves.loc[waves.wave == "2024-01", "engagement"]
    b = waves.loc[waves.wave == "2024-02", "engagement"]
    row = table.loc[("engagement", "2024-02")]
    assert row["change"] == pytest.approx(b.mean() - a.mean())
    # Welch by hand: t = diff / sqrt(s1²/n1 + s2²/n2), df by Welch-Satterthwaite
    v1, v2 = a.var() / len(a), b.var() / len(b)
    t = (b.mean() - a.mean()) / sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (len(a) - 1) + v2**2 / (len(b) - 1))
    assert row["p_change"] == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert row["test"] == "welch" and bool(row["significant"])
    share = table.loc[("keep_spending", "2024-02")]
    assert share["value"] == 1.0 and share["change"] == pytest.approx(1.0 - 0.7)


def test_tracker_uses_the_one_nps_formula(waves):
    table = tracker(waves, KPIS)
    for wave, part in waves.groupby("wave"):
        row = table[(table.kpi == "nps") & (table.wave == wave)].iloc[0]
        expected = net_promoter_score(part["recommend"])
        assert (row["value"], row["se"], row["ci_low"]) == (expected.nps, expected.se, expected.ci_low)


def test_tracker_wave_order_and_suppression(waves):
    table = tracker(waves, KPIS, waves=["2024-02", "2024-01"], min_n=11)
    nps = table[table.kpi == "nps"].set_index("wave")
    assert list(nps.index) == ["2024-02", "2024-01"]
    assert bool(nps.loc["2024-01", "suppressed"]) and np.isnan(nps.loc["2024-01", "value"])
    assert np.isnan(nps.loc["2024-01", "change"])


def test_breakdown_suppresses_small_cells(waves):
    table = breakdown(waves, KPIS, by=["segment", "wave"], min_n=10)
    nps = table[(table.kpi == "nps") & (table.group_by == "segment")].set_index("group")
    assert nps.loc["large", "n"] == 13 and not nps.loc["large", "suppressed"]
    assert nps.loc["small", "n"] == 9 and nps.loc["small", "suppressed"]
    assert np.isnan(nps.loc["small", "value"])
    by_wave = table[(table.kpi == "nps") & (table.group_by == "wave")].set_index("group")
    assert by_wave.loc["2024-01", "value"] == pytest.approx(20.0)


def test_kpi_summary_and_spec_errors(waves):
    summary = kpi_summary(waves, KPIS)
    assert summary.loc["nps", "n"] == 22
    with pytest.raises(ValueError, match="kind must be one of"):
        kpi_summary(waves, {"x": {"kind": "median", "column": "engagement"}})
    with pytest.raises(ValueError, match="not in the data"):
        kpi_summary(waves, {"x": {"kind": "mean", "column": "nope"}})
