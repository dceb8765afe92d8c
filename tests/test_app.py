"""The app factory, configuration and security headers."""

import os
import subprocess
import sys

import pytest

from surveyapp import create_app
from surveyapp.config import ConfigurationError


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.setenv("SURVEYAPP_ENV", "production")
    monkeypatch.delenv("SURVEYAPP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SURVEYAPP_SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("length, refused", [(31, True), (32, False)])
def test_production_refuses_a_short_secret_key(monkeypatch, tmp_path, length, refused):
    monkeypatch.setenv("SURVEYAPP_ENV", "production")
    monkeypatch.setenv("SURVEYAPP_SECRET_KEY", "k" * length)
    monkeypatch.setenv("SURVEYAPP_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")  # production needs one
    monkeypatch.setenv("SURVEYAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    if refused:
        with pytest.raises(ConfigurationError, match="too short"):
            create_app()
    else:
        assert create_app().config["SECRET_KEY"] == "k" * length


def test_a_production_server_logs_each_record_once(tmp_path):
    """The app's loggers reach stderr through the root handler only, not Flask's handler as well."""
    script = ("import logging; from surveyapp import create_app; app = create_app(); "
              "logging.getLogger('surveyapp.respond.operations').info('response 7 started'); "
              "app.logger.warning('from the app logger')")
    env = {**os.environ, "SURVEYAPP_ENV": "production", "SURVEYAPP_SECRET_KEY": "x" * 64,
           "SURVEYAPP_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
           "SURVEYAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite'}"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum("response 7 started" in line for line in lines) == 1, result.stderr
    assert sum("from the app logger" in line for line in lines) == 1, result.stderr


def test_postgres_url_uses_psycopg3(monkeypatch):
    monkeypatch.setenv("SURVEYAPP_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1/test"


def test_health_and_security_headers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_friendly_404(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "nl"})
    assert response.status_code == 404
    assert b"Traceback" not in response.data
    assert b'<html lang="nl"' in response.data


def test_proxy_headers_are_trusted_only_when_configured(app_config):
    from flask import request

    def client_address(config):
        app = create_app({**app_config, **config})
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
        return app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"}).text

    assert client_address({}) == "10.0.0.2"  # a client cannot fake its address for the rate limits
    assert client_address({"PROXIES": 1}) == "203.0.113.9"
