"""Erasure leaves no way back: no outbox row (its Message-ID is in the mail server's log), no
timestamp precise enough to join an invitation to a response, and, on request, no free text."""

from __future__ import annotations

from datetime import datetime, time

from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import queue_invitations
from surveyapp.models import Invitation, OutboxMail, Response, Survey, Wave

from ..respond.conftest import LOYALTY_ANSWERS, post_page


def _answer_everything(app, path, text):
    client = app.test_client()
    answers = [*LOYALTY_ANSWERS[:-1], {"needs": text}]
    for data in answers:
        post_page(client, path, data)
    return path


def _mail_everyone(app, loyalty):
    with app.app_context():
        survey = db.session.get(Survey, loyalty.survey_id)
        queue_invitations(survey, db.session.get(Wave, loyalty.wave_id))
        send_due_mails()


def _is_day(value: datetime | None) -> bool:
    return value is None or value.time() == time(0)


def _state(app):
    with app.app_context():
        invitations = db.session.scalars(db.select(Invitation).order_by(Invitation.id)).all()
        responses = db.session.scalars(db.select(Response).order_by(Response.id)).all()
        outbox = db.session.scalars(db.select(OutboxMail)).all()
        return (
            [(i.contact_id, i.created_at, i.opened_at, i.last_mailed_at, i.expires_at) for i in invitations],
            [(r.invitation_id, r.started_at, r.updated_at, r.completed_at,
              {a.item_id: (a.value, a.other_text) for a in r.answers}) for r in responses],
            [(m.invitation.contact_id, m.message_id) for m in outbox],
        )


def test_erase_cuts_every_link_from_mail_log_to_answers(app, loyalty, runner):
    anna_path = loyalty.invite(email="anna@example.com")
    bert_path = loyalty.invite(email="bert@example.com", name="Bert")
    _mail_everyone(app, loyalty)
    _answer_everything(app, anna_path, "Anna's own words.")
    _answer_everything(app, bert_path, "Bert's own words.")
    invitations, responses, outbox = _state(app)
    assert len(outbox) == 2 and all(i[2] is not None for i in invitations)

    result = runner.invoke(args=["contacts", "erase", "anna@example.com"])
    assert result.exit_code == 0, result.output
    invitations, responses, outbox = _state(app)

    (anna_inv, bert_inv) = invitations
    (anna, bert) = responses
    assert anna_inv[0] is None and bert_inv[0] is not None
    # The mail server's log holds the Message-ID next to the address: no row may carry it.
    assert [row for row in outbox if row[0] is not None] == outbox and len(outbox) == 1
    # Day precision only: the opened time no longer finds the started time.
    assert all(_is_day(value) for value in anna_inv[1:]), anna_inv
    assert all(_is_day(value) for value in anna[1:4]), anna
    assert anna[0] is None
    # Anna's answers stay (anonymous) unless asked otherwise; Bert is untouched.
    assert anna[4]["needs"] == ("Anna's own words.", None) and anna[4]["nps"] == (9, None)
    assert not _is_day(bert[1]) and bert[0] is not None


def test_erase_text_also_removes_the_persons_free_text(app, loyalty, runner):
    _answer_everything(app, loyalty.invite(email="anna@example.com"), "Ik ben Anna, bel me op 0612345678.")
    result = runner.invoke(args=["contacts", "erase", "anna@example.com", "--erase-text"])
    assert result.exit_code == 0, result.output
    assert "free-text" in result.output
    _, responses, _ = _state(app)
    answers = responses[0][4]
    assert "needs" not in answers
    assert answers["nps"] == (9, None), "closed answers stay for the analysis"
