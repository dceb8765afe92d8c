"""What a respondent's page request reads, in as few SQL statements as possible.

A page is answered by thousands of respondents at once, so each request reads what it
needs up front instead of lazily, item by item: one statement for the link with its
wave, contact, response, the response's answers and its questionnaire version (only its
id and content hash: the parsed questionnaire is kept in-process per version, see
:func:`~surveyapp.respond.journey.questionnaire_of`). Under load every round trip to the
database counts, so the answers come in that same statement, aggregated by the database
into one JSON array: one row, however many answers (joining them in would repeat the
link, contact and response columns once per answer). The statements are built once per
process. The number of statements does not grow with the number of items or answers
(``tests/respond/test_statement_counts.py`` keeps it so).

The reads run outside a transaction (autocommit: one snapshot for the one statement, as the
first statement of a read-committed transaction would see): a page GET is then one round trip
to the database, not three (BEGIN, the SELECT, ROLLBACK). Writes that follow start their own
transaction on the next statement, as before (see :mod:`.operations`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import JSON, bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db
from ..models import Answer, Invitation, QuestionnaireVersion, Response, Survey, Wave
from ..tokens import token_hash

#: What identifies a parsed questionnaire; the definition itself is read only on a cache miss.
_VERSION_KEY = (QuestionnaireVersion.id, QuestionnaireVersion.content_hash)


@dataclass
class StoredAnswers:
    """A response's stored answers: values and "other" texts by item id."""

    values: dict[str, object] = field(default_factory=dict)
    other_texts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows) -> StoredAnswers:
        """From ``(item_id, value, other_text)`` triples (the aggregated JSON, or Answer objects' fields)."""
        stored = cls()
        for item_id, value, other_text in rows or ():
            stored.values[item_id] = value
            if other_text:
                stored.other_texts[item_id] = other_text
        return stored


def answers_of(response: Response) -> StoredAnswers:
    """The stored answers of a response that was not read by this module's statements (one query)."""
    if response.id is None:
        return StoredAnswers()
    return StoredAnswers.from_rows((a.item_id, a.value, a.other_text) for a in response.answers)


class _answers_array(FunctionElement):
    """Aggregate: one JSON array of ``[item_id, value, other_text]`` (the three columns given), a row each."""

    type = JSON()
    name = "answers_array"
    inherit_cache = True


@compiles(_answers_array, "postgresql")
def _answers_array_postgresql(element, compiler, **kw):
    item_id, value, other_text = (compiler.process(column, **kw) for column in element.clauses)
    return f"json_agg(json_build_array({item_id}, {value}, {other_text}))"  # NULL without rows


@compiles(_answers_array, "sqlite")
def _answers_array_sqlite(element, compiler, **kw):
    item_id, value, other_text = (compiler.process(column, **kw) for column in element.clauses)
    return f"json_group_array(json_array({item_id}, json({value}), {other_text}))"  # the value is JSON text


_answer_columns = Answer.__table__.c
#: The answers of the response in the enclosing statement, correlated to it: one value, however many.
_ANSWERS = (
    select(_answers_array(_answer_columns.item_id, _answer_columns.value, _answer_columns.other_text))
    .where(_answer_columns.response_id == Response.__table__.c.id)
    .correlate(Response.__table__)
    .scalar_subquery()
)

_INVITATION = (
    select(Invitation, _ANSWERS)
    .outerjoin(Invitation.response)
    .where(Invitation.token_hash == bindparam("token_hash"))
    .options(
        # the survey and its current version's key too: a link not answered yet starts from them
        joinedload(Invitation.wave).joinedload(Wave.survey).joinedload(Survey.questionnaire_version)
        .load_only(*_VERSION_KEY),
        joinedload(Invitation.contact),
        contains_eager(Invitation.response).joinedload(Response.questionnaire_version).load_only(*_VERSION_KEY),
    )
)

_SESSION_RESPONSE = (
    select(Response, _ANSWERS)
    .where(Response.session_key == bindparam("session_key"))
    .options(
        joinedload(Response.wave),
        joinedload(Response.questionnaire_version).load_only(*_VERSION_KEY),
    )
)


@contextmanager
def _outside_transaction() -> Iterator[None]:
    """Read in autocommit mode when no transaction is open; keep what was loaded afterwards."""
    session = db.session()
    if session.in_transaction():  # something was written already: read in its transaction
        yield
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    yield  # a failure (the database gone) goes on to the error handlers, which roll back
    # Ends the session's use of the connection (no COMMIT is sent in autocommit mode) and gives
    # it back to the pool, which restores the default isolation for the next statement.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def invitation_for_answering(token: str) -> tuple[Invitation, StoredAnswers] | None:
    """The invitation of a personal link token, with everything a page request reads."""
    if not token or len(token) > 100:
        return None
    with _outside_transaction():
        row = db.session.execute(_INVITATION, {"token_hash": token_hash(token)}).first()
    return None if row is None else (row[0], StoredAnswers.from_rows(row[1]))


def survey_for_answering(open_token: str) -> Survey | None:
    """The survey of an open link, with its waves and current questionnaire version's hash."""
    if not 0 < len(open_token) <= 100:
        return None
    with _outside_transaction():
        return db.session.scalar(
            db.select(Survey)
            .where(Survey.open_token == open_token)
            .options(
                selectinload(Survey.waves),
                joinedload(Survey.questionnaire_version).load_only(*_VERSION_KEY),
            )
        )


def response_for_session(session_key: str) -> tuple[Response, StoredAnswers] | None:
    """An open-link response by its browser-session key, with its wave, version key and answers."""
    with _outside_transaction():
        row = db.session.execute(_SESSION_RESPONSE, {"session_key": session_key}).first()
    return None if row is None else (row[0], StoredAnswers.from_rows(row[1]))
