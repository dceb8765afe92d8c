"""API keys and survey access in the browser: the same writes as `surveyapp apikey` and `surveyapp access`."""

from __future__ import annotations

import re

from surveyapp.extensions import db
from surveyapp.models import ApiKey, Survey, SurveyAccess, User
from surveyapp.surveys import create_survey, publish_questionnaire
from surveyapp.users import create_or_update_user
from tests.manage.conftest import PASSWORD, SHORT, csrf_token, english_client, sign_in


def _users(app):
    with app.app_context():
        create_or_update_user("ada@example.com", PASSWORD, role="admin")
        create_or_update_user("max@example.com", PASSWORD, role="manager")
        create_survey("short", publish_questionnaire(SHORT).version)


def test_an_admin_grants_and_revokes_a_survey_in_the_browser(app):
    _users(app)
    admin = english_client(app)
    sign_in(admin, "ada@example.com")
    with app.app_context():
        max_id = db.session.scalar(db.select(User.id).where(User.email == "max@example.com"))
    page = admin.get("/manage/users").get_data(as_text=True)
    assert "Access to surveys" in page and f'id="grant-{max_id}"' in page
    token = csrf_token(page)
    assert admin.post(f"/manage/users/{max_id}/grant", data={"csrf_token": token, "survey": "short"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SurveyAccess)) == 1
    manager = english_client(app)
    sign_in(manager, "max@example.com")
    assert manager.get("/results/").status_code == 200 and b"short" in manager.get("/results/").data
    assert admin.post(f"/manage/users/{max_id}/grant", data={"survey": "short"}).status_code == 400  # CSRF
    admin.post(f"/manage/users/{max_id}/revoke/short", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(SurveyAccess)) == 0
    assert b"/results/short" not in manager.get("/results/").data
    # A manager may not grant themselves anything.
    assert manager.post(f"/manage/users/{max_id}/grant",
                        data={"csrf_token": csrf_token(manager.get("/login").data), "survey": "short"}).status_code == 403


def test_a_manager_makes_a_key_sees_it_once_uses_it_and_revokes_it(app):
    _users(app)
    with app.app_context():
        from surveyapp.access import grant_access

        grant_access(db.session.scalar(db.select(User).where(User.email == "max@example.com")),
                     db.session.scalar(db.select(Survey).where(Survey.slug == "short")))
    manager = english_client(app)
    sign_in(manager, "max@example.com")
    page = manager.get("/account/api-keys")
    assert page.status_code == 200
    made = manager.post("/account/api-keys", data={"csrf_token": csrf_token(page.data), "name": "dashboard"})
    assert made.headers["Cache-Control"] == "no-store"
    key = re.search(r'<code class="new-api-key">(sa_[^<]+)</code>', made.get_data(as_text=True)).group(1)
    api = app.test_client()
    listing = api.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"})
    assert listing.status_code == 200 and [s["slug"] for s in listing.get_json()["surveys"]] == ["short"]
    again = manager.get("/account/api-keys").get_data(as_text=True)
    assert key not in again and key[:10] in again  # shown once; later only its prefix
    with app.app_context():
        record = db.session.scalar(db.select(ApiKey))
        assert record.key_hash != key and record.name == "dashboard"
    manager.post(f"/account/api-keys/{record.id}/revoke", data={"csrf_token": csrf_token(again)})
    assert api.get("/api/v1/surveys", headers={"Authorization": f"Bearer {key}"}).status_code == 401
