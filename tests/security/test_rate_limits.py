"""Rate limits that hold across worker processes, count only failures, and lock accounts."""

from __future__ import annotations

import uuid

import pytest

from surveyapp.config import ConfigurationError, load_config

from ..conftest import fresh_app
from ..respond.conftest import LOYALTY, make_fieldwork
from .conftest import add_user, login
from .servers import Browser, csrf_in, redis_available, start_server


@pytest.mark.parametrize("env", [{}, {"SURVEYAPP_RATELIMIT_STORAGE_URL": "memory://", "WEB_CONCURRENCY": "4"}])
def test_production_refuses_per_process_limits_with_several_workers(monkeypatch, tmp_path, env):
    monkeypatch.setenv("SURVEYAPP_ENV", "production")
    monkeypatch.setenv("SURVEYAPP_SECRET_KEY", "x" * 64)
    monkeypatch.delenv("SURVEYAPP_RATELIMIT_STORAGE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="redis://"):
        load_config(str(tmp_path))


def test_production_with_memory_and_one_worker_warns_loudly(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("SURVEYAPP_ENV", "production")
    monkeypatch.setenv("SURVEYAPP_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("SURVEYAPP_RATELIMIT_STORAGE_URL", "memory://")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "RATE LIMITS ARE PER PROCESS" in caplog.text
    monkeypatch.setenv("SURVEYAPP_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.fixture
def limited_app(app_config):
    config = {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_TOKEN_LOOKUPS": "3 per minute",
              "LOGIN_LOCKOUT": "3 per 15 minutes", "RATELIMIT_KEY_PREFIX": f"t-{uuid.uuid4().hex}"}
    with fresh_app(config) as app:
        yield app


def test_a_respondents_own_link_opens_after_others_guessed_from_the_same_address(limited_app):
    path = make_fieldwork(limited_app, LOYALTY, "limited").invite()
    colleague = limited_app.test_client()
    for attempt in range(3):
        assert colleague.get(f"/s/guess-{attempt}").status_code == 404
    assert colleague.get("/s/guess-again").status_code == 429
    respondent = limited_app.test_client()  # same address (the office's NAT)
    for _ in range(5):
        assert respondent.get(path).status_code == 200
    assert respondent.get("/s/one-more-guess").status_code == 429


def test_an_account_is_locked_after_wrong_passwords_with_a_neutral_message(limited_app):
    email, password = add_user(limited_app)
    client = limited_app.test_client()
    for _ in range(3):
        refused = login(client, email, "wrong")
        assert refused.status_code == 200 and "Onbekend e-mailadres of onjuist wachtwoord." in refused.text
    locked = login(client, email, password)
    assert locked.status_code == 429, "the right password does not help while locked"
    assert "Te veel mislukte aanmeldpogingen voor dit adres." in locked.text
    # An address without an account is told the very same: the lock reveals nothing.
    for _ in range(3):
        login(client, "nobody@example.com", "wrong")
    unknown = login(client, "nobody@example.com", "wrong")
    assert unknown.status_code == 429
    assert unknown.text.replace("nobody@example.com", email) == locked.text.replace(
        csrf_in(locked.text), csrf_in(unknown.text))
    # Another account is not affected.
    other, other_password = add_user(limited_app, "jan@example.com", "another good password")
    assert login(client, other, other_password).status_code == 302


@pytest.fixture
def two_servers(app, app_config, tmp_path):
    if not redis_available():
        pytest.skip("needs Redis at 127.0.0.1:6379 (.ci/run's machine has it)")
    prefix = f"surveyapp-test-{uuid.uuid4().hex}"
    env = {"SURVEYAPP_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0", "SURVEYAPP_RATELIMIT_KEY_PREFIX": prefix,
           "SURVEYAPP_RATELIMIT_TOKEN_LOOKUPS": "20 per minute", "SURVEYAPP_LOGIN_LOCKOUT": "5 per 15 minutes"}
    servers = [start_server(app_config["SQLALCHEMY_DATABASE_URI"], tmp_path, env=env) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def test_limits_hold_across_two_server_processes_sharing_redis(app, loyalty, two_servers):
    """Two gunicorn processes: per-process counters would let 40 guesses through, not 20."""
    first, second = two_servers
    path = loyalty.invite()
    email, password = add_user(app)
    guesser = Browser()
    statuses = [guesser.get(f"{(first, second)[n % 2].url}/s/guess-{n}").status for n in range(50)]
    assert statuses.count(404) == 20 and statuses.count(429) == 30, statuses
    for server in two_servers:  # the respondent's own link, from the same address
        assert guesser.get(server.url + path).status == 200

    attacker = Browser()
    tokens = [csrf_in(attacker.get(server.url + "/login").text) for server in two_servers]
    replies = []
    for n in range(12):
        server = two_servers[n % 2]
        replies.append(attacker.post(server.url + "/login", {"email": email, "password": f"guess{n}",
                                                             "csrf_token": tokens[n % 2]}))
    wrong = [r for r in replies if "Onbekend e-mailadres of onjuist wachtwoord." in r.text]
    assert len(wrong) == 5, [r.status for r in replies]
    assert all(r.status == 429 for r in replies[5:])
    right = Browser()
    token = csrf_in(right.get(second.url + "/login").text)
    assert right.post(second.url + "/login", {"email": email, "password": password, "csrf_token": token}).status == 429
