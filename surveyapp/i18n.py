"""Which language a page is in."""

from __future__ import annotations

from flask import g, has_request_context, request, session

from .questionnaire.languages import LANGUAGES


def select_locale() -> str:
    """The respondent's language when a view has set one, else the reader's choice (``?lang=``, kept in
    the session), else the browser's preference.

    Outside a request (CLI commands) texts are in English, the language they are written in.
    """
    if not has_request_context():
        return "en"
    language = getattr(g, "language", None)
    if language in LANGUAGES:
        return language
    requested = request.args.get("lang")
    if requested in LANGUAGES:
        session["lang"] = requested  # a reader's choice holds for the next pages too
        return requested
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
