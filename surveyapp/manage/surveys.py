"""Surveys and waves: create a survey, change its settings and questionnaire version, open and
close waves, show the open link. The writes are ``surveyapp survey`` and ``surveyapp wave``'s:
:mod:`surveyapp.surveys` and :mod:`surveyapp.invitations.operations`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import grant_access, role_required, survey_for_user
from ..extensions import db
from ..invitations import operations
from ..models import QuestionnaireVersion
from ..models.base import utcnow
from ..surveys import SETTINGS, create_survey, get_survey, latest_version, update_survey, use_version
from .blueprint import STAFF, actor, bp
from .forms import ActionForm, SurveyCreateForm, SurveySettingsForm, VersionForm, WaveOpenForm


def open_link(survey) -> str | None:
    return f"{current_app.config['BASE_URL']}/o/{survey.open_token}" if survey.open_token else None


def wave_state(wave, now: datetime) -> str:
    if wave.is_open(now):
        return "open"
    return "planned" if wave.opens_at > now else "closed"


@bp.route("/surveys/new", methods=["GET", "POST"])
@role_required(*STAFF)
def survey_new():
    form = SurveyCreateForm()
    keys = db.session.scalars(db.select(QuestionnaireVersion.key).distinct().order_by(QuestionnaireVersion.key)).all()
    form.questionnaire.choices = [(key, key) for key in keys]
    if not form.is_submitted() and request.args.get("questionnaire") in keys:
        form.questionnaire.data = request.args["questionnaire"]
    if form.validate_on_submit():
        if get_survey(form.slug.data) is not None:
            form.slug.errors.append(_("A survey with this short name exists already."))
        else:
            version = latest_version(form.questionnaire.data)
            settings = {name: getattr(form, name).data for name in SETTINGS}
            try:
                survey = create_survey(form.slug.data, version, title=form.title.data or None,
                                       open_link=form.open_link.data, **settings)
            except ValueError as error:
                form.slug.errors.append(str(error))
            else:
                if current_user.role != "admin":  # its maker may see it (admins see every survey)
                    grant_access(current_user, survey)
                flash(_("Survey %(slug)s created.", slug=survey.slug), "success")
                return redirect(url_for(".survey", slug=survey.slug), 303)
    return render_template("manage/survey_new.html", form=form, keys=keys), 422 if form.errors else 200


@bp.get("/surveys/<slug>")
@role_required(*STAFF)
def survey(slug: str):
    item = survey_for_user(slug, current_user)
    return _survey_page(item)


def _survey_page(item, *, settings_form=None, version_form=None, wave_form=None, status: int = 200):
    if settings_form is None:
        settings_form = SurveySettingsForm(formdata=None, obj=item)
        settings_form.open_link.data = item.open_token is not None
    version_form = version_form or VersionForm(formdata=None, version=item.questionnaire_version_id)
    version_form.version.choices = _version_choices(item)
    if wave_form is None:
        wave_form = WaveOpenForm(formdata=None, name=f"{utcnow():%Y-%m}")
    now = utcnow()
    return render_template(
        "manage/survey.html", survey=item, settings_form=settings_form, version_form=version_form,
        wave_form=wave_form, action_form=ActionForm(), open_link=open_link(item),
        waves=[(wave, wave_state(wave, now)) for wave in item.waves],
    ), status


def _version_choices(item) -> list[tuple[int, str]]:
    versions = db.session.scalars(db.select(QuestionnaireVersion).where(
        QuestionnaireVersion.key == item.questionnaire_key).order_by(QuestionnaireVersion.version.desc())).all()
    return [(v.id, _("version %(version)s, published %(date)s", version=v.version,
                     date=f"{v.published_at:%Y-%m-%d}")) for v in versions]


@bp.post("/surveys/<slug>/settings")
@role_required(*STAFF)
def survey_settings(slug: str):
    item = survey_for_user(slug, current_user)
    form = SurveySettingsForm()
    if not form.validate_on_submit():
        return _survey_page(item, settings_form=form, status=422)
    update_survey(item, open_link=form.open_link.data, **{name: getattr(form, name).data for name in SETTINGS})
    flash(_("Settings saved."), "success")
    return redirect(url_for(".survey", slug=item.slug), 303)


@bp.post("/surveys/<slug>/version")
@role_required(*STAFF)
def survey_version(slug: str):
    item = survey_for_user(slug, current_user)
    form = VersionForm()
    form.version.choices = _version_choices(item)
    if not form.validate_on_submit():
        return _survey_page(item, version_form=form, status=422)
    version = db.session.get(QuestionnaireVersion, form.version.data)
    use_version(item, version)
    flash(_("New responses now answer version %(version)s.", version=version.version), "success")
    return redirect(url_for(".survey", slug=item.slug), 303)


@bp.post("/surveys/<slug>/waves")
@role_required(*STAFF)
def wave_open(slug: str):
    item = survey_for_user(slug, current_user)
    form = WaveOpenForm()
    if form.validate_on_submit():
        # As `wave open --closes`: answers are accepted through the whole of that (UTC) day.
        closes_at = datetime.combine(form.closes.data, datetime.min.time()) + timedelta(days=1) \
            if form.closes.data else None
        if closes_at is not None and closes_at <= utcnow():
            form.closes.errors.append(_("This day is in the past."))
        elif operations.find_wave(item, form.name.data) is not None:
            form.name.errors.append(_("This survey has a wave of this name already."))
        elif (clash := operations.overlapping_wave(item, utcnow(), closes_at)) is not None:
            form.name.errors.append(_("Wave %(name)s is still open: close it first (waves do not overlap).",
                                      name=clash.name))
        else:
            try:
                operations.open_wave(item, form.name.data, closes_at=closes_at, actor=actor())
            except operations.InvitationError as error:
                form.name.errors.append(str(error))
            else:
                flash(_("Wave %(name)s is open.", name=form.name.data), "success")
                return redirect(url_for(".survey", slug=item.slug), 303)
    return _survey_page(item, wave_form=form, status=422)


@bp.post("/surveys/<slug>/waves/<int:wave_id>/close")
@role_required(*STAFF)
def wave_close(slug: str, wave_id: int):
    item = survey_for_user(slug, current_user)
    wave = next((w for w in item.waves if w.id == wave_id), None)
    if wave is None:
        abort(404)
    if ActionForm().validate_on_submit():
        cancelled = operations.close_wave(wave, actor=actor())
        flash(_("Wave %(name)s is closed; %(count)s unsent mail(s) cancelled.", name=wave.name, count=cancelled),
              "success")
    return redirect(url_for(".survey", slug=item.slug), 303)
