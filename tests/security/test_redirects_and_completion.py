"""An attacker's shortcuts: a login that sends people off-site, a survey completed without answering."""

from __future__ import annotations

import pytest

from ..respond.conftest import LOYALTY_ANSWERS, csrf_token, page_id, stored
from .conftest import add_user, login

OFF_SITE = [
    "/%09/evil.example/phish",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "%20//evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "%09https://evil.example",
    "javascript:alert(1)",
    "/%E2%80%8B/evil.example",
    "///evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(app, client, target):
    email, password = add_user(app)
    result = login(client, email, password, next_url=target)
    assert result.status_code == 302
    location = result.headers["Location"]
    # Browsers drop tabs and newlines and read backslashes as slashes: judge what they would see.
    seen = "".join(ch for ch in location if ch not in "\t\r\n ").replace("\\", "/")
    assert seen.startswith("/") and not seen.startswith("//"), location
    assert "evil.example" not in location


def test_login_keeps_a_same_site_next(app, client):
    email, password = add_user(app)
    result = login(client, email, password, next_url="/results/?wave=2024-05")
    assert result.headers["Location"] == "/results/?wave=2024-05"


def test_last_page_posted_on_a_fresh_link_does_not_complete(app, client, loyalty):
    path = loyalty.invite()
    page = client.get(path)
    form = {"csrf_token": csrf_token(page.data), "page": "needs", "action": "next", "a-needs": "Niets."}
    result = client.post(path, data=form)
    assert result.status_code == 303
    response = stored(app, path)
    assert response is not None and not response.completed
    assert response.current_page == "recommendation", "sent back to the first unanswered page"
    assert response.answers == {"needs": "Niets."}, "what was posted is kept"
    follow = client.get(path)
    assert page_id(follow.data) == "recommendation"


def test_skipping_the_page_with_a_required_question_sends_the_respondent_back_to_it(app, client, loyalty):
    path = loyalty.invite()
    token = csrf_token(client.get(path).data)

    def post(page, data):
        form = {"csrf_token": token, "page": page, "action": "next"}
        form.update({f"a-{key}": value for key, value in data.items()})
        return client.post(path, data=form)

    for page, data in zip(("offer", "people", "relationship", "future", "needs"), LOYALTY_ANSWERS[1:], strict=True):
        post(page, data)
    response = stored(app, path)
    assert not response.completed and response.current_page == "recommendation"
    post("recommendation", LOYALTY_ANSWERS[0])
    assert not stored(app, path).completed
    post("needs", LOYALTY_ANSWERS[5])
    response = stored(app, path)
    assert response.completed and response.answers["nps"] == 9
