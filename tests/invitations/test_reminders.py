"""Reminders: after reminder_after_days, at most max_reminders, never after completing or opting out."""

from __future__ import annotations

from datetime import timedelta

from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import opt_out, queue_invitations, queue_reminders
from surveyapp.models import Invitation, OutboxMail, Response
from surveyapp.models.base import utcnow

from .conftest import add_contacts


def complete(invitation, wave, survey):
    db.session.add(Response(survey_id=survey.id, wave_id=wave.id, invitation_id=invitation.id,
                            questionnaire_version_id=survey.questionnaire_version_id, language="en",
                            status="completed", completed_at=utcnow()))
    db.session.commit()


def test_reminder_timing_and_limits(smtp, survey, wave):
    survey.reminder_after_days, survey.max_reminders = 7, 2
    db.session.commit()
    ann, bob, cas, dirk = add_contacts(survey, 4)
    t0 = utcnow()
    queue_invitations(survey, wave, now=t0)
    send_due_mails(now=t0)
    invitations = {i.contact_id: i for i in db.session.scalars(db.select(Invitation))}
    complete(invitations[bob.id], wave, survey)
    opt_out(cas)
    started = Response(survey_id=survey.id, wave_id=wave.id, invitation_id=invitations[dirk.id].id,
                       questionnaire_version_id=survey.questionnaire_version_id, language="en")
    db.session.add(started)
    db.session.commit()

    assert queue_reminders(survey, wave, now=t0 + timedelta(days=6)) == 0, "too early"
    assert queue_reminders(survey, wave, now=t0 + timedelta(days=7)) == 2, "Ann, and Dirk who started"
    assert queue_reminders(survey, wave, now=t0 + timedelta(days=7)) == 0, "one is already pending"
    send_due_mails(now=t0 + timedelta(days=7))
    reminders = [m for m in smtp.messages if m["Subject"].startswith("Reminder")]
    assert sorted(m["To"] for m in reminders) == ["Person 0 <person0@example.org>", "Person 3 <person3@example.org>"]

    assert queue_reminders(survey, wave, now=t0 + timedelta(days=13)) == 0, "7 days after the last mail"
    assert queue_reminders(survey, wave, now=t0 + timedelta(days=14)) == 2
    send_due_mails(now=t0 + timedelta(days=14))
    assert queue_reminders(survey, wave, now=t0 + timedelta(days=30)) == 0, "max_reminders reached"

    kinds = db.session.execute(
        db.select(OutboxMail.kind, OutboxMail.reminder_number, db.func.count())
        .group_by(OutboxMail.kind, OutboxMail.reminder_number).order_by(OutboxMail.kind, OutboxMail.reminder_number)
    ).all()
    assert kinds == [("invitation", 0, 4), ("reminder", 1, 2), ("reminder", 2, 2)]
    assert db.session.get(Invitation, invitations[ann.id].id).reminders_sent == 2
    assert len(smtp.to("person1@example.org")) == 1 and len(smtp.to("person2@example.org")) == 1


def test_reminder_is_cancelled_when_the_response_is_completed_before_sending(smtp, survey, wave):
    (ann,) = add_contacts(survey, 1)
    t0 = utcnow()
    queue_invitations(survey, wave, now=t0)
    send_due_mails(now=t0)
    later = t0 + timedelta(days=survey.reminder_after_days)
    assert queue_reminders(survey, wave, now=later) == 1
    complete(db.session.scalar(db.select(Invitation)), wave, survey)
    report = send_due_mails(now=later)
    assert report.cancelled == 1 and report.sent == 0
    assert len(smtp.messages) == 1


def test_no_reminders_in_a_closed_wave(smtp, survey, wave):
    add_contacts(survey, 1)
    t0 = utcnow()
    queue_invitations(survey, wave, now=t0)
    send_due_mails(now=t0)
    wave.closes_at = t0 + timedelta(days=3)
    db.session.commit()
    assert queue_reminders(survey, wave, now=t0 + timedelta(days=10)) == 0


def test_cli_invite_reminders(runner, smtp, survey, wave):
    add_contacts(survey, 1)
    wave.opens_at = utcnow() - timedelta(days=10)
    queue_invitations(survey, wave, now=utcnow() - timedelta(days=8))
    send_due_mails(now=utcnow() - timedelta(days=8))
    result = runner.invoke(args=["invite", "--survey", "loyalty", "--wave", "2025-06", "--reminders"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder(s) for wave 2025-06" in result.output
