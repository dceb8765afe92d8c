"""Careless-response flags on hand-built responses."""

import numpy as np
import pandas as pd

from surveyapp.analysis.careless import (
    careless_flags,
    duplicates,
    flag_lists,
    inconsistent_reverse,
    longest_run,
    speeders,
    straightliners,
)

MATRICES = [["a1", "a2", "a3"], ["b1", "b2", "b3"], ["c1", "c2", "c3"]]
RATING = [i for rows in MATRICES for i in rows]
CONSTRUCTS = {
    "a": {"items": ["a1", "a2", "a3"], "reverse": ["a3"], "scale_min": 1, "scale_max": 5},
    "b": {"items": ["b1", "b2", "b3"], "reverse": ["b3"], "scale_min": 1, "scale_max": 5},
    "c": {"items": ["c1", "c2", "c3"], "reverse": [], "scale_min": 1, "scale_max": 5},
}


def _table(rows):
    return pd.DataFrame(rows, columns=RATING, index=range(1, len(rows) + 1), dtype=float)


def test_speeders_are_below_a_third_of_their_waves_median():
    durations = pd.Series([300, 320, 280, 90, 110, 400, 60, 100, 100, 100, 100])
    waves = pd.Series(["w1"] * 7 + ["w2"] * 4)
    # w1 median 280: a third is 93.3 -> 90 and 60 are speeders (110 is not); w2 has 4 (< 5): not judged
    flagged = speeders(durations, waves)
    assert list(flagged[flagged].index) == [3, 6]
    assert not speeders(durations, waves, share=0.2).any()  # 0.2 * 280 = 56


def test_longest_run():
    assert longest_run([4, 4, 4, 2, 4, 4]) == 3
    assert longest_run([4, np.nan, 4]) == 1
    assert longest_run([]) == 0


def test_straightliners_same_answer_on_every_matrix_row_or_a_long_string():
    table = _table([
        [4, 4, 4, 2, 2, 2, 5, 5, 5],  # every matrix straight (with other values per matrix)
        [4, 5, 2, 4, 4, 2, 5, 4, 4],  # attentive
        [3, 3, 3, 3, 3, 3, 3, 3, 4],  # a long string: 8 of 9
        [4, 4, 4, 4, 5, 2, 5, 4, 4],  # one straight matrix is not enough
    ])
    assert list(straightliners(table, MATRICES, RATING)) == [True, False, True, False]
    strict = straightliners(table, MATRICES, RATING, longstring_share=1.0, min_longstring=9)
    assert list(strict) == [True, False, False, False]


def test_duplicates_within_a_wave_keep_the_first():
    table = _table([
        [4, 5, 2, 4, 4, 2, 5, 4, 4],
        [4, 5, 2, 4, 4, 2, 5, 4, 4],  # copy of 1 in the same wave
        [4, 5, 2, 4, 4, 2, 5, 4, 4],  # same answers but another wave
        [4, 5, 2, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
        [4, 5, 2, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],  # too few answers to judge
    ])
    waves = pd.Series(["w1", "w1", "w2", "w1", "w1"], index=table.index)
    assert list(duplicates(table, RATING, waves)) == [False, True, False, False, False]


def test_inconsistent_reverse_items_agree_with_an_item_and_its_reversed_twin():
    table = _table([
        [5, 5, 5, 4, 5, 4, 3, 3, 3],  # agrees with both reversed twins in both constructs
        [5, 5, 1, 4, 5, 2, 3, 3, 3],  # consistent
        [5, 5, 5, 4, 5, 2, 3, 3, 3],  # inconsistent in a, consistent in b: not flagged
        [5, 5, 4, np.nan, np.nan, np.nan, 3, 3, 3],  # only a answered, inconsistent there
    ])
    assert list(inconsistent_reverse(table, CONSTRUCTS)) == [True, False, False, True]


def test_all_flags_together_and_as_lists():
    table = _table([[4, 4, 4, 4, 4, 4, 4, 4, 4], [4, 5, 2, 4, 4, 2, 5, 4, 4]])
    flags = careless_flags(table, durations=pd.Series([10.0, 200.0], index=table.index), groups=None,
                           matrices=MATRICES, rating_items=RATING, answer_columns=RATING, constructs=CONSTRUCTS)
    assert list(flags["straightliner"]) == [True, False]
    assert list(flags["inconsistent"]) == [True, False]
    assert not flags["speeder"].any(), "two responses are too few for a median"
    assert flag_lists(flags).tolist() == [["straightliner", "inconsistent"], []]
    assert list(flags["flagged"]) == [True, False]
