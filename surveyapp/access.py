"""Who may see which survey.

A minimal stand-in with the agreed signatures; the full module (per-survey grants) replaces it.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Survey


def role_required(*roles: str):
    """Only signed-in users holding one of ``roles`` (admins always): else login or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def accessible_surveys(user) -> list[Survey]:
    """The surveys ``user`` may see."""
    return db.session.scalars(db.select(Survey).order_by(Survey.slug)).all()


def survey_for_user(slug: str, user=None) -> Survey:
    """The survey ``slug`` if ``user`` (default: the current user) may see it, else 404."""
    survey = db.session.scalar(db.select(Survey).where(Survey.slug == slug))
    if survey is None:
        abort(404)
    return survey
