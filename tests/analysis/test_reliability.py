"""Cronbach's alpha and item analysis: hand-worked and against pingouin."""

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from surveyapp.analysis.reliability import construct_reliability, cronbach_alpha, item_analysis

# Three items, five respondents.
ITEMS = pd.DataFrame({"i1": [1, 2, 3, 4, 5], "i2": [2, 2, 3, 4, 4], "i3": [1, 3, 3, 5, 4]})


def test_alpha_by_hand():
    # item variances 2.5, 1.0, 2.2 (sum 5.7); sum scores 4, 7, 9, 13, 13 with variance 15.2;
    # alpha = 3/2 * (1 - 5.7 / 15.2) = 0.9375
    assert cronbach_alpha(ITEMS) == pytest.approx(0.9375)


def test_item_analysis_by_hand():
    table = item_analysis(ITEMS)
    # without i1: variances 1.0 + 2.2 = 3.2; sum i2+i3 = 3, 5, 6, 9, 8 with variance 5.7
    # alpha = 2 * (1 - 3.2 / 5.7) = 0.877193
    assert table.loc["i1", "alpha_if_deleted"] == pytest.approx(2 * (1 - 3.2 / 5.7))
    # r(i1, i2 + i3): cross-products 14.0, SS 10 and 22.8 -> 14 / sqrt(228) = 0.927172
    assert table.loc["i1", "item_total_r"] == pytest.approx(14 / np.sqrt(228))


def test_alpha_matches_pingouin_datasets():
    # pingouin's docs give alpha = 0.5917 for its 'cronbach_alpha' data set
    long = pg.read_dataset("cronbach_alpha")
    wide = long.pivot(index="Subj", columns="Items", values="Scores")
    assert cronbach_alpha(wide) == pytest.approx(pg.cronbach_alpha(wide)[0], abs=1e-12)
    assert round(cronbach_alpha(wide), 4) == 0.5917
    missing = pg.read_dataset("cronbach_wide_missing")
    assert cronbach_alpha(missing) == pytest.approx(
        pg.cronbach_alpha(missing, nan_policy="listwise")[0], abs=1e-12
    )


def test_warnings_for_low_alpha_and_wrongly_coded_item():
    data = ITEMS.assign(i4=[5, 4, 3, 2, 1])  # worded the other way round, not declared reverse
    report = construct_reliability(data, {"Q1": {"items": ["i1", "i2", "i3", "i4"], "points": 5}})
    assert any("'i4' has a negative corrected item-total correlation" in w for w in report.warnings)
    assert any("below 0.7" in w for w in report.warnings)
    fixed = construct_reliability(
        data, {"Q1": {"items": ["i1", "i2", "i3", "i4"], "reverse": ["i4"], "points": 5}}
    )
    assert fixed.warnings == []
    assert fixed.constructs.loc["Q1", "alpha"] > 0.9
    assert fixed.items.loc[("Q1", "i4"), "item_total_r"] > 0.9
