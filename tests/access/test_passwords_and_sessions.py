"""Passwords: the strength rule, change, reset by a mailed single-use link (through a real SMTP
server on loopback); and every way a session ends, tried with a cookie copied beforehand."""

from __future__ import annotations

import re

import pytest

from surveyapp.extensions import db
from surveyapp.models import PasswordReset, User
from surveyapp.passwords import MIN_LENGTH, WeakPasswordError, common_passwords, password_problem
from surveyapp.users import create_or_update_user, set_active

from .conftest import PASSWORD, csrf_token, sign_in

EMAIL = "reader@example.com"
NEW_PASSWORD = "a much longer passphrase 42"
RESET_LINK = re.compile(r"http://localhost(/password/reset/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail_from() -> str:
    return "surveyapp <survey@example.com>"


@pytest.fixture
def reader(app):
    with app.app_context():
        create_or_update_user(EMAIL, PASSWORD, role="manager")
    return EMAIL


def copy_of(app, client):
    """A second client holding the same session cookie (as a thief would)."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    other.set_cookie("session", cookie.value)
    return other


def signed_in(client) -> bool:
    response = client.get("/account/password")
    return response.status_code == 200


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short", "x" * (MIN_LENGTH - 1), "password123", "Welkom2024!",
                                      "qwertyuiop", "1234567890", "aaaaaaaaaaaa", "reader@example.com",
                                      "Wachtwoord123", "correct horse battery staple"])
def test_weak_passwords_are_refused(app_ctx, password):
    assert password_problem(password, email="reader@example.com") is not None


@pytest.mark.parametrize("password", [PASSWORD, NEW_PASSWORD, "Tr0mbone-Velvet-Aardvark"])
def test_good_passwords_pass(app_ctx, password):
    assert password_problem(password, email="reader@example.com") is None


def test_the_shipped_list_is_in_the_package(app_ctx):
    listed = common_passwords()
    assert len(listed) > 200 and "wachtwoord" in listed and "password" in listed


def test_user_create_refuses_a_weak_password_and_writes_nothing(app, runner):
    result = runner.invoke(args=["user", "create", "weak@example.com", "--password", "Welkom2025!!"])
    assert result.exit_code == 1
    assert "password refused" in result.output and "too common" in result.output
    assert "Traceback" not in result.output
    short = runner.invoke(args=["user", "create", "weak@example.com", "--password", "abc"])
    assert short.exit_code == 1 and f"at least {MIN_LENGTH} characters" in short.output
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "weak@example.com")) is None
        with pytest.raises(WeakPasswordError):
            create_or_update_user("weak@example.com", "password1")
    ok = runner.invoke(args=["user", "create", "strong@example.com", "--password", NEW_PASSWORD])
    assert ok.exit_code == 0, ok.output


# --- sessions end ----------------------------------------------------------------------------------


def test_logout_ends_a_copied_session_too(app, reader):
    client = app.test_client()
    sign_in(client, reader)
    thief = copy_of(app, client)
    assert signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account/password").data)})
    assert not signed_in(client)
    assert not signed_in(thief)
    assert thief.get("/results/").headers["Location"].startswith("/login")


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, reader):
    client, laptop = app.test_client(), app.test_client()
    sign_in(client, reader)
    sign_in(laptop, reader)
    thief = copy_of(app, client)
    page = client.get("/account/password")
    wrong = client.post("/account/password", data={"csrf_token": csrf_token(page.data), "current": "nope",
                                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                        headers={"Accept-Language": "en"})
    assert wrong.status_code == 200 and "not your current password" in wrong.get_data(as_text=True)
    weak = client.post("/account/password", data={"csrf_token": csrf_token(page.data), "current": PASSWORD,
                                                  "password": "welkom2024", "confirm": "welkom2024"},
                       headers={"Accept-Language": "nl"})
    assert weak.status_code == 200 and "te voor de hand liggend" in weak.get_data(as_text=True)
    assert signed_in(thief)  # nothing changed yet
    done = client.post("/account/password", data={"csrf_token": csrf_token(page.data), "current": PASSWORD,
                                                  "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_in(client)
    assert not signed_in(thief) and not signed_in(laptop)
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == reader)).check_password(NEW_PASSWORD)


def test_deactivation_ends_sessions_at_once(app, reader, runner):
    client = app.test_client()
    sign_in(client, reader)
    result = runner.invoke(args=["user", "deactivate", reader])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    runner.invoke(args=["user", "activate", reader])
    assert not signed_in(client)  # an old cookie does not come back to life
    sign_in(client, reader)
    assert signed_in(client)


# --- reset by mail ---------------------------------------------------------------------------------


def ask_for_reset(client, email: str, language: str = "en"):
    page = client.get("/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(page.data)},
                       headers={"Accept-Language": language})


def test_a_reset_link_is_mailed_works_once_and_ends_every_session(app, reader, smtp):
    client = app.test_client()
    sign_in(client, reader)
    thief = copy_of(app, client)

    visitor = app.test_client()
    asked = ask_for_reset(visitor, reader)
    assert asked.status_code == 302
    (mail,) = smtp.to(reader)
    assert mail["Subject"] == "Reset your surveyapp password" and mail["From"] == "surveyapp <survey@example.com>"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    path = RESET_LINK.search(body).group(1)
    with app.app_context():
        stored = db.session.scalar(db.select(PasswordReset))
        assert path.rsplit("/", 1)[1] not in stored.token_hash  # only the hash is kept

    form = visitor.get(path)
    assert form.status_code == 200
    mismatch = visitor.post(path, data={"csrf_token": csrf_token(form.data), "password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD + "x"}, headers={"Accept-Language": "en"})
    assert mismatch.status_code == 200 and "The passwords differ." in mismatch.get_data(as_text=True)
    done = visitor.post(path, data={"csrf_token": csrf_token(form.data), "password": NEW_PASSWORD,
                                    "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert not signed_in(client) and not signed_in(thief)
    assert visitor.get(path).status_code == 410  # single use
    again = visitor.post(path, data={"csrf_token": csrf_token(form.data), "password": "another passphrase 7",
                                     "confirm": "another passphrase 7"})
    assert again.status_code == 410
    sign_in(app.test_client(), reader, NEW_PASSWORD)


def test_asking_for_a_reset_never_tells_whether_an_account_exists(app, reader, smtp):
    known = ask_for_reset(app.test_client(), reader, "nl")
    unknown = ask_for_reset(app.test_client(), "nobody@example.com", "nl")
    assert known.status_code == unknown.status_code == 302
    assert smtp.recipients == [reader]
    client = app.test_client()
    ask_for_reset(client, "nobody@example.com", "nl")
    page = client.get("/login", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "nobody@example.com" in page and "werkt één keer" in page


def test_an_expired_or_unknown_reset_link_is_gone(app, reader, smtp):
    from datetime import timedelta

    client = app.test_client()
    ask_for_reset(client, reader)
    path = RESET_LINK.search(smtp.messages[0].get_body(preferencelist=("plain",)).get_content()).group(1)
    with app.app_context():
        reset = db.session.scalar(db.select(PasswordReset))
        reset.expires_at -= timedelta(hours=2)
        db.session.commit()
    assert client.get(path).status_code == 410
    assert client.get("/password/reset/made-up-token").status_code == 410


def test_a_deactivated_account_gets_no_reset_mail(app, reader, smtp):
    with app.app_context():
        set_active(db.session.scalar(db.select(User).where(User.email == reader)), False)
    ask_for_reset(app.test_client(), reader)
    assert smtp.messages == []
