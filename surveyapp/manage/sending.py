"""Sending: queue invitations and reminders, the outbox of a survey, retrying; response rates.

The writes are ``surveyapp invite``'s (:func:`~surveyapp.invitations.operations.queue_invitations`,
``queue_reminders``) and :func:`~surveyapp.invitations.operations.retry_mails`; the mails
themselves go out with ``surveyapp mail send`` (cron). The rates are ``surveyapp wave rates``'.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import role_required, survey_for_user
from ..extensions import db
from ..invitations import operations
from ..invitations.rates import response_rates
from ..models import Contact, Invitation, OutboxMail, Wave
from ..models.base import utcnow
from .blueprint import STAFF, actor, bp
from .forms import ActionForm, QueueForm

#: The outbox's states as a researcher reads them (see OutboxMail.state).
STATES = {
    "queued": _l("queued"),
    "sending": _l("sending"),
    "sent": _l("sent"),
    "failed": _l("failed"),
    "uncertain": _l("uncertain"),
    "cancelled": _l("cancelled"),
}
KINDS = {"invitation": _l("invitation"), "reminder": _l("reminder")}
#: Mails listed on one outbox page.
PAGE_SIZE = 200
#: Contact columns that name a person: rates are never broken down by them.
PERSONAL = ("name", "email", "crm_id")


def _queue_form(survey, formdata=None) -> QueueForm:
    form = QueueForm() if formdata is None else QueueForm(formdata=formdata)
    now = utcnow()
    form.wave.choices = [(wave.id, wave.name) for wave in reversed(survey.waves)
                         if wave.closes_at is None or wave.closes_at > now]
    current = survey.current_wave(now)
    if current is not None and not form.is_submitted():
        form.wave.data = current.id
    return form


def _outbox(survey, state: str | None):
    query = (db.select(OutboxMail, Wave.name, Contact.email)
             .join(Invitation, OutboxMail.invitation_id == Invitation.id)
             .join(Wave, Invitation.wave_id == Wave.id)
             .outerjoin(Contact, Invitation.contact_id == Contact.id)
             .where(Wave.survey_id == survey.id))
    counts = dict(db.session.execute(
        db.select(OutboxMail.state, db.func.count())
        .join(Invitation, OutboxMail.invitation_id == Invitation.id)
        .join(Wave, Invitation.wave_id == Wave.id)
        .where(Wave.survey_id == survey.id).group_by(OutboxMail.state)
    ).all())
    if state:
        query = query.where(OutboxMail.state == state)
    mails = db.session.execute(query.order_by(OutboxMail.id.desc()).limit(PAGE_SIZE)).all()
    return counts, mails


@bp.get("/surveys/<slug>/outbox")
@role_required(*STAFF)
def outbox(slug: str):
    return _outbox_page(survey_for_user(slug, current_user))


def _outbox_page(survey, queue_form=None, status: int = 200):
    state = request.args.get("state")
    state = state if state in STATES else None
    counts, mails = _outbox(survey, state)
    return render_template("manage/outbox.html", survey=survey, counts=counts, mails=mails, state=state,
                           states=STATES, kinds=KINDS, queue_form=queue_form or _queue_form(survey),
                           action_form=ActionForm(), page_size=PAGE_SIZE), status


@bp.post("/surveys/<slug>/outbox/queue")
@role_required(*STAFF)
def outbox_queue(slug: str):
    survey = survey_for_user(slug, current_user)
    form = _queue_form(survey, formdata=request.form)
    if not form.validate_on_submit():
        return _outbox_page(survey, queue_form=form, status=422)
    wave = next(w for w in survey.waves if w.id == form.wave.data)
    try:
        if form.kind.data == "reminders":
            count = operations.queue_reminders(survey, wave, actor=actor())
            flash(_("Queued %(count)s reminder(s) for wave %(wave)s.", count=count, wave=wave.name), "success")
        else:
            count = operations.queue_invitations(survey, wave, actor=actor())
            flash(_("Queued %(count)s invitation(s) for wave %(wave)s.", count=count, wave=wave.name), "success")
    except operations.InvitationError as error:
        flash(str(error), "error")
    return redirect(url_for(".outbox", slug=survey.slug), 303)


@bp.post("/surveys/<slug>/outbox/retry")
@role_required(*STAFF)
def outbox_retry(slug: str):
    survey = survey_for_user(slug, current_user)
    if ActionForm().validate_on_submit():
        count = operations.retry_mails(survey, actor=actor())
        flash(_("%(count)s failed or uncertain mail(s) queued again.", count=count), "success")
    return redirect(url_for(".outbox", slug=survey.slug), 303)


@bp.get("/surveys/<slug>/rates")
@role_required(*STAFF)
def rates(slug: str):
    survey = survey_for_user(slug, current_user)
    definition = survey.questionnaire_version.definition or {}
    groups = [a["id"] if isinstance(a, dict) else a for a in (definition.get("attributes") or [])]
    groups = [group for group in groups if group not in PERSONAL] or ["segment"]
    by = request.args.get("by")
    by = by if by in groups else ("segment" if "segment" in groups else groups[0])
    wave = next((w for w in survey.waves if w.name == request.args.get("wave")), None)
    return render_template("manage/rates.html", survey=survey, rows=response_rates(survey, wave, by=by),
                           groups=groups, by=by, wave=wave)
