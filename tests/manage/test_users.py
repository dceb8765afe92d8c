"""Users in the back office (administrators only): create, change the role, deactivate."""

from __future__ import annotations

from .conftest import PASSWORD, english_client, post_form, sign_in, user


def test_an_admin_creates_a_user_who_can_then_sign_in(app, admin):
    response = post_form(admin, "/manage/users", {"email": "New@Example.com ", "name": "Nina", "role": "researcher",
                                                  "password": PASSWORD})
    assert response.status_code == 303
    created = user(app, "new@example.com")
    assert created.role == "researcher" and created.name == "Nina"
    client = english_client(app)
    sign_in(client, "new@example.com")
    assert client.get("/manage/").status_code == 200
    again = post_form(admin, "/manage/users", {"email": "new@example.com", "role": "admin", "password": PASSWORD})
    assert again.status_code == 422
    assert "There is an account with this address already." in again.data.decode()
    assert user(app, "new@example.com").role == "researcher"  # not changed by a second create


def test_change_a_role_and_deactivate(app, admin, researcher):
    rita = user(app, "rita@example.com")
    assert post_form(admin, f"/manage/users/{rita.id}/role", {"role": "manager"}, page="/manage/users").status_code == 303
    assert user(app, "rita@example.com").role == "manager"
    assert researcher.get("/manage/").status_code == 403  # the role counts from the next request
    post_form(admin, f"/manage/users/{rita.id}/deactivate", page="/manage/users")
    assert user(app, "rita@example.com").active is False
    page = admin.get("/manage/users").data.decode()
    assert "deactivated" in page and f"/manage/users/{rita.id}/activate" in page
    post_form(admin, f"/manage/users/{rita.id}/activate", page="/manage/users")
    assert user(app, "rita@example.com").active is True


def test_an_admin_cannot_lock_themselves_out(app, admin):
    ada = user(app, "ada@example.com")
    response = post_form(admin, f"/manage/users/{ada.id}/deactivate", page="/manage/users", follow_redirects=True)
    assert "You cannot change your own account here." in response.data.decode()
    post_form(admin, f"/manage/users/{ada.id}/role", {"role": "manager"}, page="/manage/users")
    assert user(app, "ada@example.com").active and user(app, "ada@example.com").role == "admin"


def test_the_users_page_in_dutch(admin):
    page = admin.get("/manage/users", headers={"Accept-Language": "nl"}).data.decode()
    assert "Gebruikers" in page and "Onderzoeker" in page and "Account aanmaken" in page
