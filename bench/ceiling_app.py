"""The ceiling for bench_answering.py: a bare Flask app whose one POST stores 8 answers.

Each ``POST /answer`` inserts the 8 posted answers into ``ceiling_answers`` in one
PostgreSQL transaction (SQLAlchemy Core, the same driver and pool as surveyapp) and
answers with a short text. Nothing else: no templates, sessions, CSRF or logic. Run with
the same gunicorn settings as surveyapp: ``gunicorn --chdir bench ceiling_app:app``.
"""

from __future__ import annotations

import itertools
import os

import sqlalchemy as sa
from flask import Flask, request
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
answers = sa.Table(
    "ceiling_answers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("response_id", sa.BigInteger, nullable=False),
    sa.Column("item_id", sa.String(100), nullable=False),
    sa.Column("value", JSONB),
)

engine = sa.create_engine(os.environ["SURVEYAPP_DATABASE_URL"]) if "SURVEYAPP_DATABASE_URL" in os.environ else None
app = Flask(__name__)
_ids = itertools.count(os.getpid() * 1_000_000)


@app.post("/answer")
def answer():
    response_id = next(_ids)
    rows = [{"response_id": response_id, "item_id": key[2:], "value": value}
            for key, value in request.form.items() if key.startswith("a-")][:8]
    with engine.begin() as conn:
        conn.execute(answers.insert(), rows)
    return "stored", 200


def create_table(url: str) -> None:
    setup = sa.create_engine(url)
    metadata.create_all(setup)
    setup.dispose()
