"""Construct scores, worked by hand."""

import numpy as np
import pandas as pd
import pytest

from surveyapp.analysis.scoring import construct_scores


@pytest.fixture
def answers():
    return pd.DataFrame(
        {
            "a": [5, 4, np.nan, 1],
            "b": [4, np.nan, np.nan, 2],
            "c": [1, 2, 3, np.nan],  # worded negatively: reverse-coded
            "d": [5, 5, np.nan, np.nan],
        }
    )


def test_reverse_coding_and_mean(answers):
    constructs = {
        "quality": {"items": ["a", "b", "c", "d"], "reverse": ["c"], "scale_min": 1, "scale_max": 5}
    }
    scores = construct_scores(answers, constructs)
    # row 0: 5, 4, (6-1)=5, 5 -> 19/4; row 1: 4, (6-2)=4, 5 -> 13/3;
    # row 2: only c answered, 1 of 4 < half -> NaN; row 3: 1, 2 answered, 2 of 4 = half -> 1.5
    assert scores["quality"].iloc[0] == pytest.approx(19 / 4)
    assert scores["quality"].iloc[1] == pytest.approx(13 / 3)
    assert np.isnan(scores["quality"].iloc[2])
    assert scores["quality"].iloc[3] == pytest.approx(1.5)


def test_min_share_threshold(answers):
    constructs = {"quality": {"items": ["a", "b", "c", "d"], "points": 5}}
    strict = construct_scores(answers, constructs, min_share=0.75)
    assert strict["quality"].notna().tolist() == [True, True, False, False]


def test_points_and_global_scale(answers):
    seven = construct_scores(answers, {"x": {"items": ["c"], "reverse": ["c"]}}, scale_points=7)
    assert seven["x"].tolist()[:3] == [7.0, 6.0, 5.0]  # 1 + 7 - x


def test_several_constructs_keep_the_index(answers):
    answers.index = ["r1", "r2", "r3", "r4"]
    scores = construct_scores(answers, {"one": {"items": ["a"]}, "two": {"items": ["b", "d"]}})
    assert list(scores.columns) == ["one", "two"]
    assert list(scores.index) == ["r1", "r2", "r3", "r4"]
    assert scores.loc["r1", "two"] == 4.5


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"items": ["a", "zz"]}, "zz"),
        ({"items": ["a"], "reverse": ["b"]}, "not among its items"),
        ({"items": ["a", "c"], "reverse": ["c"]}, "need the scale"),
        ({"items": ["a"], "points": 3}, "outside the scale"),
        ({"items": []}, "no items"),
    ],
)
def test_definition_errors(answers, definition, message):
    with pytest.raises(ValueError, match=message):
        construct_scores(answers, {"q": definition})
