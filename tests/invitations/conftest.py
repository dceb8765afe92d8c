"""Fixtures for invitations: a survey with contacts, and a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest

from surveyapp.extensions import db
from surveyapp.invitations.operations import close_wave, open_wave, upsert_contact
from surveyapp.models import QuestionnaireVersion
from surveyapp.surveys import create_survey
from tests.smtp import RecordingHandler, free_port  # noqa: F401  (imported from here by other tests)

DEFINITION = {
    "id": "loyalty",
    "languages": ["nl", "en"],
    "default_language": "nl",
    "title": {"nl": "Klantonderzoek", "en": "Customer survey"},
}




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
