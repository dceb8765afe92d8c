"""Careless-response flags of a survey's responses: detected by :mod:`surveyapp.analysis.careless`
on the response table, each response checked against the questionnaire version it answered, and
stored with the response (``Response.quality_flags``).

A response's flags belong to the response, not to a view of the results: speed and duplicates
compare it with the rest of its *wave* (never with a filtered subset), so a response flagged on
the dashboard is flagged in every segment, download and in ``surveyapp analyze``.
:func:`survey_flags` computes them for the whole survey whenever its data changed (a response
completed or erased, a new questionnaire version: the stored analyses' fingerprint) and stores them
with each response.
"""

from __future__ import annotations

import pandas as pd

from ..analysis.careless import (
    FLAGS,
    SPEEDER_SHARE,
    duplicates,
    flag_lists,
    inconsistent_reverse,
    speeders,
    straightliners,
)
from ..questionnaire import Questionnaire
from .dataset import construct_definitions
from .kpi_definitions import AnsweredVersion

#: The columns of the raw data (csv, sav) that carry each flag, 0 or 1.
FLAG_COLUMNS = {name: f"careless_{name}" for name in FLAGS}


def _layout(questionnaire: Questionnaire) -> tuple[list[list[str]], list[str], set[str]]:
    """(matrix rows, rating items in order, all answer item ids) of a questionnaire."""
    matrices, rating, answer_ids = [], [], set()
    for page in questionnaire.pages:
        for item in page.items:
            if item.rows:
                matrices.append([row.id for row in item.rows])
            for answer in item.rows or (item,):
                answer_ids.add(answer.id)
                if answer.scale is not None and answer.scale.type == "likert":
                    rating.append(answer.id)
    return matrices, rating, answer_ids


def quality_flags(table: pd.DataFrame, questionnaire: Questionnaire,
                  versions: dict[int, AnsweredVersion] | None = None, *,
                  speeder_share: float = SPEEDER_SHARE) -> pd.DataFrame:
    """The careless-response flags of every response in ``table`` (a column per flag, and ``flagged``).

    ``speeder_share``: a response faster than this share of its wave's median time is a speeder.
    """
    from .survey_analysis import version_groups

    if table.empty:
        return pd.DataFrame(columns=[*FLAGS, "flagged"], dtype=bool)
    flags = pd.DataFrame(False, index=table.index, columns=list(FLAGS))
    answer_ids: set[str] = set()
    # the answer patterns are judged by the version each response answered ...
    for _, index, answered in version_groups(table, questionnaire, versions):
        matrices, rating, ids = _layout(answered)
        answer_ids |= ids
        part = table.loc[index]
        flags.loc[index, "straightliner"] = straightliners(part, matrices, rating)
        flags.loc[index, "inconsistent"] = inconsistent_reverse(part, construct_definitions(answered))
    # ... speed and duplicates against the rest of its wave, whatever its version
    waves = table["wave"] if "wave" in table.columns else None
    if "duration_seconds" in table.columns:
        flags["speeder"] = speeders(table["duration_seconds"], waves, speeder_share)
    flags["duplicate"] = duplicates(table, [c for c in table.columns if c.split("__")[0] in answer_ids], waves)
    flags["flagged"] = flags[list(FLAGS)].any(axis=1)
    return flags.astype(bool)


def survey_flags(survey, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The flags of every completed response of ``survey`` (index response id), computed for its
    current data and stored with each response.

    ``table``: the survey's whole :func:`.dataset.analysis_table` (all waves, no filters, every
    item) when the caller has it already; else it is loaded when the flags must be computed.
    """
    from flask import current_app

    from .dataset import analysis_table
    from .stored import stored_quality_flags
    from .survey_analysis import answered_versions

    share = float(current_app.config.get("SPEEDER_SHARE", SPEEDER_SHARE))

    def compute() -> pd.DataFrame:
        from ..extensions import db
        from ..models import QuestionnaireVersion

        whole = table if table is not None else analysis_table(survey, items=None)
        if whole.empty:
            return pd.DataFrame(columns=[*FLAGS, "flagged"], dtype=bool)
        questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
        flags = quality_flags(whole, questionnaire, answered_versions(whole), speeder_share=share)
        store_quality_flags(flags)
        return flags

    return stored_quality_flags(survey, compute, {"speeder_share": share})


#: Responses per UPDATE when storing flags (a bound parameter each).
STORE_CHUNK = 2000


def store_quality_flags(flags: pd.DataFrame) -> int:
    """Store each response's flags (``Response.quality_flags``, a list of flag names; ``[]``:
    checked, nothing found) where they changed; returns how many responses are flagged.

    One UPDATE per combination of flags (and per chunk of responses), not one per response.
    """
    from ..extensions import db
    from ..models import Response

    if flags.empty:
        return 0
    names = flag_lists(flags)
    ids = [int(i) for i in flags.index]
    stored = {}
    for start in range(0, len(ids), STORE_CHUNK):
        stored.update(db.session.execute(
            db.select(Response.id, Response.quality_flags).where(Response.id.in_(ids[start:start + STORE_CHUNK]))
        ).all())
    changed: dict[tuple, list[int]] = {}
    for response_id, value in names.items():
        if stored.get(int(response_id)) != value:
            changed.setdefault(tuple(value), []).append(int(response_id))
    for value, response_ids in changed.items():
        for start in range(0, len(response_ids), STORE_CHUNK):
            db.session.execute(db.update(Response).where(Response.id.in_(response_ids[start:start + STORE_CHUNK]))
                               .values(quality_flags=list(value)).execution_options(synchronize_session=False))
    db.session.commit()
    return int(flags["flagged"].sum())
