"""Who may use the back office, and CSRF on every form."""

from __future__ import annotations

import pytest

from surveyapp.models import QuestionnaireVersion, User
from surveyapp.surveys import create_survey, publish_questionnaire

from .conftest import SHORT, add_user, count, english_client, grant_researcher, sign_in

STAFF_PAGES = ["/manage/", "/manage/questionnaires", "/manage/surveys/new", "/manage/questionnaires/1",
               "/manage/surveys/short", "/manage/surveys/short/contacts", "/manage/surveys/short/outbox",
               "/manage/surveys/short/rates"]
ADMIN_PAGES = ["/manage/users"]
#: Every POST route, with a path that exists, so that only the role decides.
POSTS = ["/manage/questionnaires", "/manage/surveys/new", "/manage/surveys/short/settings",
         "/manage/surveys/short/version", "/manage/surveys/short/waves", "/manage/surveys/short/contacts",
         "/manage/surveys/short/contacts/erase", "/manage/surveys/short/outbox/queue",
         "/manage/surveys/short/outbox/retry", "/manage/questionnaires/1/preview", "/manage/users",
         "/manage/users/1/role", "/manage/users/1/deactivate", "/manage/users/1/activate"]


@pytest.fixture(autouse=True)
def survey(app):
    with app.app_context():
        create_survey("short", publish_questionnaire(SHORT).version)
        grant_researcher("short")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in STAFF_PAGES + ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]


def test_managers_are_refused_everywhere(app, manager):
    for path in STAFF_PAGES + ADMIN_PAGES:
        assert manager.get(path).status_code == 403, path
    token_page = manager.get("/")  # a valid CSRF token, to show the refusal is the role's
    from .conftest import csrf_token

    token = csrf_token(token_page.data)
    for path in POSTS:
        assert manager.post(path, data={"csrf_token": token}).status_code == 403, path


def test_researchers_use_everything_but_users(researcher):
    for path in STAFF_PAGES:
        assert researcher.get(path).status_code == 200, path
    for path in ADMIN_PAGES:
        assert researcher.get(path).status_code == 403, path


def test_admins_use_everything(admin):
    for path in STAFF_PAGES + ADMIN_PAGES:
        assert admin.get(path).status_code == 200, path


def test_a_deactivated_researcher_is_refused(app):
    add_user(app, "old@example.com", "researcher")
    client = english_client(app)
    sign_in(client, "old@example.com")
    from surveyapp.extensions import db

    with app.app_context():
        db.session.scalar(db.select(User).where(User.email == "old@example.com")).active = False
        db.session.commit()
    assert client.get("/manage/").status_code in (302, 403)


def test_an_unknown_survey_is_404(researcher):
    assert researcher.get("/manage/surveys/nope").status_code == 404
    assert researcher.get("/manage/surveys/nope/outbox").status_code == 404


def test_every_form_needs_its_csrf_token(app, researcher):
    for path in POSTS:
        if path.startswith("/manage/users"):
            continue
        response = researcher.post(path, data={"slug": "x", "questionnaire": "short-check"})
        assert response.status_code == 400, path
        assert "This form has expired" in response.data.decode()
    assert count(app, QuestionnaireVersion) == 1


def test_no_html_from_a_questionnaire_reaches_the_page(researcher, tmp_path):
    import io

    from .conftest import csrf_token

    evil = SHORT.read_text(encoding="utf-8").replace("Korte peiling", "<script>alert(1)</script>")
    evil = evil.replace("scale: nps\n        required", "scale: <b>npx</b>\n        required")
    token = csrf_token(researcher.get("/manage/questionnaires").data)
    response = researcher.post("/manage/questionnaires", data={"csrf_token": token,
                               "file": (io.BytesIO(evil.encode()), "evil.yaml")}, content_type="multipart/form-data")
    page = researcher.get(response.headers["Location"]).data.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>npx</b>" not in page
