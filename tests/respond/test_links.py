"""Personal and open links: who gets in, and the friendly refusals for everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from surveyapp.extensions import db
from surveyapp.invitations.links import find_invitation
from surveyapp.models import Response
from surveyapp.models.base import utcnow

from ..conftest import fresh_app
from .conftest import LOYALTY, LOYALTY_ANSWERS, count_responses, csrf_token, make_fieldwork, post_page, stored


def complete(client, path):
    for data in LOYALTY_ANSWERS:
        result = post_page(client, path, data)
    return result


def opened_at(app, path):
    with app.app_context():
        return find_invitation(path.rsplit("/", 1)[1]).opened_at


def test_first_open_shows_first_page_and_notes_the_opening(app, client, loyalty):
    path = loyalty.invite()
    result = client.get(path)
    assert result.status_code == 200
    assert b'<html lang="nl"' in result.data
    assert "Beste Anna de Vries," in result.text
    first_opened = opened_at(app, path)
    assert first_opened is not None
    assert stored(app, path) is None, "opening is not answering: no response yet"
    client.get(path)
    assert opened_at(app, path) == first_opened


def test_unknown_and_malformed_tokens_look_identical(client, loyalty):
    loyalty.invite()
    unknown = client.get("/s/" + "A" * 43, headers={"Accept-Language": "nl"})
    malformed = client.get("/s/%3Cnot-a-token%3E", headers={"Accept-Language": "nl"})
    too_long = client.get("/s/" + "x" * 500, headers={"Accept-Language": "nl"})
    assert unknown.status_code == malformed.status_code == too_long.status_code == 404
    assert unknown.data == malformed.data == too_long.data
    assert "Deze link werkt niet" in unknown.text
    assert b"Traceback" not in unknown.data and b"AAAA" not in unknown.data
    open_unknown = client.get("/o/no-such-open-link", headers={"Accept-Language": "nl"})
    assert open_unknown.status_code == 404 and open_unknown.data == unknown.data


def test_unknown_token_page_follows_the_browser_language(client):
    result = client.get("/s/nothing-here", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert result.status_code == 404
    assert b'<html lang="en"' in result.data
    assert "This link does not work" in result.text


def test_a_used_link_is_refused_but_thanks_right_after_completion(app, client, loyalty):
    path = loyalty.invite()
    thanks = complete(client, path)
    assert thanks.status_code == 200
    assert "Hartelijk dank voor het invullen!" in thanks.text
    assert client.get(path).status_code == 200  # a reload of the thank-you page

    other_device = app.test_client()
    used = other_device.get(path)
    assert used.status_code == 410
    assert "U hebt al meegedaan" in used.text
    assert b'<html lang="nl"' in used.data


def test_an_expired_link_is_refused_in_the_respondents_language(app, client, loyalty):
    path = loyalty.invite(language="en", expires_at=utcnow() - timedelta(minutes=1))
    result = client.get(path)
    assert result.status_code == 410
    assert b'<html lang="en"' in result.data
    assert "This link has expired" in result.text
    assert stored(app, path) is None


def test_links_expire_after_the_configured_number_of_days(app, client, loyalty):
    app.config["LINK_VALID_DAYS"] = 3
    path = loyalty.invite(email="later@example.com")
    with app.app_context():
        invitation = find_invitation(path.rsplit("/", 1)[1])
        assert invitation.expires_at is not None
        assert timedelta(days=2, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=3)
        assert client.get(path).status_code == 200
        invitation.expires_at = utcnow() - timedelta(seconds=1)  # three days later
        db.session.commit()
    assert client.get(path).status_code == 410


def test_a_closed_wave_refuses_also_a_half_finished_response(app, client, loyalty):
    path = loyalty.invite()
    post_page(client, path, LOYALTY_ANSWERS[0])
    token = csrf_token(client.get(path).data)
    loyalty.update_wave(closes_at=utcnow() - timedelta(seconds=1))
    result = client.get(path)
    assert result.status_code == 410
    assert "Dit onderzoek is gesloten" in result.text
    refused = client.post(path, data={"csrf_token": token, "page": "offer", "action": "next",
                                      **{f"a-{key}": value for key, value in LOYALTY_ANSWERS[1].items()}})
    assert refused.status_code == 410
    assert stored(app, path).answers == {"nps": 9}


def test_a_wave_not_yet_open_is_refused(client, loyalty):
    loyalty.update_wave(opens_at=utcnow() + timedelta(days=1))
    result = client.get(loyalty.invite())
    assert result.status_code == 410
    assert "Dit onderzoek is nog niet begonnen" in result.text


def test_post_without_csrf_token_is_refused_friendly_and_saves_nothing(app, client, loyalty):
    path = loyalty.invite()
    client.get(path)
    result = client.post(path, data={"page": "recommendation", "a-nps": "7", "action": "next"})
    assert result.status_code == 400
    assert "Dit formulier is verlopen" in result.text  # in the respondent's language
    assert b"Traceback" not in result.data
    assert stored(app, path) is None, "nothing saved, not even a response"


def test_post_with_a_wrong_csrf_token_saves_nothing(app, client, loyalty):
    path = loyalty.invite()
    client.get(path)
    result = client.post(path, data={"csrf_token": "forged", "page": "recommendation", "a-nps": "7",
                                     "action": "next"})
    assert result.status_code == 400
    assert stored(app, path) is None


def test_headers_keep_the_token_from_leaking(client, loyalty):
    result = client.get(loyalty.invite())
    assert result.headers["Referrer-Policy"] == "no-referrer"
    assert result.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in result.headers["Content-Security-Policy"]
    assert result.headers["X-Frame-Options"] == "DENY"
    assert b'<meta name="referrer" content="no-referrer">' in result.data
    assert b"style=" not in result.data and b"<script>" not in result.data


def test_open_link_gives_one_response_per_browser_session(app, client, loyalty):
    path = loyalty.open_path
    assert client.get(path, headers={"Accept-Language": "en"}).status_code == 200
    post_page(client, path, LOYALTY_ANSWERS[0])
    again = client.get(path)
    assert "Page 2 of 6" in again.text  # the same response, resumed
    with app.app_context():
        responses = db.session.scalars(db.select(Response)).all()
        assert len(responses) == 1
        assert responses[0].invitation_id is None and responses[0].session_key
        assert responses[0].language == "en"

    other_browser = app.test_client()
    other_browser.get(path, headers={"Accept-Language": "nl"})
    assert count_responses(app) == 1, "a visit is not a response"
    post_page(other_browser, path, LOYALTY_ANSWERS[0])
    assert count_responses(app) == 2

    for data in LOYALTY_ANSWERS[1:]:
        result = post_page(client, path, data)
    assert "Thank you for taking part!" in result.text
    assert client.get(path).status_code == 200  # still the thank-you page in this session
    assert count_responses(app) == 2


def test_open_link_refused_when_no_wave_is_open(client, loyalty):
    loyalty.update_wave(closes_at=utcnow() - timedelta(seconds=1))
    result = client.get(loyalty.open_path, headers={"Accept-Language": "nl"})
    assert result.status_code == 410
    assert "Dit onderzoek is gesloten" in result.text


@pytest.fixture
def limited_app(app_config):
    with fresh_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_TOKEN_LOOKUPS": "3 per minute"}) as app:
        yield app


def test_guessing_tokens_is_rate_limited(limited_app):
    client = limited_app.test_client()
    path = make_fieldwork(limited_app, LOYALTY, "limited").invite()
    # Genuine respondents are not counted: only look-ups of tokens that do not exist are.
    for _ in range(5):
        assert client.get(path).status_code == 200
    for attempt in range(3):
        assert client.get(f"/s/guess-{attempt}").status_code == 404
    blocked = client.get("/s/guess-4", headers={"Accept-Language": "nl"})
    assert blocked.status_code == 429
    assert "Te veel verzoeken" in blocked.text
    assert client.get(path).status_code == 200  # a real link still opens: only guesses are refused
    assert client.get("/o/guess").status_code == 429  # the open links share the budget
