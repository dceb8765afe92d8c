"""Fixtures for access, passwords and the API: the demo survey, a user of each role with and
without a grant to it, each signed in through the real /login form and holding an API key."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from surveyapp.access import grant_access
from surveyapp.apikeys import create_api_key
from surveyapp.extensions import db
from surveyapp.models import Survey
from surveyapp.users import create_or_update_user

PASSWORD = "correct horse battery"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SLUG = "demo"


def csrf_token(html: bytes | str) -> str:
    html = html.decode() if isinstance(html, bytes) else html
    match = CSRF_TOKEN.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@dataclass
class Actor:
    name: str
    role: str | None  # None: anonymous
    granted: bool
    email: str | None = None
    key: str | None = None

    @property
    def bearer(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}


#: Everyone the matrix tries: anonymous, and each role with and without a grant to the demo.
ACTORS = [
    Actor("anonymous", None, False),
    Actor("admin", "admin", False),  # admins need no grant
    Actor("researcher granted", "researcher", True),
    Actor("researcher elsewhere", "researcher", False),
    Actor("manager granted", "manager", True),
    Actor("manager elsewhere", "manager", False),
]


@pytest.fixture
def demo(app, tmp_path):
    """The demo survey (with responses over three waves) and a second survey nobody here has."""
    app.instance_path = str(tmp_path)
    with app.app_context():
        from surveyapp.demo import build_demo
        from surveyapp.surveys import create_survey

        result = build_demo(contacts=40)
        create_survey("other", result.survey.questionnaire_version)
        return {"slug": result.survey.slug, "waves": [w.name for w in result.survey.waves],
                "manager": result.manager_email, "manager_password": result.manager_password}


@pytest.fixture
def actors(app, demo) -> dict[str, Actor]:
    made = {}
    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == SLUG))
        for template in ACTORS:
            actor = Actor(template.name, template.role, template.granted)
            if actor.role:
                actor.email = f"{actor.name.replace(' ', '-')}@example.com"
                user = create_or_update_user(actor.email, PASSWORD, role=actor.role)
                if actor.granted:
                    grant_access(user, survey)
                _, actor.key = create_api_key(user, name="tests")
            made[actor.name] = actor
    return made


@pytest.fixture
def api_key(actors) -> str:
    """A key of a researcher granted the demo survey."""
    return actors["researcher granted"].key
