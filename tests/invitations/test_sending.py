"""Sending the outbox through a real SMTP server on loopback: once, and only once."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest

from surveyapp import create_app
from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import queue_invitations
from surveyapp.models import Contact, Invitation, OutboxMail
from surveyapp.models.base import utcnow
from surveyapp.tokens import token_hash

from .conftest import LINK, UNSUBSCRIBE, add_contacts, free_port, parts


def states() -> dict[str, int]:
    counts: dict[str, int] = {}
    for mail in db.session.scalars(db.select(OutboxMail)):
        counts[mail.state] = counts.get(mail.state, 0) + 1
    return counts


def test_one_mail_per_contact_and_none_on_a_second_run(smtp, survey, wave):
    add_contacts(survey, 3)
    assert queue_invitations(survey, wave) == 3
    assert queue_invitations(survey, wave) == 0, "queueing again adds nothing"

    report = send_due_mails()
    assert report.sent == 3
    assert sorted(smtp.recipients) == [f"person{i}@example.org" for i in range(3)]

    again = send_due_mails()
    assert again.sent == 0
    assert len(smtp.messages) == 3
    assert states() == {"sent": 3}
    assert all(i.last_mailed_at is not None for i in db.session.scalars(db.select(Invitation)))


def test_mail_has_working_personal_link_opt_out_and_fixed_message_id(smtp, survey, wave):
    (contact,) = add_contacts(survey, 1, language="nl")
    queue_invitations(survey, wave)
    send_due_mails()
    (message,) = smtp.messages
    mail = db.session.scalar(db.select(OutboxMail))
    invitation = db.session.scalar(db.select(Invitation))

    assert message["Message-ID"] == mail.message_id
    assert mail.message_id.endswith("@example.com>")
    assert message["Content-Language"] == "nl"
    assert message["To"] == "Person 0 <person0@example.org>"
    assert "Klantonderzoek" in message["Subject"], "the questionnaire's title in the contact's language"
    text, html = parts(message)
    for body in (text, html):
        (token,) = set(LINK.findall(body))
        assert token_hash(token) == invitation.token_hash
        assert UNSUBSCRIBE.search(body)
    assert "Person 0" in text and "Person 0" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip() == f"<http://localhost{UNSUBSCRIBE.search(text).group(1)}>"
    # The outbox keeps no link: the body is rendered at sending time.
    assert LINK.search(str([mail.message_id, mail.kind, mail.last_error])) is None


def test_html_part_escapes_contact_data(smtp, survey, wave):
    add_contacts(survey, 1)
    contact = db.session.scalar(db.select(Contact))
    contact.name = "<b>Eve</b>"
    db.session.commit()
    queue_invitations(survey, wave)
    send_due_mails()
    text, html = parts(smtp.messages[0])
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html
    assert "<b>Eve</b>" in text


def test_survey_mail_texts_override_defaults(smtp, survey, wave):
    survey.mail_texts = {"invitation": {"en": {"subject": "How did we do, {name}?",
                                               "body": "First paragraph about {survey}.\n\nSecond one."}}}
    db.session.commit()
    add_contacts(survey, 1)
    queue_invitations(survey, wave)
    send_due_mails()
    message = smtp.messages[0]
    assert message["Subject"] == "How did we do, Person 0?"
    text, html = parts(message)
    assert "First paragraph about Customer survey." in text
    assert "<p>Second one.</p>" in html
    assert LINK.search(text) and UNSUBSCRIBE.search(text), "link and opt-out are always added"


def test_server_down_loses_nothing(app, survey, wave):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none", SMTP_TIMEOUT=2)
    add_contacts(survey, 2)
    queue_invitations(survey, wave)

    report = send_due_mails()
    assert report.sent == 0
    assert "cannot use SMTP server" in report.stopped
    mails = db.session.scalars(db.select(OutboxMail)).all()
    assert {(m.state, m.attempts) for m in mails} == {("queued", 0)}, "untouched: nothing claimed"


def test_server_down_then_up_sends_each_once(app, smtp, survey, wave):
    port = app.config["SMTP_PORT"]
    add_contacts(survey, 2)
    queue_invitations(survey, wave)
    app.config["SMTP_PORT"] = free_port()
    assert send_due_mails().stopped
    app.config["SMTP_PORT"] = port
    assert send_due_mails().sent == 2
    assert send_due_mails().sent == 0
    assert len(smtp.messages) == 2


def test_cli_reports_server_down_with_exit_code_1(app, runner, survey, wave):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none", SMTP_TIMEOUT=2)
    add_contacts(survey, 1)
    queue_invitations(survey, wave)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "cannot use SMTP server" in result.output
    assert "remaining mails stay queued" in result.output


def test_temporary_failure_is_retried_later_with_backoff(app, smtp, survey, wave):
    add_contacts(survey, 2)
    queue_invitations(survey, wave)
    smtp.default_rcpt_reply = "451 4.7.1 Greylisted, try again later"
    now = utcnow()

    report = send_due_mails(now=now)
    assert report.retried == 2 and report.sent == 0
    mails = db.session.scalars(db.select(OutboxMail)).all()
    assert {m.state for m in mails} == {"queued"}
    assert all(m.attempts == 1 and m.due_at == now + timedelta(seconds=60) for m in mails)
    assert all("451" in m.last_error for m in mails)

    smtp.default_rcpt_reply = None
    assert send_due_mails(now=now + timedelta(seconds=30)).sent == 0, "not due yet"
    assert send_due_mails(now=now + timedelta(seconds=61)).sent == 2
    assert len(smtp.messages) == 2
    assert send_due_mails(now=now + timedelta(days=1)).sent == 0


def test_temporary_failures_back_off_exponentially_and_give_up(app, smtp, survey, wave):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    add_contacts(survey, 1)
    queue_invitations(survey, wave)
    smtp.default_rcpt_reply = "421 4.3.2 System not accepting network messages"
    now = utcnow()
    send_due_mails(now=now)
    mail = db.session.scalar(db.select(OutboxMail))
    assert mail.due_at == now + timedelta(seconds=60)
    now = mail.due_at
    send_due_mails(now=now)
    db.session.refresh(mail)
    assert mail.due_at == now + timedelta(seconds=120)
    send_due_mails(now=mail.due_at)
    db.session.refresh(mail)
    assert (mail.state, mail.attempts) == ("failed", 3)
    assert smtp.messages == []
    assert db.session.scalar(db.select(Contact)).undeliverable_at is None, "a 4xx is no bounce"


def test_permanent_failure_for_one_recipient(smtp, survey, wave):
    contacts = add_contacts(survey, 3)
    smtp.rcpt_replies["person1@example.org"] = "550 5.1.1 No such user here"
    queue_invitations(survey, wave)

    report = send_due_mails()
    assert (report.sent, report.failed) == (2, 1)
    assert sorted(smtp.recipients) == ["person0@example.org", "person2@example.org"]
    bounced = db.session.get(Contact, contacts[1].id)
    assert bounced.undeliverable_at is not None
    failed = db.session.scalar(db.select(OutboxMail).where(OutboxMail.state == "failed"))
    assert "550" in failed.last_error

    assert send_due_mails().sent == 0
    assert len(smtp.messages) == 2
    second = queue_invitations(survey, wave)
    assert second == 0, "an undeliverable contact is not queued again"


def test_crash_between_sending_and_recording_is_uncertain_not_resent(app, smtp, survey, wave):
    add_contacts(survey, 3)
    queue_invitations(survey, wave)
    now = utcnow()

    def crash(mail):
        raise RuntimeError("power cut after the SMTP server said 250")

    with pytest.raises(RuntimeError):
        send_due_mails(now=now, after_accept=crash)
    db.session.rollback()
    assert len(smtp.messages) == 1
    crashed_id = smtp.messages[0]["Message-ID"]
    assert states() == {"sending": 1, "queued": 2}

    # Within the claim timeout the row could belong to a sender still running: left alone.
    soon = send_due_mails(now=now + timedelta(minutes=1))
    assert (soon.sent, soon.in_flight, soon.uncertain_found) == (2, 1, 0)

    later = send_due_mails(now=now + timedelta(minutes=11))
    assert (later.sent, later.uncertain_found, later.uncertain_total) == (0, 1, 1)
    assert states() == {"sent": 2, "uncertain": 1}
    assert len(smtp.messages) == 3, "the uncertain mail is not resent"
    assert send_due_mails(now=now + timedelta(days=1)).sent == 0

    retried = send_due_mails(now=now + timedelta(days=1), retry_uncertain=True)
    assert (retried.requeued, retried.sent) == (1, 1)
    assert smtp.message_ids().count(crashed_id) == 2, "resent with the same Message-ID"
    assert states() == {"sent": 3}


def test_cli_reports_uncertain_and_retries_on_request(app, runner, smtp, survey, wave):
    app.config["MAIL_CLAIM_TIMEOUT_SECONDS"] = 0
    add_contacts(survey, 1)
    queue_invitations(survey, wave)

    def crash(mail):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        send_due_mails(after_accept=crash)
    db.session.rollback()

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 mail(s) uncertain" in result.output
    assert "--retry-uncertain" in result.output
    assert len(smtp.messages) == 1
    result = runner.invoke(args=["mail", "send", "--retry-uncertain"])
    assert "1 uncertain mail(s) were queued again" in result.output
    assert "1 sent" in result.output
    assert len(smtp.messages) == 2 and len(set(smtp.message_ids())) == 1


def test_connection_lost_mid_transaction_is_uncertain(app, smtp, survey, wave):
    add_contacts(survey, 1)
    queue_invitations(survey, wave)

    async def hang_up(server, session, envelope):
        server.transport.close()  # the server drops the line after receiving the data
        return None

    smtp.handle_DATA = hang_up
    report = send_due_mails()
    assert report.uncertain_found == 1 and report.sent == 0
    assert states() == {"uncertain": 1}


def test_limit_and_rate(app, smtp, survey, wave):
    app.config["MAIL_RATE_PER_MINUTE"] = 1200  # one every 0.05 s
    add_contacts(survey, 5)
    queue_invitations(survey, wave)
    started = time.monotonic()
    assert send_due_mails(limit=4).sent == 4
    assert time.monotonic() - started >= 0.15
    assert send_due_mails().sent == 1


def test_without_smtp_host_mails_are_written_to_mail_dir(app, runner, survey, wave, tmp_path):
    app.config["SMTP_HOST"] = None
    add_contacts(survey, 2)
    queue_invitations(survey, wave)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "SURVEYAPP_SMTP_HOST is not set" in result.output
    assert "2 written" in result.output
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2
    assert b"List-Unsubscribe" in files[0].read_bytes()
    assert runner.invoke(args=["mail", "send"]).output.count("0 written") == 1


def test_cli_send_prints_summary(runner, smtp, survey, wave):
    add_contacts(survey, 2)
    result = runner.invoke(args=["invite", "--survey", "loyalty"])
    assert result.exit_code == 0, result.output
    assert "Queued 2 invitation(s) for wave 2025-06" in result.output
    result = runner.invoke(args=["mail", "send", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry later, 0 failed, 0 cancelled." in result.output
    assert len(smtp.messages) == 1


@pytest.mark.postgres
def test_two_concurrent_senders_send_each_mail_once(app, app_config, smtp, survey, wave):
    add_contacts(survey, 40)
    queue_invitations(survey, wave)
    smtp_settings = {key: app.config[key] for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_TIMEOUT",
                                                       "MAIL_FROM")}
    senders = [app, create_app({**app_config, **smtp_settings})]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run(sender_app):
        try:
            with sender_app.app_context():
                barrier.wait()
                reports.append(send_due_mails())
                db.session.remove()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(a,)) for a in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with senders[1].app_context():
        db.engine.dispose()
    assert errors == []
    assert sum(r.sent for r in reports) == 40
    assert len(smtp.messages) == 40
    assert len(set(smtp.message_ids())) == 40, "no mail twice"
    db.session.expire_all()
    assert states() == {"sent": 40}


def test_mail_states_the_last_day_of_the_wave(smtp, survey, wave):
    from babel.dates import format_date

    closes_at = datetime.combine(utcnow().date() + timedelta(days=15), datetime.min.time())
    wave.closes_at = closes_at
    db.session.commit()
    add_contacts(survey, 1)
    queue_invitations(survey, wave)
    send_due_mails()
    text, _ = parts(smtp.messages[0])
    last_day = format_date(closes_at.date() - timedelta(days=1), "long", locale="en")
    assert f"until {last_day}." in text


def test_a_batch_claim_takes_at_most_its_limit_and_gives_back_what_it_did_not_send(app, survey, wave):
    from surveyapp.invitations.operations import claim_mails, release_claims

    add_contacts(survey, 5)
    queue_invitations(survey, wave)
    first = claim_mails(limit=2)
    second = claim_mails(limit=2)
    assert len(first) == len(second) == 2
    assert not {m.id for m in first} & {m.id for m in second}, "two claims never share a mail"
    assert all(m.invitation.contact.email for m in first), "loaded with its invitation and contact"
    assert states() == {"sending": 4, "queued": 1}
    release_claims(second)
    assert states() == {"sending": 2, "queued": 3}
    assert sorted(m.attempts for m in db.session.scalars(db.select(OutboxMail))) == [0, 0, 0, 1, 1]


def test_one_run_sends_many_mails_over_one_connection_in_batches(app, smtp, survey, wave):
    add_contacts(survey, 120)
    queue_invitations(survey, wave)
    report = send_due_mails()
    assert report.sent == 120
    assert len(set(smtp.message_ids())) == 120
    assert states() == {"sent": 120}
