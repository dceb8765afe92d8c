"""Friendly error pages in the visitor's language; never a stack trace."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db


def _page(status: int, title: str, message: str):
    if request.path.startswith("/api/"):  # the API answers in JSON (RFC 9457), never HTML
        from .api.problems import problem

        return problem(status)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, _("This form has expired"),
                     _("Please go back, reload the page and try again. Nothing you entered earlier is lost."))

    @app.errorhandler(400)
    def bad_request(error):
        # A view's own explanation (abort(400, description=...)) is shown; Werkzeug's default is not.
        description = getattr(error, "description", None)
        return _page(400, _("Invalid request"),
                     description if isinstance(description, str) and not description.startswith("The browser")
                     else _("Please check the link you used."))

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403, _("No access"),
                     _("Your account does not give access to this page. Ask an administrator if you need it."))

    @app.errorhandler(404)
    def not_found(error):
        return _page(404, _("Page not found"), _("This page does not exist. Please check the link you used."))

    @app.errorhandler(410)
    def gone(error):
        description = getattr(error, "description", None)
        return _page(410, _("This link is no longer valid"),
                     description if isinstance(description, str) and not description.startswith("The requested")
                     else _("This survey link can no longer be used."))

    @app.errorhandler(413)
    def too_large(error):
        return _page(413, _("What you sent is too large"),
                     _("Please shorten your answers and try again. Your earlier answers are kept."))

    @app.errorhandler(429)
    def too_many(error):
        return _page(429, _("Too many requests"), _("Please wait a minute and try again."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        # The database restarted or dropped our connections: a clean 503, and the pool reconnects
        # by itself on a later request (a disconnect replaces every older pooled connection; idle
        # ones are pinged first, see extensions.ping_idle_connections); no restart needed.
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0][:300])
        try:
            db.session.invalidate()  # drop the dead connection instead of resetting it
        except Exception:  # the connection is gone; the session is removed at teardown anyway
            pass
        page, status = _page(503, _("The service is briefly unavailable"),
                             _("Please try again in a minute. Nothing you entered earlier is lost."))
        return page, status, {"Retry-After": "30"}

    @app.teardown_appcontext
    def close_session_on_a_dead_connection(error):
        # Runs before Flask-SQLAlchemy's own teardown (teardowns run last-registered first):
        # a connection the server killed after the view finished would otherwise raise out of
        # the teardown's rollback and turn a finished page into a bare 500.
        try:
            db.session.close()
        except (OperationalError, InterfaceError):
            try:
                db.session.invalidate()
            except Exception:
                pass

    @app.errorhandler(HTTPException)
    def other_http(error):
        return _page(error.code or 500, _("Something went wrong"), _("Please try again later."))

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("Unhandled error")
        return _page(500, _("Something went wrong"),
                     _("We could not process this request. Please try again later."))
