"""From stored responses to one tidy table for :mod:`surveyapp.analysis`.

This is the only place that reads answers for analysis: two queries (responses, answers),
one pivot. Everything after it works on the DataFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..extensions import db
from ..models import Answer, QuestionnaireVersion, Response, Survey, Wave
from ..questionnaire import Questionnaire
from ..questionnaire.model import DONT_KNOW

#: Respondent attributes that become columns of their own (when present).
ATTRIBUTE_COLUMNS = ("segment", "customer_value", "potential_value", "channel", "persona", "crm_id")
#: Column suffix of "other, namely" texts (option values may themselves be "other").
OTHER_TEXT_SUFFIX = "__other_text"
#: Personal data never put into an analysis table.
PERSONAL_ATTRIBUTES = ("name", "email")


def response_table(survey: Survey, *, wave: Wave | None = None, completed_only: bool = True) -> pd.DataFrame:
    """A row per response, a column per answered item, plus attributes, language, wave and time.

    ``duration_seconds`` is the time spent answering (see :func:`_duration`), ``weight`` the stored
    raking weight (NaN when the survey is not weighted).

    Scale, number and single-choice answers keep their value; "don't know" becomes NaN;
    multiple-choice answers become one 0/1 column per option (``item__option``), and
    "other, namely" texts a column ``item__other_text``.
    """
    query = (
        db.select(Response.id, Response.language, Response.attributes, Response.status, Response.started_at,
                  Response.completed_at, Response.questionnaire_version_id, Response.page_seconds,
                  Response.weight, Wave.name.label("wave"),
                  Wave.opens_at.label("wave_opens_at"))
        .join(Wave, Wave.id == Response.wave_id)
        .where(Response.survey_id == survey.id)
        .order_by(Response.id)
    )
    if wave is not None:
        query = query.where(Response.wave_id == wave.id)
    if completed_only:
        query = query.where(Response.status == "completed")
    rows = db.session.execute(query).all()
    base = pd.DataFrame(
        [
            {
                "response_id": row.id,
                "wave": row.wave,
                "wave_opens_at": row.wave_opens_at,
                "language": row.language,
                "status": row.status,
                "started_at": row.started_at,
                "completed_at": row.completed_at,
                "questionnaire_version_id": row.questionnaire_version_id,
                "duration_seconds": _duration(row),
                "weight": row.weight,
                **{key: value for key, value in (row.attributes or {}).items() if key not in PERSONAL_ATTRIBUTES},
            }
            for row in rows
        ]
    )
    if base.empty:
        return pd.DataFrame(columns=["response_id", "wave", "wave_opens_at", "language", "status", "started_at",
                                     "completed_at", "questionnaire_version_id", "duration_seconds",
                                     "weight"]).set_index("response_id")

    answer_query = db.select(Answer.response_id, Answer.item_id, Answer.value, Answer.other_text).join(
        Response, Response.id == Answer.response_id
    ).where(Response.survey_id == survey.id)
    if wave is not None:
        answer_query = answer_query.where(Response.wave_id == wave.id)
    if completed_only:
        answer_query = answer_query.where(Response.status == "completed")
    answers = db.session.execute(answer_query).all()

    questionnaire = _questionnaire(survey)
    cells: dict[tuple[int, str], object] = {}
    for response_id, item_id, value, other_text in answers:
        if value == DONT_KNOW or value is None:
            cells[(response_id, item_id)] = np.nan
        elif isinstance(value, list):
            for option in value:
                cells[(response_id, f"{item_id}__{option}")] = 1
        else:
            cells[(response_id, item_id)] = value
        if other_text:
            cells[(response_id, f"{item_id}{OTHER_TEXT_SUFFIX}")] = other_text
    answer_frame = pd.Series(cells, dtype=object).unstack() if cells else pd.DataFrame()
    _fill_multiple_choice_zeros(answer_frame, questionnaire)
    answer_frame = _order_columns(answer_frame, questionnaire)

    table = base.set_index("response_id").join(answer_frame, how="left")
    for column in table.columns:
        if column in ("wave", "language", "status") or column.endswith(OTHER_TEXT_SUFFIX):
            continue
        converted = pd.to_numeric(table[column], errors="coerce")
        if converted.notna().sum() == table[column].notna().sum():
            table[column] = converted
    return table


def _duration(row) -> float | None:
    """Seconds spent answering: the sum of the seconds per page when recorded, else completed minus started."""
    return _duration_of(row.page_seconds, row.started_at, row.completed_at)


def _duration_of(page_seconds, started_at, completed_at) -> float | None:
    if isinstance(page_seconds, str):  # read as text in bulk
        import json

        page_seconds = json.loads(page_seconds) if page_seconds not in ("", "null") else None
    if page_seconds:
        return float(sum(page_seconds.values()))
    if completed_at is not None and started_at is not None:
        if isinstance(started_at, str):  # SQLite hands raw cursor values over as text
            started_at, completed_at = pd.Timestamp(started_at), pd.Timestamp(completed_at)
        return (completed_at - started_at).total_seconds()
    return None


def _fetch_grid(query, width: int) -> np.ndarray:
    """The rows of ``query`` as a float array (NULL becomes NaN), converted in chunks so that
    never more than a chunk of Python floats exists at once."""
    chunks = [np.array(rows, dtype=float) for rows in _fetch_rows(query, chunk=20_000)]
    return np.concatenate(chunks) if chunks else np.empty((0, width))


def _fetch_rows(query, chunk: int | None = None):
    """The rows of a Core ``query`` as plain tuples, through the DB-API cursor.

    For bulk reads of plain columns: SQLAlchemy's row objects and type processing cost more
    than the query itself here; the raw tuples go straight into NumPy and pandas. With
    ``chunk``, an iterator over lists of at most that many rows.
    """
    compiled = query.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    connection = db.session.connection()
    cursor = connection.connection.dbapi_connection.cursor()
    params = compiled.construct_params()
    if compiled.positional:
        cursor.execute(str(compiled), tuple(params[name] for name in compiled.positiontup))
    else:
        cursor.execute(str(compiled), params)
    if chunk is None:
        try:
            return cursor.fetchall()
        finally:
            cursor.close()
    return _chunks(cursor, chunk)


def _chunks(cursor, size: int):
    try:
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def _questionnaire(survey: Survey) -> Questionnaire:
    return db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()


def _order_columns(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    order = {item.id: index for index, item in enumerate(questionnaire.items())}
    return frame[sorted(frame.columns, key=lambda c: (order.get(c.split("__")[0], len(order)), c))]


def _fill_multiple_choice_zeros(frame: pd.DataFrame, questionnaire: Questionnaire) -> None:
    """A column for every option of a multiple-choice item (chosen by anyone or not); a respondent
    who answered the item but did not choose option X gets 0 for X, not NaN."""
    for item in questionnaire.items():
        if item.type != "multiple":
            continue
        columns = [f"{item.id}__{option.value}" for option in item.options]
        present = [c for c in columns if c in frame.columns]
        answered = frame[present].notna().any(axis=1) if present else pd.Series(False, index=frame.index)
        for column in columns:
            if column not in frame.columns:
                frame[column] = np.nan
            frame.loc[answered, column] = frame.loc[answered, column].fillna(0)


def construct_definitions(questionnaire: Questionnaire) -> dict[str, dict]:
    """The questionnaire's constructs in the plain form :func:`surveyapp.analysis.scoring.construct_scores` takes."""
    definitions = {}
    for construct in questionnaire.constructs.values():
        scale = next((questionnaire.item(i).scale for i in construct.items if questionnaire.item(i).scale), None)
        definitions[construct.id] = {
            "items": list(construct.items),
            "reverse": list(construct.reverse),
            "role": construct.role,
            "scale_min": scale.min if scale else None,
            "scale_max": scale.max if scale else None,
        }
    return definitions


