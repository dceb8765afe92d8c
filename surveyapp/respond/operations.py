"""Every write a respondent causes: opening a link, starting, saving a page, completing.

Each function runs in one transaction and leaves no half-written record behind. Writes to
an existing response first *claim* its row with a conditional UPDATE (``status =
'in_progress'``): on PostgreSQL that takes the row lock, on SQLite the database's write
lock, so a save racing a completion (double click, two tabs) either runs entirely before
it or sees the response completed and changes nothing.
"""

from __future__ import annotations

import logging

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..invitations.alerts import queue_detractor_alert
from ..models import Answer, Invitation, Response, Survey, Wave
from ..models.base import utcnow
from ..models.response import numeric_value

log = logging.getLogger(__name__)

_responses = Response.__table__
_answers = Answer.__table__


def _upsert_answers(insert):
    """Insert answers, or overwrite those the response already has for the same items."""
    statement = insert(_answers)
    return statement.on_conflict_do_update(
        index_elements=[_answers.c.response_id, _answers.c.item_id],
        set_={column: statement.excluded[column] for column in ("value", "other_text", "number")},
    ).returning(_answers.c.id)  # with RETURNING, the rows go in one multi-row INSERT ("insertmanyvalues")


#: Built once per process, by dialect; executed with a list of rows (see :func:`_write_answers`).
_UPSERT_ANSWERS = {"postgresql": _upsert_answers(pg_insert), "sqlite": _upsert_answers(sqlite_insert)}
_DELETE_ANSWERS = _answers.delete().where(
    _answers.c.response_id == bindparam("response_id"), _answers.c.item_id.in_(bindparam("item_ids", expanding=True))
)


class ResponseLocked(Exception):
    """The response was completed; it can no longer change."""


def record_opened(invitation: Invitation) -> None:
    """Note the first time a personal link was opened (kept for the response rate funnel)."""
    if invitation.opened_at is not None:
        return
    now = utcnow()
    invitations = Invitation.__table__
    result = db.session.execute(
        invitations.update().where(invitations.c.id == invitation.id, invitations.c.opened_at.is_(None))
        .values(opened_at=now)
    )
    _commit_keeping_loaded()
    if result.rowcount == 1:
        set_committed_value(invitation, "opened_at", now)
    else:  # opened a moment ago by another request
        db.session.expire(invitation, ["opened_at"])
    log.info("invitation %s opened", invitation.id)


def start_response(**fields) -> Response:
    """The respondent's response, stored (``fields`` as for :func:`unsaved_response`)."""
    return store_unsaved(unsaved_response(**fields))


def unsaved_response(
    *,
    survey: Survey,
    wave: Wave,
    language: str,
    attributes: dict | None = None,
    randomization: dict | None = None,
    invitation: Invitation | None = None,
    session_key: str | None = None,
) -> Response:
    """The respondent's response, kept out of the database until :func:`store_unsaved`.

    A visit (a person, or a mail scanner opening every link) shows the first page from it;
    only the first answer stores a response, so opening is never counted as starting.
    Returns the stored response when the link already has one.
    """
    existing = _existing(invitation.id if invitation else None, session_key)
    if existing is not None:
        return existing
    return Response(
        survey_id=survey.id,
        wave_id=wave.id,
        questionnaire_version_id=survey.questionnaire_version_id,
        questionnaire_version=survey.questionnaire_version,
        invitation_id=invitation.id if invitation else None,
        session_key=session_key,
        language=language,
        attributes=dict(attributes or {}),
        randomization=dict(randomization or {}),
        status="in_progress",
    )


def store_unsaved(response: Response) -> Response:
    """Store a response made by :func:`unsaved_response`; one already stored is returned as it is.

    One link, one response: when two first requests race, the database's unique constraint on
    ``invitation_id`` (or ``session_key``) lets one insert win and the other returns that same
    response.
    """
    if response.id is not None:
        return response
    db.session.add(response)
    try:
        _commit_keeping_loaded()
    except IntegrityError:
        db.session.rollback()
        existing = _existing(response.invitation_id, response.session_key)
        if existing is None:
            raise
        return existing
    set_committed_value(response, "answers", [])  # a new response has none: no need to ask
    log.info("response %s started (survey %s, wave %s)", response.id, response.survey_id, response.wave_id)
    return response


def _existing(invitation_id: int | None, session_key: str | None) -> Response | None:
    if invitation_id is not None:
        return db.session.scalar(db.select(Response).where(Response.invitation_id == invitation_id))
    if session_key is not None:
        return db.session.scalar(db.select(Response).where(Response.session_key == session_key))
    return None


