"""Entry point for production servers in a checkout: ``gunicorn wsgi:app``.

The same app as ``surveyapp.wsgi:app``, which an installed package offers; see that module.
"""

from surveyapp.wsgi import app  # noqa: F401
