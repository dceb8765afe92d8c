"""API errors as ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

from http import HTTPStatus

from flask import abort, jsonify, request

PROBLEM_MIMETYPE = "application/problem+json"


def problem(status: int, detail: str | None = None, *, errors: dict | None = None, headers: dict | None = None):
    """A problem-details response: ``type``, ``title``, ``status``, ``detail``, ``instance`` and,
    for a bad request body or query, ``errors`` (field name -> messages)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or _default_detail(status),
            "instance": request.path}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="surveyapp"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def fail(status: int, detail: str | None = None, **kwargs):
    """Stop the request with a problem response."""
    abort(problem(status, detail, **kwargs))


def _default_detail(status: int) -> str:
    return {
        401: "Send a valid API key as: Authorization: Bearer KEY",
        403: "Your role does not allow this.",
        404: "There is nothing here, or it is not shared with you.",
        405: "This method is not allowed here.",
        422: "The request has invalid fields; see errors.",
        429: "Too many requests; wait a minute and try again.",
        500: "Something went wrong on our side.",
    }.get(status, "The request could not be handled.")