def _claim(response: Response, **values) -> bool:
    """Lock the response's row for this transaction if it is still in progress.

    Returns False (and changes nothing) when it has been completed meanwhile. Once the row
    is held, ``response`` carries the values written here; its other columns (attributes,
    randomization, links) never change after it started, and its answers are written
    without reading them again (see :func:`_write_answers`).
    """
    values = {"updated_at": utcnow(), **values}
    result = db.session.execute(
        _responses.update().where(_responses.c.id == response.id, _responses.c.status == "in_progress")
        .values(**values)
    )
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(response, key, value)
    return True


def _with_page_time(values: dict, response: Response, page_id: str | None) -> dict:
    """``values`` to claim the response with, plus its page times with the seconds since its last
    write added to ``page_id`` (for speeder detection): the page was shown right after that write,
    so this is the time the respondent spent on it. Written by the claiming UPDATE itself."""
    since = response.updated_at
    if page_id is None or since is None:
        return values
    seconds = max((utcnow() - since).total_seconds(), 0.0)
    times = dict(response.page_seconds or {})
    times[page_id] = round(times.get(page_id, 0.0) + seconds, 3)
    return {**values, "page_seconds": times}


def _answer_row(response: Response, item_id: str, value, other_text: str | None) -> dict:
    """One row of the answers table."""
    return {"response_id": response.id, "item_id": item_id, "value": value, "other_text": other_text,
            "number": numeric_value(value)}  # the ORM's validator does not run for a Core insert


def _write_answers(response: Response, answers: dict, clear, other_texts: dict) -> None:
    """Upsert ``answers`` and delete those to ``clear``: two statements, however many items.

    Runs with the response's row locked (:func:`_claim`), so what another request stored a
    moment ago is overwritten or deleted just the same: no answer is read first.
    """
    to_delete = [item_id for item_id in clear if item_id not in answers]
    if to_delete:
        db.session.execute(_DELETE_ANSWERS, {"response_id": response.id, "item_ids": to_delete})
    if answers:
        db.session.execute(_UPSERT_ANSWERS[db.session.get_bind().dialect.name], [
            _answer_row(response, item_id, value, other_texts.get(item_id)) for item_id, value in answers.items()
        ])
    # The loaded collection no longer matches the table: read it again if anyone asks.
    db.session.expire(response, ["answers"])


def _commit_keeping_loaded() -> None:
    """Commit without expiring what this request loaded (it is still true: see :func:`_claim`)."""
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def save_answers(
    response: Response,
    answers: dict[str, object],
    *,
    clear: set[str] | frozenset[str] = frozenset(),
    other_texts: dict[str, str] | None = None,
    current_page: str | None = None,
    language: str | None = None,
    timed_page: str | None = None,
) -> None:
    """Store ``answers`` (item id -> value) and delete the answers to ``clear``.

    ``clear`` holds the items the respondent could not see (display logic) or left
    empty: their stale answers must not survive. ``timed_page``: the page that was posted; the
    time since the last write is added to it (``Response.page_seconds``). Refused with :class:`ResponseLocked`
    once the response is completed, also when another request completed it a moment ago.
    """
    values = {}
    if current_page is not None:
        values["current_page"] = current_page
    if language is not None:
        values["language"] = language
    if not _claim(response, **_with_page_time(values, response, timed_page)):
        db.session.rollback()
        raise ResponseLocked(response.id)
    _write_answers(response, answers, clear, other_texts or {})
    _commit_keeping_loaded()


def complete_response(
    response: Response,
    answers: dict[str, object] | None = None,
    *,
    clear: set[str] | frozenset[str] = frozenset(),
    other_texts: dict[str, str] | None = None,
    language: str | None = None,
    timed_page: str | None = None,
) -> bool:
    """Store the last page's ``answers`` and lock the response, in one transaction.

    True for the request that completed it, False for any later one -- which changes
    nothing, not even the answers it carried. A conditional UPDATE makes this safe
    against double clicks and two tabs at once: only one statement can move the row
    from in_progress to completed.
    """
    now = utcnow()
    values = {"status": "completed", "completed_at": now}
    if language is not None:
        values["language"] = language
    if not _claim(response, **_with_page_time(values, response, timed_page)):
        db.session.rollback()
        db.session.refresh(response)
        return False
    if answers or clear:
        _write_answers(response, answers or {}, clear, other_texts or {})
    queue_detractor_alert(response)  # in this transaction: one alert exactly when completed
    _commit_keeping_loaded()
    log.info("response %s completed", response.id)
    return True

