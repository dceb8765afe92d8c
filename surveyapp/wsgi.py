"""Entry point for production servers: ``gunicorn 'surveyapp.wsgi:app'`` (or ``wsgi:app`` in a checkout).

Production settings apply unless SURVEYAPP_ENV says otherwise, so a missing
SURVEYAPP_SECRET_KEY stops the server with a clear message instead of running insecurely.
"""

import os

os.environ.setdefault("SURVEYAPP_ENV", "production")

from surveyapp import create_app  # noqa: E402

app = create_app()
