"""What a respondent's page request reads, in as few SQL statements as possible.

A page is answered by thousands of respondents at once, so each request reads what it
needs up front instead of lazily, item by item: one statement for the link with its
wave, contact, response, the response's answers and its questionnaire version (only its
id and content hash: the parsed questionnaire is kept in-process per version, see
:func:`~surveyapp.respond.journey.questionnaire_of`). Under load every round trip to the
database counts, so the answers are joined in too rather than read by a second statement.
The number of statements does not grow with the number of items or answers
(``tests/respond/test_statement_counts.py`` keeps it so).
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Invitation, QuestionnaireVersion, Response, Survey, Wave
from ..tokens import token_hash

#: What identifies a parsed questionnaire; the definition itself is read only on a cache miss.
_VERSION_KEY = (QuestionnaireVersion.id, QuestionnaireVersion.content_hash)


def _response_options(path):
    """Loader options for a response reached through ``path`` (a relationship attribute)."""
    return (
        path.joinedload(Response.questionnaire_version).load_only(*_VERSION_KEY),
        path.joinedload(Response.answers),
    )


def invitation_for_answering(token: str) -> Invitation | None:
    """The invitation of a personal link token, with everything a page request reads."""
    if not token or len(token) > 100:
        return None
    response = joinedload(Invitation.response)
    return db.session.scalars(
        db.select(Invitation)
        .where(Invitation.token_hash == token_hash(token))
        .options(
            # the survey and its current version's key too: a link not answered yet starts from them
            joinedload(Invitation.wave).joinedload(Wave.survey).joinedload(Survey.questionnaire_version)
            .load_only(*_VERSION_KEY),
            joinedload(Invitation.contact),
            *_response_options(response),
        )
    ).unique().first()


def survey_for_answering(open_token: str) -> Survey | None:
    """The survey of an open link, with its waves and current questionnaire version's hash."""
    if not 0 < len(open_token) <= 100:
        return None
    return db.session.scalar(
        db.select(Survey)
        .where(Survey.open_token == open_token)
        .options(
            selectinload(Survey.waves),
            joinedload(Survey.questionnaire_version).load_only(*_VERSION_KEY),
        )
    )


def response_for_session(session_key: str) -> Response | None:
    """An open-link response by its browser-session key, with its wave and answers."""
    return db.session.scalars(
        db.select(Response)
        .where(Response.session_key == session_key)
        .options(
            joinedload(Response.wave),
            joinedload(Response.questionnaire_version).load_only(*_VERSION_KEY),
            joinedload(Response.answers),
        )
    ).unique().first()
