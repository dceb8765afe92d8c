"""Fixtures for the respondent's pages: a published questionnaire, a survey, a wave, links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from surveyapp.extensions import db
from surveyapp.invitations.links import find_invitation, invitation_token
from surveyapp.invitations.operations import create_invitation, open_wave, upsert_contact
from surveyapp.models import Response, Survey, Wave
from surveyapp.models.base import utcnow
from surveyapp.surveys import create_survey, publish_questionnaire

ROOT = Path(__file__).resolve().parents[2]
LOYALTY = ROOT / "questionnaires" / "loyalty-tracker.yaml"
ALL_TYPES = ROOT / "questionnaires" / "all-item-types.yaml"


@dataclass
class Fieldwork:
    """A survey with an open wave, ready to invite contacts.

    Test-client requests made while an app context is pushed would share its ``g`` (and so
    the CSRF token and language of another "browser"); so fixtures and helpers here push a
    context only around their own database work.
    """

    app: object
    survey_id: int
    wave_id: int
    open_token: str | None

    def invite(self, email="anna@example.com", *, name="Anna de Vries", language="nl",
               attributes=None, expires_at=None) -> str:
        """A new contact's personal link path, ``/s/<token>``."""
        with self.app.app_context():
            survey = db.session.get(Survey, self.survey_id)
            contact, _ = upsert_contact(survey, email=email, language=language, name=name,
                                        attributes=attributes or {"segment": "medium"})
            invitation = create_invitation(db.session.get(Wave, self.wave_id), contact, expires_at=expires_at)
            return f"/s/{invitation_token(invitation)}"

    def update_wave(self, **values) -> None:
        with self.app.app_context():
            wave = db.session.get(Wave, self.wave_id)
            for key, value in values.items():
                setattr(wave, key, value)
            db.session.commit()

    @property
    def open_path(self) -> str:
        return f"/o/{self.open_token}"


def make_fieldwork(app, path: Path, slug: str, *, open_link: bool = False) -> Fieldwork:
    with app.app_context():
        version = publish_questionnaire(path).version
        survey = create_survey(slug, version, open_link=open_link)
        wave = open_wave(survey, "2024-05", opens_at=utcnow() - timedelta(days=1))
        return Fieldwork(app, survey.id, wave.id, survey.open_token)


@pytest.fixture
def loyalty(app) -> Fieldwork:
    return make_fieldwork(app, LOYALTY, "loyalty", open_link=True)


@pytest.fixture
def all_types(app) -> Fieldwork:
    return make_fieldwork(app, ALL_TYPES, "all-types")


@dataclass
class Stored:
    """A response as the database holds it, read in a context of its own."""

    id: int
    status: str
    current_page: str | None
    language: str
    randomization: dict
    answers: dict
    other_texts: dict
    opened_at: object
    completed_at: object

    @property
    def completed(self) -> bool:
        return self.status == "completed"


def stored(app, path: str) -> Stored | None:
    """The response of the personal link ``path`` (None before the first visit)."""
    with app.app_context():
        invitation = find_invitation(path.rsplit("/", 1)[1])
        response = invitation.response
        if response is None:
            return None
        return Stored(response.id, response.status, response.current_page, response.language,
                      dict(response.randomization), {a.item_id: a.value for a in response.answers},
                      {a.item_id: a.other_text for a in response.answers if a.other_text}, invitation.opened_at,
                      response.completed_at)


def count_responses(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Response.id)))


def csrf_token(html: str | bytes) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def page_id(html: str | bytes) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    return re.search(r'name="page" value="([^"]+)"', html).group(1)


def post_page(client, path, data: dict, *, action="next", follow=True):
    """Post the page currently shown at ``path`` with ``data`` (field names without the a- prefix)."""
    page = client.get(path)
    form = {"csrf_token": csrf_token(page.data), "page": page_id(page.data)}
    if action:
        form["action"] = action
    for key, value in data.items():
        form[key if key.startswith(("a-", "language")) else f"a-{key}"] = value
    return client.post(path, data=form, follow_redirects=follow)


#: A complete, valid set of answers to the loyalty tracker, page by page (segment "medium").
LOYALTY_ANSWERS = [
    {"nps": "9"},
    {"product_quality": "4", "product_fit": "5", "product_value": "3",
     "processes_speed": "4", "processes_promises": "4", "processes_waiting": "2"},
    {"infrastructure_expertise": "5", "infrastructure_systems": "dk", "infrastructure_reachable": "4",
     "interaction_information": "4", "interaction_invoices": "3", "interaction_attention": "5"},
    {"atmosphere_pleasant": "5", "atmosphere_trust": "5", "atmosphere_not_serious": "1",
     "brand_reliable": "4", "brand_quality": "4", "brand_reputation": "5",
     "engagement_involved": "3", "engagement_follow": "2", "engagement_ideas": "3"},
    {"ces": "6", "keep_spending": "5", "spend_more": "3", "do_more": "2"},
    {"needs": "Snellere levering."},
]