#: Attributes results are grouped and filtered by (besides the language), when respondents have them.
GROUPING_ATTRIBUTES = ("segment", "channel", "persona")
#: An attribute with more distinct values than this is not offered as a filter (an id, a free text).
MAX_FILTER_VALUES = 50
#: Columns of :func:`analysis_table` besides the item columns.
ANALYSIS_CONTEXT = ("wave", "wave_opens_at", "language", "questionnaire_version_id")


def analysis_table(survey: Survey, *, wave: Wave | None = None, items: list[str] | None = None,
                   filters: dict[str, str] | None = None) -> pd.DataFrame:
    """Completed responses as a typed table for the analysis, in two bulk queries.

    A row per response (index ``response_id``), a float column per item in ``items`` (all
    numeric answers when None), plus wave, language, questionnaire version and the respondent
    attributes except personal data. Answers come from ``Answer.number``, so no JSON value is
    decoded; the attributes of all responses are parsed in one go. ``filters`` keeps only
    responses whose attribute (or ``language``) equals the given value; an attribute nobody
    has matches no response.
    """
    from io import StringIO

    from sqlalchemy import Text, cast

    query = (
        db.select(Response.id, Response.wave_id, Response.language, Response.questionnaire_version_id,
                  cast(Response.attributes, Text), Response.weight, cast(Response.page_seconds, Text),
                  Response.started_at, Response.completed_at)
        .where(Response.survey_id == survey.id, Response.status == "completed")
        .order_by(Response.id)
    )
    if wave is not None:
        query = query.where(Response.wave_id == wave.id)
    rows = _fetch_rows(query)
    if not rows:
        return pd.DataFrame(columns=list(ANALYSIS_CONTEXT), index=pd.Index([], name="response_id"))
    ids, wave_ids, languages, versions, attributes, weights, page_seconds, started, completed = zip(*rows, strict=True)
    index = pd.Index(np.fromiter(ids, dtype=np.int64, count=len(ids)), name="response_id")
    waves = {w.id: w for w in survey.waves}
    wave_codes = pd.Series(wave_ids, index=index)
    table = pd.DataFrame({
        "wave": wave_codes.map({i: w.name for i, w in waves.items()}),
        "wave_opens_at": wave_codes.map({i: w.opens_at for i, w in waves.items()}),
        "language": pd.Series(languages, index=index),
        "questionnaire_version_id": pd.Series(versions, index=index),
        "duration_seconds": pd.Series([_duration_of(seconds, start, end) for seconds, start, end
                                       in zip(page_seconds, started, completed, strict=True)],
                                      index=index, dtype=float),
        "weight": pd.Series(weights, index=index, dtype=float),
    })
    parsed = pd.read_json(StringIO("\n".join(text or "{}" for text in attributes)), lines=True, dtype=False)
    parsed = parsed.drop(columns=[c for c in parsed.columns if c in PERSONAL_ATTRIBUTES or c in table.columns])
    if len(parsed.columns):
        parsed.index = index
        table = table.join(parsed)
    # The values each grouping attribute takes before filtering: what a filter can offer.
    values_seen = {name: sorted(map(str, table[name].dropna().unique())) for name in GROUPING_ATTRIBUTES
                   if name in table.columns and table[name].nunique() <= MAX_FILTER_VALUES}
    table = filter_rows(table, filters)
    if table.empty:
        table.attrs["attribute_values"] = values_seen
        return table

    if items is None:
        items = list(db.session.scalars(
            db.select(Answer.item_id).distinct().join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Answer.number.is_not(None))
        ))
    columns = list(dict.fromkeys(items))
    values = np.full((len(table), len(columns)), np.nan)
    if columns:
        # The database pivots: one row per response, one number per item, so that what crosses
        # into Python is a compact grid of floats (no item names per value, no JSON).
        answer_query = (
            db.select(Answer.response_id, *[
                db.func.max(db.case((Answer.item_id == item, Answer.number))).label(f"c{index}")
                for index, item in enumerate(columns)
            ])
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.status == "completed", Answer.number.is_not(None),
                   Answer.item_id.in_(columns))
            .group_by(Answer.response_id)
        )
        if wave is not None:
            answer_query = answer_query.where(Response.wave_id == wave.id)
        grid = _fetch_grid(answer_query, len(columns) + 1)
        if len(grid):
            rows_index = table.index.get_indexer(grid[:, 0].astype(np.int64))
            keep = rows_index >= 0
            values[rows_index[keep]] = grid[keep, 1:]
    answer_frame = pd.DataFrame(values, index=table.index, columns=columns)
    answer_frame = answer_frame.loc[:, answer_frame.notna().any().to_numpy()]  # items nobody answered: absent
    table = table.join(answer_frame.drop(columns=[c for c in answer_frame.columns if c in table.columns]))
    table.attrs["attribute_values"] = values_seen
    return table


def filter_rows(table: pd.DataFrame, filters: dict | None) -> pd.DataFrame:
    """The rows whose attributes match every filter: ``{column: value or list of values}``.

    Values are compared as text (``"3"`` matches 3 and 3.0), so query-string values work; a
    column the table lacks matches nothing.
    """
    for column, wanted in (filters or {}).items():
        values = wanted if isinstance(wanted, list | tuple | set | frozenset) else [wanted]
        wanted_text = {_as_text(value) for value in values}
        if column not in table.columns:
            return table.iloc[0:0]
        table = table[table[column].map(_as_text).isin(wanted_text)]
    return table


def _as_text(value) -> str | None:
    """A value as text for comparing filters: ``3``, ``3.0`` and ``"3.0"`` are all ``"3"``."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return str(int(number)) if number.is_integer() else value
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    return str(value)
