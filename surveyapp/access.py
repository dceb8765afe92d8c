"""Authorisation: the one home for who may do what.

Roles (see :data:`surveyapp.models.ROLES`): an **admin** may do everything and sees every
survey; a **researcher** designs questionnaires and runs the surveys granted to them; a
**manager** reads the results of the surveys granted to them. A grant
(:class:`~surveyapp.models.SurveyAccess`) links one user to one survey; it is written only
by :func:`grant_access` and :func:`revoke_access`, which the CLI and the browser both call.

A survey that is not granted answers 404, exactly like one that does not exist, so a
refused reader learns nothing about it, not even that it is there.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Survey, SurveyAccess, User

log = logging.getLogger(__name__)


def role_required(*roles: str):
    """View decorator: anonymous visitors go to the sign-in page; a signed-in user whose
    role is not in ``roles`` gets 403. Admins are always allowed."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _user(user) -> User | None:
    if user is None:
        user = current_user
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return None
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def sees_every_survey(user) -> bool:
    return user is not None and user.active and user.role == "admin"


def accessible_surveys_query(user=None):
    """A ``select(Survey)`` of the surveys ``user`` may see (admins: all), ordered by slug.

    Add ``.where``/``.options`` as needed; an anonymous or inactive user sees none.
    """
    user = _user(user)
    query = db.select(Survey).order_by(Survey.slug)
    if user is None:
        return query.where(db.false())
    if sees_every_survey(user):
        return query
    granted = db.select(SurveyAccess.survey_id).where(SurveyAccess.user_id == user.id)
    return query.where(Survey.id.in_(granted))


def accessible_surveys(user=None) -> list[Survey]:
    """The surveys ``user`` (default: the signed-in user) may see, ordered by slug."""
    return list(db.session.scalars(accessible_surveys_query(user)).all())


def can_access(user, survey: Survey) -> bool:
    """True when ``user`` may see ``survey`` (an admin, or a grant)."""
    user = _user(user)
    if user is None or survey is None:
        return False
    if sees_every_survey(user):
        return True
    return db.session.scalar(
        db.select(db.func.count()).select_from(SurveyAccess)
        .where(SurveyAccess.user_id == user.id, SurveyAccess.survey_id == survey.id)
    ) > 0


def survey_for_user(slug: str, user=None) -> Survey:
    """The survey ``slug`` if ``user`` (default: the signed-in user) may see it; else 404."""
    survey = db.session.scalar(db.select(Survey).where(Survey.slug == slug))
    if survey is None or not can_access(user, survey):
        abort(404)
    return survey


def grant_access(user: User, survey: Survey, *, actor: str = "system") -> bool:
    """Let ``user`` see ``survey``. Returns False when the grant was already there."""
    existing = db.session.scalar(
        db.select(SurveyAccess).where(SurveyAccess.user_id == user.id, SurveyAccess.survey_id == survey.id))
    if existing is not None:
        return False
    db.session.add(SurveyAccess(user_id=user.id, survey_id=survey.id))
    db.session.commit()
    log.info("%s granted %s access to survey %s", actor, user.email, survey.slug)
    return True


def revoke_access(user: User, survey: Survey, *, actor: str = "system") -> bool:
    """Take ``survey`` away from ``user``. Returns False when there was no grant."""
    result = db.session.execute(
        db.delete(SurveyAccess).where(SurveyAccess.user_id == user.id, SurveyAccess.survey_id == survey.id))
    db.session.commit()
    if result.rowcount:
        log.info("%s revoked access of %s to survey %s", actor, user.email, survey.slug)
    return bool(result.rowcount)


def granted_users(survey: Survey) -> list[User]:
    """The users holding a grant for ``survey`` (admins see it without one)."""
    return list(db.session.scalars(
        db.select(User).join(SurveyAccess, SurveyAccess.user_id == User.id)
        .where(SurveyAccess.survey_id == survey.id).order_by(User.email)
    ).all())
