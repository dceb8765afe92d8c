"""Careless responses: speeders, straightliners, duplicates and inconsistent reverse-keyed answers.

Pure functions on the response table (a row per response, a column per item). Each returns a
boolean Series (True = flagged) on the table's index; :func:`careless_flags` combines them.
Thresholds are deliberately conservative, as Curran (2016) advises: flag only patterns that
attentive respondents rarely produce, and report the counts rather than silently dropping.

Speeders (:func:`speeders`)
    Completion time (the sum of the seconds per page, else completed minus started) below a share
    of the wave's median, default one third. Greszki, Meyer & Schoen (2015) compare cut-offs of
    30-50% of the median; Leiner (2019) finds respondents more than twice as fast as the median
    (a relative speed index above 2) produce mostly meaningless data; one third is the stricter
    end. Waves with fewer than :data:`MIN_FOR_MEDIAN` timed responses are not judged.
Straightliners (:func:`straightliners`)
    The same answer on every row of every matrix (at least two matrices with at least three
    answered rows), or a long-string index (the longest run of identical consecutive answers over
    the rating items, in questionnaire order; Johnson 2005; Meade & Craig 2012) covering at least
    80% of the rating items answered, and at least :data:`MIN_LONGSTRING` items. With reverse-keyed
    items in between, attentive respondents rarely come near (Curran 2016).
Duplicates (:func:`duplicates`)
    The same answer vector as an earlier response of the same wave (at least
    :data:`MIN_ANSWERED_FOR_DUPLICATE` items answered); the first of a set is kept, the copies are
    flagged. Identical vectors on many items are practically impossible by chance (Curran 2016,
    "duplicate responses").
Inconsistent reverse items (:func:`inconsistent_reverse`)
    Agreeing (top two points) both with a reverse-keyed item and with the other items of its
    construct (mean in the top two points), in every construct with reverse-keyed items answered:
    the psychometric-antonym check of Meade & Craig (2012) and Curran (2016) in its simplest form.

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
*Journal of Experimental Social Psychology*, 66, 4-19.
Meade, A. W. & Craig, S. B. (2012). Identifying careless responses in survey data.
*Psychological Methods*, 17(3), 437-455.
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based
personality inventories. *Journal of Research in Personality*, 39(1), 103-129.
Greszki, R., Meyer, M. & Schoen, H. (2015). Exploring the effects of removing "too fast" responses
and respondents from web surveys. *Public Opinion Quarterly*, 79(2), 471-503.
Leiner, D. J. (2019). Too fast, too straight, too weird: Non-reactive indicators for meaningless
data in internet surveys. *Survey Research Methods*, 13(3), 229-248.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FLAGS = ("speeder", "straightliner", "duplicate", "inconsistent")
SPEEDER_SHARE = 1 / 3
MIN_FOR_MEDIAN = 5
MATRIX_MIN_ROWS = 3
MATRIX_MIN_COUNT = 2
LONGSTRING_SHARE = 0.8
MIN_LONGSTRING = 8
MIN_ANSWERED_FOR_DUPLICATE = 5


def speeders(durations: pd.Series, groups: pd.Series | None = None, share: float = SPEEDER_SHARE,
             min_for_median: int = MIN_FOR_MEDIAN) -> pd.Series:
    """True where the duration (seconds) is below ``share`` of its group's (wave's) median."""
    if not 0 < share < 1:
        raise ValueError(f"speeder share must be between 0 and 1, not {share:g}")
    durations = pd.to_numeric(durations, errors="coerce")
    groups = pd.Series(0, index=durations.index) if groups is None else groups
    flagged = pd.Series(False, index=durations.index)
    for _, part in durations.groupby(groups, sort=False):
        timed = part.dropna()
        if len(timed) < min_for_median:
            continue
        flagged.loc[timed.index] = timed < share * timed.median()
    return flagged


def longest_run(values) -> int:
    """The long-string index: the longest run of identical consecutive answers (missing breaks a run)."""
    best = run = 0
    previous = None
    for value in values:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            run, previous = 0, None
            continue
        run = run + 1 if value == previous else 1
        previous = value
        best = max(best, run)
    return best


def straightliners(table: pd.DataFrame, matrices: list[list[str]], rating_items: list[str], *,
                   matrix_min_rows: int = MATRIX_MIN_ROWS, matrix_min_count: int = MATRIX_MIN_COUNT,
                   longstring_share: float = LONGSTRING_SHARE, min_longstring: int = MIN_LONGSTRING) -> pd.Series:
    """True for the same answer on every row of every matrix, or a long string over the rating items.

    ``matrices``: the row item ids of each matrix; ``rating_items``: the rating-scale items in the
    order they are asked.
    """
    flagged = pd.Series(False, index=table.index)
    present = [[i for i in rows if i in table.columns] for rows in matrices]
    for position, row in enumerate(table.itertuples(index=False)):
        record = dict(zip(table.columns, row, strict=True))
        straight = []
        for rows in present:
            answered = [record[i] for i in rows if pd.notna(record[i])]
            if len(answered) >= matrix_min_rows:
                straight.append(len(set(answered)) == 1)
        if len(straight) >= matrix_min_count and all(straight):
            flagged.iloc[position] = True
            continue
        sequence = [record.get(i, np.nan) for i in rating_items]
        answered = sum(pd.notna(v) for v in sequence)
        run = longest_run([float(v) if pd.notna(v) else np.nan for v in sequence])
        if answered and run >= max(min_longstring, longstring_share * answered):
            flagged.iloc[position] = True
    return flagged


def duplicates(table: pd.DataFrame, answer_columns: list[str], groups: pd.Series | None = None,
               min_answered: int = MIN_ANSWERED_FOR_DUPLICATE) -> pd.Series:
    """True for a response whose answers equal those of an earlier response in the same group (wave)."""
    columns = [c for c in answer_columns if c in table.columns]
    if not columns:
        return pd.Series(False, index=table.index)
    answers = table[columns].astype(object).where(table[columns].notna(), "<missing>").astype(str)
    answered = table[columns].notna().sum(axis=1)
    key = answers.assign(_group=(groups if groups is not None else 0))
    repeated = key.duplicated(keep="first")
    return repeated & (answered >= min_answered)


def inconsistent_reverse(table: pd.DataFrame, constructs: dict[str, dict]) -> pd.Series:
    """True when the respondent agrees with reverse-keyed items and their construct's other items alike.

    ``constructs``: definitions as for :func:`surveyapp.analysis.scoring.construct_scores` (with
    ``items``, ``reverse``, ``scale_max``). "Agree" is the top two points of the scale (raw
    answers, before reverse coding). Flagged when this holds in every construct with
    reverse-keyed items that the respondent answered (at least one).
    """
    checks = []
    for definition in constructs.values():
        reverse = [i for i in definition.get("reverse", []) if i in table.columns]
        regular = [i for i in definition["items"] if i not in definition.get("reverse", []) and i in table.columns]
        if not reverse or not regular or definition.get("scale_max") is None:
            continue
        top = definition["scale_max"] - 1
        reverse_mean = table[reverse].apply(pd.to_numeric, errors="coerce").mean(axis=1)
        regular_mean = table[regular].apply(pd.to_numeric, errors="coerce").mean(axis=1)
        answered = reverse_mean.notna() & regular_mean.notna()
        checks.append((answered, answered & (reverse_mean >= top) & (regular_mean >= top)))
    if not checks:
        return pd.Series(False, index=table.index)
    answered_any = pd.concat([a for a, _ in checks], axis=1).any(axis=1)
    consistent_somewhere = pd.concat([a & ~bad for a, bad in checks], axis=1).any(axis=1)
    return answered_any & ~consistent_somewhere


def careless_flags(table: pd.DataFrame, *, durations: pd.Series | None, groups: pd.Series | None,
                   matrices: list[list[str]], rating_items: list[str], answer_columns: list[str],
                   constructs: dict[str, dict], speeder_share: float = SPEEDER_SHARE) -> pd.DataFrame:
    """All four flags, a column each, plus ``flagged`` (any of them), on the table's index."""
    flags = pd.DataFrame(index=table.index)
    flags["speeder"] = (speeders(durations, groups, speeder_share) if durations is not None
                        else pd.Series(False, index=table.index))
    flags["straightliner"] = straightliners(table, matrices, rating_items)
    flags["duplicate"] = duplicates(table, answer_columns, groups)
    flags["inconsistent"] = inconsistent_reverse(table, constructs)
    flags["flagged"] = flags[list(FLAGS)].any(axis=1)
    return flags


def flag_lists(flags: pd.DataFrame) -> pd.Series:
    """Per response the names of its flags (to store with the response)."""
    columns = [flags[name].to_numpy(dtype=bool) for name in FLAGS]
    return pd.Series([[name for name, on in zip(FLAGS, row, strict=True) if on] for row in zip(*columns, strict=True)],
                     index=flags.index, dtype=object)
