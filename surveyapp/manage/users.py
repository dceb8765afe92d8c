"""Users (administrators only): list, create, change a role, deactivate.

The writes are :mod:`surveyapp.users`' (``surveyapp user create`` calls the same).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import grant_access, revoke_access, role_required
from ..extensions import db
from ..models import Survey, SurveyAccess, User
from ..users import create_or_update_user, set_active, set_user_role
from .blueprint import actor, bp
from .forms import ROLE_LABELS, ActionForm, UserCreateForm, UserRoleForm


def _page(create_form=None, status: int = 200):
    users = db.session.scalars(db.select(User).order_by(User.email)).all()
    surveys = db.session.scalars(db.select(Survey).order_by(Survey.slug)).all()
    granted: dict[int, list[Survey]] = {}
    for user_id, survey in db.session.execute(
            db.select(SurveyAccess.user_id, Survey).join(Survey, Survey.id == SurveyAccess.survey_id)
            .order_by(Survey.slug)):
        granted.setdefault(user_id, []).append(survey)
    return render_template("manage/users.html", users=users, create_form=create_form or UserCreateForm(formdata=None),
                           role_forms={user.id: UserRoleForm(formdata=None, role=user.role) for user in users},
                           action_form=ActionForm(), role_labels=ROLE_LABELS, surveys=surveys,
                           granted=granted), status


@bp.get("/users")
@role_required("admin")
def users():
    return _page()


@bp.post("/users")
@role_required("admin")
def user_create():
    form = UserCreateForm()
    if form.validate_on_submit():
        if db.session.scalar(db.select(User).where(User.email == form.email.data.lower())) is not None:
            form.email.errors.append(_("There is an account with this address already."))
        else:
            try:
                user = create_or_update_user(form.email.data, form.password.data, role=form.role.data,
                                             name=form.name.data or "")
            except ValueError as error:  # e.g. a password refused as too weak
                form.password.errors.append(str(error))
            else:
                flash(_("Account %(email)s created.", email=user.email), "success")
                return redirect(url_for(".users"), 303)
    return _page(create_form=form, status=422)


def _other_user(user_id: int) -> User | None:
    """The account to change; not one's own (an administrator must not lock themselves out)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot change your own account here."), "error")
        return None
    return user


@bp.post("/users/<int:user_id>/role")
@role_required("admin")
def user_role(user_id: int):
    user = _other_user(user_id)
    form = UserRoleForm()
    if user is not None and form.validate_on_submit():
        set_user_role(user, form.role.data, actor=actor())
        flash(_("%(email)s is now: %(role)s.", email=user.email, role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for(".users"), 303)


@bp.post("/users/<int:user_id>/deactivate")
@role_required("admin")
def user_deactivate(user_id: int):
    user = _other_user(user_id)
    if user is not None and ActionForm().validate_on_submit():
        set_active(user, False)
        flash(_("%(email)s can no longer sign in.", email=user.email), "success")
    return redirect(url_for(".users"), 303)


@bp.post("/users/<int:user_id>/activate")
@role_required("admin")
def user_activate(user_id: int):
    user = _other_user(user_id)
    if user is not None and ActionForm().validate_on_submit():
        set_active(user, True)
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    return redirect(url_for(".users"), 303)


@bp.post("/users/<int:user_id>/grant")
@role_required("admin")
def user_grant(user_id: int):
    """Let a manager or researcher see a survey (``surveyapp access grant`` calls the same)."""
    user = db.get_or_404(User, user_id)
    survey = db.session.scalar(db.select(Survey).where(Survey.slug == request.form.get("survey", "")))
    if survey is not None and ActionForm().validate_on_submit():
        grant_access(user, survey, actor=actor())
        flash(_("%(email)s now sees survey %(slug)s.", email=user.email, slug=survey.slug), "success")
    return redirect(url_for(".users"), 303)


@bp.post("/users/<int:user_id>/revoke/<slug>")
@role_required("admin")
def user_revoke(user_id: int, slug: str):
    """Take a survey away from a user (``surveyapp access revoke`` calls the same)."""
    user = db.get_or_404(User, user_id)
    survey = db.session.scalar(db.select(Survey).where(Survey.slug == slug))
    if survey is not None and ActionForm().validate_on_submit():
        revoke_access(user, survey, actor=actor())
        flash(_("%(email)s no longer sees survey %(slug)s.", email=user.email, slug=survey.slug), "success")
    return redirect(url_for(".users"), 303)
