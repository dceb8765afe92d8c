"""Shared fixtures: an app on a real database, a client, a CLI runner.

The database is SQLite (a file per test) unless ``SURVEYAPP_TEST_DATABASE_URL`` names a
PostgreSQL server, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; then each
test run creates a database of its own on that server (so parallel runs don't collide)
and drops it at the end. Tests marked ``postgres`` are skipped on SQLite.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

os.environ.setdefault("SURVEYAPP_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SURVEYAPP_ENV", "development")

from surveyapp import create_app  # noqa: E402
from surveyapp.extensions import db  # noqa: E402

POSTGRES_URL = os.environ.get("SURVEYAPP_TEST_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set SURVEYAPP_TEST_DATABASE_URL (.ci/run does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _server_url(url: str, database: str) -> sa.URL:
    return sa.make_url(url).set(database=database)


class PostgresDatabases:
    """Creates throw-away databases on the test server and drops them afterwards."""

    def __init__(self, url: str):
        self.url = url
        self.created: list[str] = []
        self.admin = sa.create_engine(_server_url(url, "postgres"), isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        name = f"surveyapp_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return _server_url(self.url, name).render_as_string(hide_password=False)

    def drop_all(self):
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases():
    if not ON_POSTGRES:
        yield None
        return
    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def session_database_url(postgres_databases):
    """One PostgreSQL database for the whole run (tables are recreated per test)."""
    return postgres_databases.create() if postgres_databases else None


@pytest.fixture
def empty_database_url(postgres_databases, tmp_path):
    """A brand-new, empty database (for migration tests)."""
    if postgres_databases:
        return postgres_databases.create()
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"


@pytest.fixture
def app_config(tmp_path, session_database_url):
    """Configuration for the app under test; tests may add to it before using ``app``."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": session_database_url or f"sqlite:///{tmp_path / 'test.sqlite'}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
        "MAIL_DIR": str(tmp_path / "outbox"),
    }


@contextmanager
def fresh_app(config: dict):
    """An app on ``config`` with empty tables, dropped again afterwards."""
    app = create_app(config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(app_config):
    with fresh_app(app_config) as app:
        yield app


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mail_from() -> str:
    """The sender the app's mails carry in the tests (override it in a test module)."""
    return "Klantenservice <survey@example.com>"


@pytest.fixture
def smtp(app, mail_from):
    """A real SMTP server on 127.0.0.1; the app is configured to send through it."""
    from aiosmtpd.controller import Controller

    from tests.smtp import RecordingHandler, free_port

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none", SMTP_TIMEOUT=5,
                      MAIL_FROM=mail_from)
    yield handler
    controller.stop()
