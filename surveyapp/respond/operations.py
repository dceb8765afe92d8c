"""Every write a respondent causes: starting, saving a page, completing.

Each function runs in one transaction and leaves no half-written record behind.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Answer, Invitation, Response, Survey, Wave
from ..models.base import utcnow

log = logging.getLogger(__name__)


def start_response(
    *,
    survey: Survey,
    wave: Wave,
    language: str,
    attributes: dict | None = None,
    randomization: dict | None = None,
    invitation: Invitation | None = None,
    session_key: str | None = None,
) -> Response:
    """The respondent's response, created on first visit.

    One link, one response: when two first requests race, the database's unique
    constraint on ``invitation_id`` (or ``session_key``) lets one insert win and the
    other returns that same response.
    """
    existing = _existing(invitation, session_key)
    if existing is not None:
        return existing
    response = Response(
        survey_id=survey.id,
        wave_id=wave.id,
        questionnaire_version_id=survey.questionnaire_version_id,
        invitation_id=invitation.id if invitation else None,
        session_key=session_key,
        language=language,
        attributes=dict(attributes or {}),
        randomization=dict(randomization or {}),
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _existing(invitation, session_key)
        if existing is None:
            raise
        return existing
    log.info("response %s started (survey %s, wave %s)", response.id, survey.slug, wave.name)
    return response


def _existing(invitation: Invitation | None, session_key: str | None) -> Response | None:
    if invitation is not None:
        return db.session.scalar(db.select(Response).where(Response.invitation_id == invitation.id))
    if session_key is not None:
        return db.session.scalar(db.select(Response).where(Response.session_key == session_key))
    return None


def save_answers(
    response: Response,
    answers: dict[str, object],
    *,
    clear: set[str] | frozenset[str] = frozenset(),
    other_texts: dict[str, str] | None = None,
    current_page: str | None = None,
    language: str | None = None,
) -> None:
    """Store ``answers`` (item id -> value) and delete the answers to ``clear``.

    ``clear`` holds the items the respondent could not see (display logic) or left
    empty: their stale answers must not survive. Refused once the response is completed.
    """
    if response.completed:
        raise ResponseLocked(response.id)
    other_texts = other_texts or {}
    existing = {answer.item_id: answer for answer in response.answers}
    for item_id in clear:
        if item_id in existing and item_id not in answers:
            response.answers.remove(existing.pop(item_id))
    for item_id, value in answers.items():
        answer = existing.get(item_id)
        if answer is None:
            response.answers.append(Answer(item_id=item_id, value=value, other_text=other_texts.get(item_id)))
        else:
            answer.value = value
            answer.other_text = other_texts.get(item_id)
    if current_page is not None:
        response.current_page = current_page
    if language is not None:
        response.language = language
    response.updated_at = utcnow()
    db.session.commit()


def complete_response(response: Response) -> bool:
    """Lock the response. True for the request that completed it, False for any later one.

    A conditional UPDATE makes this safe against double clicks and two tabs at once:
    only one statement can move the row from in_progress to completed.
    """
    now = utcnow()
    result = db.session.execute(
        db.update(Response)
        .where(Response.id == response.id, Response.status == "in_progress")
        .values(status="completed", completed_at=now, updated_at=now)
    )
    db.session.commit()
    db.session.refresh(response)
    completed = result.rowcount == 1
    if completed:
        log.info("response %s completed", response.id)
    return completed


class ResponseLocked(Exception):
    """The response was completed; it can no longer change."""
