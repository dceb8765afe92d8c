"""Every route and endpoint x anonymous and each role, with and without access to the survey.

The routes come from ``app.url_map``, so a route added later is covered automatically: it must
be given an expectation in :data:`EXPECTATIONS`, or this test fails and names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from surveyapp.extensions import db

from .conftest import SLUG, Actor, csrf_token, sign_in

ALLOW, LOGIN, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = "allowed", "login", "401", "403", "404"


def public(actor: Actor) -> str:
    return ALLOW


def signed_in(actor: Actor) -> str:
    return LOGIN if actor.role is None else ALLOW


def reader(actor: Actor) -> str:
    """Managers and researchers (and admins); the page lists only what is granted."""
    return LOGIN if actor.role is None else ALLOW


def reader_of_survey(actor: Actor) -> str:
    if actor.role is None:
        return LOGIN
    return ALLOW if actor.role == "admin" or actor.granted else NOT_FOUND


def api_reader(actor: Actor) -> str:
    return UNAUTHORIZED if actor.role is None else ALLOW


def api_reader_of_survey(actor: Actor) -> str:
    if actor.role is None:
        return UNAUTHORIZED
    return ALLOW if actor.role == "admin" or actor.granted else NOT_FOUND


def api_writer_of_survey(actor: Actor) -> str:
    """Contacts: researchers of the survey and admins; managers only read."""
    if actor.role is None:
        return UNAUTHORIZED
    if actor.role == "manager":
        return FORBIDDEN
    return ALLOW if actor.role == "admin" or actor.granted else NOT_FOUND


#: endpoint -> who may use it. Public pages behind a token (respond, unsubscribe, reset)
#: protect themselves with that token; their own tests cover it.
EXPECTATIONS: dict[str, Callable[[Actor], str]] = {
    "static": public,
    "main.index": public,
    "main.health": public,
    "auth.login": public,
    "auth.forgot_password": public,
    "auth.reset_password_page": public,
    "respond.personal": public,
    "respond.open_link": public,
    "invitations.unsubscribe": public,
    "auth.logout": signed_in,
    "auth.change_password_page": signed_in,
    "auth.api_keys": signed_in,
    "auth.revoke_api_key_page": signed_in,
    "results.index": reader,
    "results.survey": reader_of_survey,
    "results.drivers_workbook": reader_of_survey,
    "results.open_answers": reader_of_survey,
    "results.chart": reader_of_survey,
    "results.report": reader_of_survey,
    "results.codebook": reader_of_survey,
    "main.favicon": public,
    "api.openapi": public,
    "api.surveys": api_reader,
    "api.survey": api_reader_of_survey,
    "api.waves": api_reader_of_survey,
    "api.kpis": api_reader_of_survey,
    "api.drivers": api_reader_of_survey,
    "api.responses": api_reader_of_survey,
    "api.contacts": api_writer_of_survey,
}
#: Prefixes of routes whose full table lives with their feature; here at least: no anonymous use.
SIGNED_IN_PREFIXES = ("manage.",)
ARGUMENTS = {"slug": SLUG, "filename": "surveyapp.css", "item_id": "detractor_reason", "name": "nps",
             "ext": "svg", "fmt": "csv",
             "key_id": "999999"}  # revoking someone's real key would lock the next API checks out
CONTACTS_BODY = {"contacts": [{"email": "new@example.org", "language": "nl"}], "dry_run": True}


def _url(rule, tokens: dict | None = None) -> str:
    arguments = {**ARGUMENTS, **(tokens or {}).get(rule.endpoint, {})}
    values = {name: arguments.get(name, "x" * 43) for name in rule.arguments}
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value).replace(f"<path:{name}>", value)
        path = path.replace(f"<int:{name}>", value if name in arguments else "1")
        path = re.sub(rf"<any\([^)]*\):{name}>", value, path)
    return path


def _outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login"):
        return LOGIN
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    return ALLOW


def back_office(actor: Actor, rule) -> tuple[str, ...]:
    """Outcomes the back office may give: anonymous to the login, managers 403, a researcher
    404 for a survey not granted; where allowed, 200 or 404 (the placeholder ids in the URL)."""
    if actor.role is None:
        return (LOGIN,)
    if actor.role == "manager" or (rule.endpoint.startswith("manage.user") and actor.role != "admin"):
        return (FORBIDDEN,)
    if "slug" in rule.arguments and actor.role != "admin" and not actor.granted:
        return (NOT_FOUND,)
    return (ALLOW, NOT_FOUND)


def _request(client, rule, actor: Actor, *, api: bool, tokens: dict | None = None):
    url = _url(rule, tokens)
    if rule.endpoint.startswith(SIGNED_IN_PREFIXES) and "GET" not in rule.methods and \
            back_office(actor, rule) == (ALLOW, NOT_FOUND):
        # An allowed back-office POST would change the demo (close its wave ...) under the
        # other actors' feet: ask for its form page instead, which shares the role check.
        return client.get(url)
    if "GET" in rule.methods:
        return client.get(url, headers=actor.bearer if api else {})
    if api:
        return client.post(url, json=CONTACTS_BODY, headers=actor.bearer)
    token = csrf_token(client.get("/login").data)
    return client.post(url, data={"csrf_token": token})


@pytest.fixture
def tokens(app, actors) -> dict:
    """Working tokens for the public pages behind one, so that "allowed" means a real page."""
    from surveyapp.invitations.links import invitation_token
    from surveyapp.invitations.unsubscribe import unsubscribe_token
    from surveyapp.models import Invitation, Response, Survey, User
    from surveyapp.passwords import create_reset_token

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == SLUG))
        invitation = db.session.scalar(  # one not answered yet
            db.select(Invitation).outerjoin(Response, Response.invitation_id == Invitation.id)
            .where(Invitation.wave_id == survey.current_wave().id, Response.id.is_(None)))
        user = db.session.scalar(db.select(User).where(User.email == actors["manager granted"].email))
        return {
            "respond.personal": {"token": invitation_token(invitation)},
            "respond.open_link": {"open_token": survey.open_token},
            "invitations.unsubscribe": {"token": unsubscribe_token(invitation.contact_id)},
            "auth.reset_password_page": {"token": create_reset_token(user)},
        }


def test_every_route_answers_each_role_as_the_table_says(app, actors, tokens):
    rules = [rule for rule in app.url_map.iter_rules()]
    unknown = [rule.endpoint for rule in rules
               if rule.endpoint not in EXPECTATIONS and not rule.endpoint.startswith(SIGNED_IN_PREFIXES)]
    assert not unknown, f"routes without an expectation; add them to EXPECTATIONS: {unknown}"

    wrong = []
    for actor in actors.values():
        browser = app.test_client()
        if actor.role:
            sign_in(browser, actor.email)
        for rule in rules:
            api = rule.rule.startswith("/api/")
            client = app.test_client() if api else browser  # the API gets no cookies: keys only
            response = _request(client, rule, actor, api=api, tokens=tokens)
            got = _outcome(response)
            if rule.endpoint in EXPECTATIONS:
                expected = EXPECTATIONS[rule.endpoint](actor)
                # allowed means the page itself: 200 (a sign-out redirects home)
                if got != expected or (expected == ALLOW and response.status_code not in (200, 302, 303)):
                    wrong.append(f"{actor.name} {rule.endpoint} {_url(rule)}: expected {expected}, "
                                 f"got {response.status_code} ({got})")
            else:  # the back office: its own tests hold the full table; here who is let in at all
                expected = back_office(actor, rule)
                if got not in expected:
                    wrong.append(f"{actor.name} {rule.endpoint} {_url(rule)}: expected {expected}, "
                                 f"got {response.status_code} ({got})")
            if api and got in (UNAUTHORIZED, FORBIDDEN, NOT_FOUND):
                assert response.mimetype == "application/problem+json", (actor.name, rule.endpoint)
                assert response.get_json()["status"] == response.status_code
            if rule.endpoint == "auth.logout" and actor.role:
                sign_in(browser, actor.email)  # signing out ended the session: come back
    assert not wrong, "\n".join(wrong)


def test_the_api_ignores_a_signed_in_session(app, actors):
    """A browser session is no key: the API answers 401 to cookies, so CSRF cannot reach it."""
    admin = actors["admin"]
    browser = app.test_client()
    sign_in(browser, admin.email)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.openapi":
            continue
        response = _request(browser, rule, Actor("cookie", None, False), api=True)
        assert response.status_code == 401, (rule.endpoint, response.status_code)
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_refused_survey_shows_nothing_of_its_data(app, actors):
    outsider = actors["manager elsewhere"]
    browser = app.test_client()
    sign_in(browser, outsider.email)
    assert b"/results/demo" not in browser.get("/results/").data
    listing = app.test_client().get("/api/v1/surveys", headers=outsider.bearer).get_json()
    assert listing == {"surveys": []}
    for path in ("/results/demo", "/results/demo/drivers.xlsx"):
        body = browser.get(path).get_data(as_text=True)
        assert "Hoe ervaart" not in body and "demo" not in body
    refused = app.test_client().get("/api/v1/surveys/demo/kpis", headers=outsider.bearer)
    assert refused.status_code == 404 and "kpis" not in refused.get_json()
    # the same answer as for a survey that does not exist
    missing = app.test_client().get("/api/v1/surveys/nope/kpis", headers=outsider.bearer)
    assert missing.status_code == 404 and missing.get_json()["detail"] == refused.get_json()["detail"]
