"""Fixtures for the attack, fault and bad-input tests: every test here is marked ``security``
(``pytest -m security`` runs them on their own)."""

from __future__ import annotations

import re

import pytest

from ..respond.conftest import all_types, loyalty  # noqa: F401  (fixtures reused)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/security/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.security)


def csrf_of(html: bytes | str) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def add_user(app, email="maria@example.com", password="correct horse battery", role="manager"):
    from surveyapp.users import create_or_update_user

    with app.app_context():
        create_or_update_user(email, password, role=role)
    return email, password


def login(client, email, password, next_url=None):
    token = csrf_of(client.get("/login").data)
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})
