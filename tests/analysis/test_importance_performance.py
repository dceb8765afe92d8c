"""Importance-performance quadrants and the customer-relationship matrix, worked by hand."""

import numpy as np
import pandas as pd
import pytest

from surveyapp.analysis.drivers import driver_analysis
from surveyapp.analysis.importance_performance import importance_performance
from surveyapp.analysis.relationship_matrix import customer_relationship_matrix


def test_quadrants_with_default_cut_points():
    # importances mean 0.25, performances mean 3.5:
    # A important & low -> fix first; B important & high -> keep up;
    # C unimportant & high -> possible overkill; D unimportant & low -> low priority.
    importance = {"A": 0.40, "B": 0.30, "C": 0.20, "D": 0.10}
    performance = {"A": 3.0, "B": 4.0, "C": 4.5, "D": 2.5}
    result = importance_performance(importance, performance)
    assert result.importance_cut == pytest.approx(0.25)
    assert result.performance_cut == pytest.approx(3.5)
    assert result.table["quadrant"].to_dict() == {
        "A": "fix first",
        "B": "keep up",
        "C": "possible overkill",
        "D": "low priority",
    }


def test_explicit_cut_points_and_ties_count_as_high():
    result = importance_performance(
        {"A": 0.2, "B": 0.1}, {"A": 4.0, "B": 3.0}, importance_cut=0.2, performance_cut=4.0
    )
    assert result.table.loc["A", "quadrant"] == "keep up"  # exactly at both cuts
    assert result.table.loc["B", "quadrant"] == "low priority"
    assert result.to_dict()["importance_cut"] == 0.2


def test_mismatched_drivers_raise():
    with pytest.raises(ValueError, match="same drivers"):
        importance_performance({"A": 1.0}, {"B": 2.0})


def test_from_a_driver_result(swiss):
    drivers = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
    result = driver_analysis(swiss, "Fertility", drivers)
    quadrants = result.importance_performance()
    assert quadrants.importance_cut == pytest.approx(1 / 5)  # mean of shares summing to 1
    assert quadrants.performance_cut == pytest.approx(swiss[drivers].mean().mean())
    # Each driver in the quadrant its own share and mean put it in (Martilla & James 1977).
    shares, means = result.table["lmg_share"], result.table["mean"]
    expected = {
        name: ("keep up" if means[name] >= quadrants.performance_cut else "fix first")
        if shares[name] >= 1 / 5
        else ("possible overkill" if means[name] >= quadrants.performance_cut else "low priority")
        for name in drivers
    }
    assert quadrants.table["quadrant"].to_dict() == expected
    assert quadrants.table["importance"].to_dict() == pytest.approx(shares.to_dict())
    assert len(set(expected.values())) >= 3  # the swiss drivers spread over the quadrants


def test_customer_relationship_matrix_by_hand():
    contacts = pd.DataFrame(
        {
            "current": [1, 2, 3, 4, 5, 6, 7, 8],  # median 4.5: high for 5..8
            "potential": [8, 1, 7, 2, 6, 3, 5, 4],  # median 4.5: high for 8, 7, 6, 5
            "recommend": [10, 2, 8, 4, 9, 5, 7, 6],
        }
    )
    # rows: (1,8) develop, (2,1) wind down, (3,7) develop, (4,2) wind down,
    #       (5,6) expand, (6,3) retain, (7,5) expand, (8,4) retain
    result = customer_relationship_matrix(contacts, "current", "potential", ["recommend"])
    assert result.current_cut == 4.5 and result.potential_cut == 4.5
    table = result.table.set_index("segment")
    assert table["n"].to_dict() == {"expand": 2, "retain": 2, "develop": 2, "wind down": 2}
    assert table.loc["expand", "recommend"] == pytest.approx((9 + 7) / 2)
    assert table.loc["develop", "recommend"] == pytest.approx((10 + 8) / 2)
    assert table.loc["retain", "segment_nl"] == "behoudklanten"
    assert result.segments.tolist() == [
        "develop",
        "wind down",
        "develop",
        "wind down",
        "expand",
        "retain",
        "expand",
        "retain",
    ]


def test_customer_relationship_matrix_dutch_labels_and_missing_values():
    contacts = pd.DataFrame({"current": [1, 9, np.nan, 9], "potential": [1, 9, 5, 1]})
    result = customer_relationship_matrix(
        contacts, "current", "potential", current_cut=5, potential_cut=5, labels="nl"
    )
    assert result.segments.tolist()[:2] == ["gedoogklanten", "topklanten"]
    assert pd.isna(result.segments.iloc[2])
    assert result.segments.iloc[3] == "behoudklanten"
    assert result.table["n"].sum() == 3
