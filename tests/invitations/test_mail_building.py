"""The sender's fast mail building (InvitationMails) says exactly what build_message says."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from surveyapp.extensions import db
from surveyapp.invitations.mails import InvitationMails, build_message
from surveyapp.invitations.operations import _queue, queue_invitations, upsert_contact
from surveyapp.invitations.unsubscribe import unsubscribe_link
from surveyapp.models import Invitation, OutboxMail
from surveyapp.models.base import utcnow

NAMES = [
    "Person 0",
    None,
    "<b>Eve</b> & \"Co\" 'x'",
    "Jörg Müller-Lüdenscheidt",
    "O'Brien, Pat",
    "J. Jansen (inkoop)",
    "=?utf-8?q?Mallory?=",
    "Anne-Marie van der Berg-Oosterhout tot Hoogeveen en Zuidwolde Jr.",
    "Åsa Ødegård Żółć 東京 " + "x" * 60,
    "  spaces around  ",
    "tab\tinside",
    "{name} %(name)s %s {survey}",
]

OVERRIDE = {"subject": "How did we do, {name}? – {survey}",
            "body": "Hello {name} & welcome.\n\n{name}\n\n  Until {deadline}, <b>{survey}</b>.  "}


def received(message) -> email.message.EmailMessage:
    """``message`` as an SMTP server receives and a mail program reads it."""
    data = message if isinstance(message, bytes) else message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    return email.message_from_bytes(data, policy=policy.default)


def described(message: email.message.EmailMessage) -> dict:
    """What a reader sees: decoded headers (not the Date, not the boundary) and each part's content."""
    # (The space a folded header starts with is not part of its value.)
    headers = [(name, str(value).strip()) for name, value in message.items() if name not in ("Date", "Content-Type")]
    assert abs(message["Date"].datetime - datetime.now(UTC)) < timedelta(minutes=1)
    text, html = (message.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    return {
        "headers": headers,
        "To": [(a.display_name, a.addr_spec) for a in message["To"].addresses],
        "type": message.get_content_type(),
        "parts": [(p.get_content_type(), p.get_content_charset(), p.get_content()) for p in (text, html)],
        "multipart": [p.get_content_type() for p in message.iter_parts()],
    }


@pytest.fixture
def mails(app, survey, wave):
    """Invitations and reminders in both languages, some with the survey's own texts, a deadline."""
    wave.closes_at = utcnow() + timedelta(days=10)
    survey.mail_texts = {"reminder": {"en": OVERRIDE, "nl": {"body": "Beste {name},\n\nnog even?"}},
                         "invitation": {"nl": OVERRIDE}}
    for index, name in enumerate(NAMES):
        for language in ("en", "nl"):
            upsert_contact(survey, email=f"p{index}{language}@example.org", name=name, language=language, commit=False)
    db.session.commit()
    queue_invitations(survey, wave)
    for invitation in db.session.scalars(db.select(Invitation)):
        _queue(invitation, "reminder", 1, utcnow())
    db.session.commit()
    return db.session.scalars(db.select(OutboxMail).order_by(OutboxMail.id)).all()


@pytest.mark.parametrize("base_url", ["http://localhost", "https://x.nl", "https://" + "long" * 20 + ".example.com"])
def test_fast_mails_read_exactly_as_build_message(app_ctx, mails, base_url):
    """Short links make ASCII text parts 7bit, long ones quoted-printable and folded headers."""
    app_ctx.config["BASE_URL"] = base_url
    builder = InvitationMails()
    fast = 0
    for mail in mails:
        built = builder.build(mail)
        fast += isinstance(built, bytes)
        assert described(received(built)) == described(received(build_message(mail))), mail.invitation.contact.name
    # All but the names with surrounding spaces took the fast way.
    assert fast == len(mails) - 2 * 2


def test_fast_mails_are_seven_bit_with_short_header_lines(app_ctx, mails):
    app_ctx.config["BASE_URL"] = "https://" + "long" * 20 + ".example.com"
    builder = InvitationMails()
    for mail in mails:
        data = builder.build(mail)
        if not isinstance(data, bytes):
            continue
        assert data.isascii()
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"\n" not in data.replace(b"\r\n", b""), "CRLF line ends only"
        # RFC 2369: the URL as it is, on a line of its own when too long for one (EmailMessage
        # RFC 2047-encodes it then, which mail programs do not read as a URL).
        url = f" <{unsubscribe_link(mail.invitation.contact_id)}>".encode()
        assert b"List-Unsubscribe:\r\n" + url + b"\r\n" in head
        assert all(len(line) <= 78 or line == url for line in head.split(b"\r\n")), head
        assert all(len(line) <= 78 for line in body.split(b"\r\n"))


def test_html_escapes_the_name_in_the_survey_own_texts(app_ctx, mails):
    builder = InvitationMails()
    mail = next(m for m in mails if m.invitation.contact.name == NAMES[2] and m.kind == "reminder"
                and m.invitation.language == "en")
    message = received(builder.build(mail))
    assert message["Subject"] == "How did we do, <b>Eve</b> & \"Co\" 'x'? – Customer survey"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello <b>Eve</b> & \"Co\" 'x' & welcome." in text
    assert "<p>Hello &lt;b&gt;Eve&lt;/b&gt; &amp; &#34;Co&#34; &#39;x&#39; &amp; welcome.</p>" in html
    assert "<title>How did we do, &lt;b&gt;Eve" in html


def test_skeletons_follow_changes_of_the_survey_texts(app_ctx, mails, survey):
    builder = InvitationMails()
    mail = next(m for m in mails if m.kind == "invitation" and m.invitation.language == "en")
    assert "We would like to hear" in received(builder.build(mail))["Subject"]
    survey.mail_texts = {"invitation": {"en": {"subject": "Changed, {name}"}}}
    assert received(builder.build(mail))["Subject"] == f"Changed, {mail.invitation.contact.name}"

