"""surveyapp: questionnaires in YAML, bilingual respondent pages, and driver analysis of loyalty."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# Flask and the extensions are imported inside create_app, so that `import surveyapp` stays
# cheap for the pure parts (surveyapp.analysis, surveyapp.questionnaire) and `surveyapp drivers`.



def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, CLI commands."""
    from flask import Flask
    from flask_babel import get_locale

    from .config import load_config
    from .extensions import babel, csrf, db, limiter, login_manager, migrate, ping_idle_connections
    from .security import FieldLimitedRequest
    from .shipped import shipped_dir

    app = Flask(__name__, instance_relative_config=True)
    from .security import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    app.request_class = FieldLimitedRequest
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(shipped_dir("translations"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXIES"]:
        # Behind nginx or a load balancer: the client's address (rate limits) and https scheme
        # come from X-Forwarded-* headers, trusted only for the configured number of proxies.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    if not app.logger.handlers or app.config["ENV_NAME"] == "production":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # Each record once, through the root logger's handler: the app's loggers ("surveyapp.*")
        # would otherwise also print through the handler Flask puts on the "surveyapp" logger.
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine)
    migrate.init_app(app, db, directory=str(shipped_dir("migrations")), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    from . import models  # noqa: F401  (register the tables with the metadata)
    from .api.views import bp as api_bp
    from .auth import bp as auth_bp
    from .errors import register_error_handlers
    from .invitations.blueprint import bp as invitations_bp
    from .main import bp as main_bp
    from .manage import bp as manage_bp
    from .respond.views import bp as respond_bp
    from .results import downloads  # noqa: F401  (adds the chart and report routes to the results blueprint)
    from .results.views import bp as results_bp
    from .security import register_security_headers

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(api_bp)
    register_error_handlers(app)
    register_security_headers(app)

    from .cli import register_commands

    register_commands(app)
    return app
