"""The app factory, configuration and security headers."""

import pytest

from surveyapp import create_app
from surveyapp.config import ConfigurationError


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.setenv("SURVEYAPP_ENV", "production")
    monkeypatch.delenv("SURVEYAPP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SURVEYAPP_SECRET_KEY"):
        create_app()


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
