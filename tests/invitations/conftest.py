"""Fixtures for invitations: a survey with contacts, and a real SMTP server on loopback."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from surveyapp.extensions import db
from surveyapp.invitations.operations import close_wave, open_wave, upsert_contact
from surveyapp.models import QuestionnaireVersion
from surveyapp.surveys import create_survey

DEFINITION = {
    "id": "loyalty",
    "languages": ["nl", "en"],
    "default_language": "nl",
    "title": {"nl": "Klantonderzoek", "en": "Customer survey"},
}


def free_port() -> int:
    """A loopback port nothing listens on (until someone binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """An aiosmtpd handler that keeps every accepted message and can refuse recipients."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[str] = []
        self.rcpt_replies: dict[str, str] = {}  # address -> e.g. "550 5.1.1 No such user"
        self.default_rcpt_reply: str | None = None  # e.g. "451 4.7.1 Try again later" for everyone

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address, self.default_rcpt_reply)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp(app):
    """A real SMTP server on 127.0.0.1; the app is configured to send through it."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none", SMTP_TIMEOUT=5,
                      MAIL_FROM="Klantenservice <survey@example.com>")
    yield handler
    controller.stop()


@pytest.fixture
def survey(app_ctx):
    version = QuestionnaireVersion(key="loyalty", version=1, content_hash="0" * 64, title="Customer survey",
                                   definition=DEFINITION, source_name="loyalty.yaml", source_text="")
    db.session.add(version)
    db.session.commit()
    return create_survey("loyalty", version)


@pytest.fixture
def wave(survey):
    return open_wave(survey, "2025-06")


def next_wave(survey, name: str):
    """Close the survey's open wave (waves never overlap) and open the next one."""
    current = survey.current_wave()
    if current is not None:
        close_wave(current)
    return open_wave(survey, name)


def add_contacts(survey, count: int, *, language: str = "en", segment: str = "retain") -> list:
    contacts = []
    for index in range(count):
        contact, _ = upsert_contact(survey, email=f"person{index}@example.org", name=f"Person {index}",
                                    language=language, crm_id=f"C{index:04d}",
                                    attributes={"segment": segment}, commit=False)
        contacts.append(contact)
    db.session.commit()
    return contacts


LINK = re.compile(r"http://localhost/s/([A-Za-z0-9_-]+)")
UNSUBSCRIBE = re.compile(r"http://localhost(/unsubscribe/[A-Za-z0-9_.-]+)")


def parts(message) -> tuple[str, str]:
    """The text and the HTML part of a received message."""
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())
