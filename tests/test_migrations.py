"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from surveyapp import create_app
from surveyapp.extensions import db


def test_migrations_produce_the_models_schema(empty_database_url, app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], f"models and migrations differ: {differences}"


def test_upgrade_twice_is_harmless(empty_database_url, app_config):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"surveys", "waves", "responses", "answers", "invitations", "outbox_mails", "users"} <= tables
