"""Fixtures for the back office: users of each role signed in through the real /login form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveyapp.extensions import db
from surveyapp.models import User
from surveyapp.users import create_or_update_user

HERE = Path(__file__).resolve().parent
SHORT = HERE / "short.yaml"
PASSWORD = "correct horse battery"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: bytes | str) -> str:
    html = html.decode() if isinstance(html, bytes) else html
    match = CSRF_TOKEN.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def add_user(app, email: str, role: str, *, active: bool = True) -> int:
    with app.app_context():
        user = create_or_update_user(email, PASSWORD, role=role)
        user.active = active
        db.session.commit()
        return user.id


RESEARCHER = "rita@example.com"


def grant_researcher(slug: str) -> None:
    """Give the researcher of these tests the survey ``slug`` (inside an app context)."""
    from surveyapp.access import grant_access
    from surveyapp.surveys import get_survey

    user = db.session.scalar(db.select(User).where(User.email == RESEARCHER))
    if user is None:  # updating an existing one would end its sessions (a new password)
        user = create_or_update_user(RESEARCHER, PASSWORD, role="researcher")
    grant_access(user, get_survey(slug))


def english_client(app):
    """A browser asking for English (without a preference the app speaks Dutch)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sign_in(client, email: str) -> None:
    token = csrf_token(client.get("/login").data)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.data.decode()


def post_form(client, path: str, data: dict | None = None, *, page: str | None = None, **kwargs):
    """POST ``data`` with the CSRF token of ``page`` (default: ``path``) as a browser would."""
    token = csrf_token(client.get(page or path).data)
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def researcher(app):
    add_user(app, "rita@example.com", "researcher")
    client = english_client(app)
    sign_in(client, "rita@example.com")
    return client


@pytest.fixture
def admin(app):
    add_user(app, "ada@example.com", "admin")
    client = english_client(app)
    sign_in(client, "ada@example.com")
    return client


@pytest.fixture
def manager(app):
    add_user(app, "max@example.com", "manager")
    client = english_client(app)
    sign_in(client, "max@example.com")
    return client


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*conditions))


def user(app, email: str) -> User:
    with app.app_context():
        found = db.session.scalar(db.select(User).where(User.email == email))
        db.session.expunge(found)
        return found
