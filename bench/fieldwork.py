"""Shared set-up for the benchmarks that need a real database: a throw-away PostgreSQL
database with a published questionnaire, a survey, an open wave and N contacts.

Not part of the package: run from the project root (``python bench/bench_....py``).
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-secret-key-not-for-production-0123456789"


class ThrowAwayDatabase:
    """``CREATE DATABASE`` on the server of ``server_url``; dropped again by :meth:`drop`."""

    def __init__(self, server_url: str = DEFAULT_SERVER, prefix: str = "surveyapp_bench"):
        self.admin = sa.create_engine(sa.make_url(server_url).set(database="postgres"),
                                      isolation_level="AUTOCOMMIT")
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.url = sa.make_url(server_url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def environment(database_url: str, **extra: str) -> dict:
    """The environment a ``surveyapp`` process of the benchmark runs with."""
    env = {**os.environ, "SURVEYAPP_DATABASE_URL": database_url, "SURVEYAPP_SECRET_KEY": SECRET_KEY,
           "SURVEYAPP_ENV": "production", "SURVEYAPP_BASE_URL": "http://127.0.0.1",
           # production refuses per-process rate limits with several processes: Redis, as deployed
           "SURVEYAPP_RATELIMIT_STORAGE_URL": os.environ.get("SURVEYAPP_RATELIMIT_STORAGE_URL",
                                                             "redis://127.0.0.1:6379/0")}
    env.update(extra)
    return env


def make_fieldwork(database_url: str, contacts: int, *, questionnaire: str = "loyalty-tracker.yaml",
                   queue: bool = False) -> dict:
    """Tables, a survey ``bench`` on ``questionnaire``, an open wave and ``contacts`` contacts.

    With ``queue`` their invitation mails are queued. Returns the ids and links.
    """
    os.environ.update(SURVEYAPP_SECRET_KEY=SECRET_KEY)
    from surveyapp import create_app
    from surveyapp.extensions import db
    from surveyapp.invitations.links import invitation_token
    from surveyapp.invitations.operations import create_invitation, open_wave, queue_invitations
    from surveyapp.models import Contact, Invitation
    from surveyapp.models.base import utcnow
    from surveyapp.surveys import create_survey, publish_questionnaire

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        db.create_all()
        version = publish_questionnaire(ROOT / "questionnaires" / questionnaire).version
        survey = create_survey("bench", version)
        wave = open_wave(survey, "bench", opens_at=utcnow() - timedelta(days=1))
        db.session.execute(sa.insert(Contact), [
            {"survey_id": survey.id, "email": f"customer{n}@example.com", "name": f"Customer {n}",
             "language": "nl" if n % 2 else "en", "attributes": {"segment": "medium"}}
            for n in range(contacts)
        ])
        db.session.commit()
        links = []
        if queue:
            queue_invitations(survey, wave)
        else:
            invitations = [create_invitation(wave, contact, commit=False) for contact in
                           db.session.scalars(sa.select(Contact).where(Contact.survey_id == survey.id))]
            db.session.commit()
            links = ["/s/" + invitation_token(invitation) for invitation in invitations]
        result = {"survey_id": survey.id, "wave_id": wave.id, "links": links,
                  "invitations": db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))}
        db.session.remove()
        db.engine.dispose()
    return result
