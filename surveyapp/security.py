"""HTTP security headers on every response, and the size limit of each form field."""

from flask import Flask, Request, current_app
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No real path, link token or query value holds a NUL, and PostgreSQL refuses one in any
        # text it is sent (a 500 from deep in the driver): a clean 404/400 here instead.
        from flask import abort, request

        if "\x00" in request.path:
            abort(404)
        # Pages' query strings (wave, filters, search); the API validates its own (422), and form
        # answers have control characters dropped where they are read.
        if not request.path.startswith("/api/") and any("\x00" in value for value in request.args.values()):
            abort(400)

    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Personal links carry their token in the path: never send it to another site.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


class FieldLimitedRequest(Request):
    """A request whose form fields are each at most ``MAX_FORM_MEMORY_SIZE`` long.

    Werkzeug applies that limit to multipart forms only; an ordinary (urlencoded) form is
    limited as a whole by ``MAX_CONTENT_LENGTH``. This applies it to every field of both, so
    a 600 KB "answer" gets the same clear 413 page as a 10 MB request.
    """

    def _upload_limit(self) -> int | None:
        """The larger limit of a route that takes a file (:func:`accepts_upload`), for a signed-in
        user; None elsewhere and for anonymous requests."""
        view = current_app.view_functions.get(self.endpoint) if self.url_rule is not None else None
        limit = getattr(view, "upload_limit", None)
        return limit if limit is not None and current_user.is_authenticated else None

    @property
    def max_content_length(self) -> int | None:
        """``MAX_CONTENT_LENGTH``, or more on a route that takes a file: a 2 MB questionnaire or a
        contact list of 100,000 people must not meet the 1 MB limit meant for forms."""
        default = super().max_content_length
        limit = self._upload_limit()
        return default if limit is None else max(limit, default or 0)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)

    @property
    def max_form_memory_size(self) -> int | None:
        """``MAX_FORM_MEMORY_SIZE``, or the upload's limit on a route that takes a file: Werkzeug's
        multipart parser applies this limit to what it buffers of the file part as well, so a
        64 KB limit refused any file larger than about that."""
        default = super().max_form_memory_size
        limit = self._upload_limit()
        return default if limit is None else max(limit, default or 0)

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        Request.max_form_memory_size.fset(self, value)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        limit = self.max_form_memory_size
        if limit is None:
            return
        if any(len(value) > limit for values in self.form.listvalues() for value in values):
            self.__dict__["form"] = ImmutableMultiDict()
            raise RequestEntityTooLarge()


#: Room for the other fields of an upload form (CSRF token, options) beside the file itself.
UPLOAD_FORM_SLACK = 64 * 1024


def accepts_upload(file_bytes: int):
    """Mark a view that takes a file of up to ``file_bytes``: its requests may be that much larger
    than ``MAX_CONTENT_LENGTH`` (see :class:`FieldLimitedRequest`). The view still checks the
    file's size itself, with a message in the reader's language."""

    def mark(view):
        view.upload_limit = file_bytes + UPLOAD_FORM_SLACK
        return view

    return mark


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in a route: a number the database can hold (64-bit), else 404, not a crash
    in the driver (``/manage/questionnaires/99999999999999999999999``)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)
