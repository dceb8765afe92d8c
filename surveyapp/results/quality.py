"""Careless-response flags of a survey's responses: detected by :mod:`surveyapp.analysis.careless`
on the response table, each response checked against the questionnaire version it answered, and
stored with the response (``Response.quality_flags``)."""

from __future__ import annotations

import pandas as pd

from ..analysis.careless import FLAGS, careless_flags, flag_lists
from ..questionnaire import Questionnaire
from .dataset import construct_definitions
from .kpi_definitions import AnsweredVersion


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
                  versions: dict[int, AnsweredVersion] | None = None) -> pd.DataFrame:
    """The careless-response flags of every response in ``table`` (a column per flag, and ``flagged``)."""
    from .survey_analysis import version_groups

    if table.empty:
        return pd.DataFrame(columns=[*FLAGS, "flagged"], dtype=bool)
    groups = table["wave"] if "wave" in table.columns else None
    durations = table["duration_seconds"] if "duration_seconds" in table.columns else None
    parts = []
    for _, index, answered in version_groups(table, questionnaire, versions):
        matrices, rating, answer_ids = _layout(answered)
        part = table.loc[index]
        answer_columns = [c for c in table.columns if c.split("__")[0] in answer_ids]
        parts.append(careless_flags(
            part, durations=None, groups=None, matrices=matrices, rating_items=rating,
            answer_columns=answer_columns, constructs=construct_definitions(answered),
        ))
    flags = pd.concat(parts).reindex(table.index)
    # speed and duplicates compare a response with the rest of its wave, whatever its version
    from ..analysis.careless import duplicates, speeders

    if durations is not None:
        flags["speeder"] = speeders(durations, groups)
    all_ids = set()
    for _, _, answered in version_groups(table, questionnaire, versions):
        all_ids |= _layout(answered)[2]
    flags["duplicate"] = duplicates(table, [c for c in table.columns if c.split("__")[0] in all_ids], groups)
    flags["flagged"] = flags[list(FLAGS)].any(axis=1)
    return flags.astype(bool)


def store_quality_flags(flags: pd.DataFrame) -> int:
    """Store each response's flags (``Response.quality_flags``, a list of flag names) where they
    changed; returns how many responses are flagged."""
    from ..extensions import db
    from ..models import Response

    if flags.empty:
        return 0
    names = flag_lists(flags)
    stored = dict(db.session.execute(
        db.select(Response.id, Response.quality_flags).where(Response.id.in_([int(i) for i in flags.index]))
    ).all())
    for response_id, value in names.items():
        if stored.get(int(response_id)) != value:
            db.session.execute(db.update(Response).where(Response.id == int(response_id))
                               .values(quality_flags=value).execution_options(synchronize_session=False))
    db.session.commit()
    return int(flags["flagged"].sum())
