"""Opting out through the link in the mail: the page, the form, RFC 8058 one-click."""

from __future__ import annotations

import re

from surveyapp.extensions import db
from surveyapp.invitations.mailer import send_due_mails
from surveyapp.invitations.operations import queue_invitations
from surveyapp.models import Contact, OutboxMail
from surveyapp.signing import unsubscribe_token

from .conftest import UNSUBSCRIBE, add_contacts, next_wave, parts


def unsubscribe_path(message) -> str:
    text, _ = parts(message)
    return UNSUBSCRIBE.search(text).group(1)


def test_link_in_mail_opts_out_and_no_further_mail(client, smtp, survey, wave):
    ann, bob = add_contacts(survey, 2, language="nl")
    queue_invitations(survey, wave)
    send_due_mails()
    path = unsubscribe_path(smtp.to("person0@example.org")[0])

    page = client.get(path)
    assert page.status_code == 200
    assert b'<html lang="nl"' in page.data, "the page speaks the contact's language"
    assert b"person0@example.org" in page.data
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    assert db.session.get(Contact, ann.id).opted_out_at is None, "GET changes nothing"

    done = client.post(path, data={"csrf_token": csrf})
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(Contact, ann.id).opted_out_at is not None
    assert db.session.get(Contact, bob.id).opted_out_at is None

    july = next_wave(survey, "2025-07")
    assert queue_invitations(survey, july) == 1, "only Bob"
    send_due_mails()
    assert len(smtp.to("person0@example.org")) == 1
    assert len(smtp.to("person1@example.org")) == 2


def test_one_click_post_needs_no_csrf_token_and_cancels_queued_mail(client, smtp, survey, wave):
    (ann,) = add_contacts(survey, 1)
    queue_invitations(survey, wave)
    send_due_mails()
    header = smtp.messages[0]["List-Unsubscribe"].strip()
    path = re.match(r"<http://localhost(/unsubscribe/\S+)>", header).group(1)
    july = next_wave(survey, "2025-07")
    queue_invitations(survey, july)

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Contact, ann.id).opted_out_at is not None
    assert send_due_mails().sent == 0
    assert len(smtp.messages) == 1
    assert {m.state for m in db.session.scalars(db.select(OutboxMail))} == {"sent", "cancelled"}


def test_opt_out_at_send_time_cancels_the_mail(client, smtp, survey, wave):
    (ann,) = add_contacts(survey, 1)
    queue_invitations(survey, wave)
    # Opted out by another route (e.g. a direct database change) after queueing.
    db.session.execute(db.update(Contact).values(opted_out_at=db.func.now()))
    db.session.commit()
    report = send_due_mails()
    assert (report.sent, report.cancelled) == (0, 1)
    assert smtp.messages == []


def test_form_post_without_csrf_token_is_refused(client, survey):
    (ann,) = add_contacts(survey, 1)
    path = f"/unsubscribe/{unsubscribe_token(ann.id)}"
    assert client.post(path, data={}).status_code == 400
    assert db.session.get(Contact, ann.id).opted_out_at is None


def test_forged_or_damaged_token_is_404(client, survey):
    (ann,) = add_contacts(survey, 1)
    token = unsubscribe_token(ann.id)
    assert client.get(f"/unsubscribe/{token}x").status_code == 404
    assert client.post(f"/unsubscribe/{token[:-2]}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get("/unsubscribe/2").status_code == 404
