"""Contacts: import a CSV or XLSX file after a dry run, erase a person.

The writes are ``surveyapp contacts import`` and ``surveyapp contacts erase``'s:
:func:`~surveyapp.invitations.operations.import_contacts` (first with ``dry_run``, which writes
nothing) and :func:`~surveyapp.invitations.operations.erase_person`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import role_required, survey_for_user
from ..extensions import db
from ..invitations import operations
from ..invitations.importing import ContactFileError
from ..models import Contact
from ..security import accepts_upload
from .blueprint import STAFF, actor, bp
from .forms import ContactImportForm, ContactUploadForm, EraseForm
from .uploads import discard_upload, save_form_upload, upload_path

CONTACT_FILES = "contacts"
#: A contact file larger than this is refused (some 200,000 rows of CSV).
MAX_CONTACT_FILE = 50_000_000


def contact_counts(survey) -> dict[str, int]:
    def count(*conditions) -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(Contact)
                                 .where(Contact.survey_id == survey.id, *conditions))

    return {
        "mailable": count(Contact.email.is_not(None), Contact.opted_out_at.is_(None),
                          Contact.undeliverable_at.is_(None)),
        "opted_out": count(Contact.email.is_not(None), Contact.opted_out_at.is_not(None)),
        "bounced": count(Contact.email.is_not(None), Contact.undeliverable_at.is_not(None)),
        "erased": count(Contact.erased_at.is_not(None)),
    }


def _page(survey, *, upload_form=None, erase_form=None, status: int = 200):
    return render_template("manage/contacts.html", survey=survey, counts=contact_counts(survey),
                           upload_form=upload_form or ContactUploadForm(formdata=None),
                           erase_form=erase_form or EraseForm(formdata=None)), status


@bp.get("/surveys/<slug>/contacts")
@role_required(*STAFF)
def contacts(slug: str):
    return _page(survey_for_user(slug, current_user))


@bp.post("/surveys/<slug>/contacts")
@role_required(*STAFF)
@accepts_upload(MAX_CONTACT_FILE)
def contacts_upload(slug: str):
    """Keep the uploaded file and show its dry run; nothing is imported yet."""
    survey = survey_for_user(slug, current_user)
    form = ContactUploadForm()
    if form.validate_on_submit():
        token = save_form_upload(form.file, CONTACT_FILES, current_user.id, limit=MAX_CONTACT_FILE,
                                 too_large=_("The file is too large."), default_name="contacts.csv")
        if token:
            return redirect(url_for(".contacts_dry_run", slug=survey.slug, token=token), 303)
    return _page(survey, upload_form=form, status=422)


def _contact_file(token: str):
    path = upload_path(CONTACT_FILES, current_user.id, token)
    if path is None:
        abort(404)
    return path


@bp.get("/surveys/<slug>/contacts/<token>")
@role_required(*STAFF)
def contacts_dry_run(slug: str, token: str):
    survey = survey_for_user(slug, current_user)
    path = _contact_file(token)
    try:
        report = operations.import_contacts(survey, path, dry_run=True, actor=actor())
    except ContactFileError as error:
        discard_upload(path)
        form = ContactUploadForm(formdata=None)
        form.file.errors = [str(error)]
        return _page(survey, upload_form=form, status=422)
    return render_template("manage/contacts_report.html", survey=survey, report=report, name=path.name,
                           dry_run=True, form=ContactImportForm(), token=token)


@bp.post("/surveys/<slug>/contacts/<token>/import")
@role_required(*STAFF)
def contacts_import(slug: str, token: str):
    survey = survey_for_user(slug, current_user)
    path = _contact_file(token)
    if not ContactImportForm().validate_on_submit():
        return redirect(url_for(".contacts_dry_run", slug=survey.slug, token=token), 303)
    try:
        report = operations.import_contacts(survey, path, actor=actor())
    except ContactFileError as error:
        flash(str(error), "error")
        return redirect(url_for(".contacts", slug=survey.slug), 303)
    finally:
        discard_upload(path)
    return render_template("manage/contacts_report.html", survey=survey, report=report, name=path.name,
                           dry_run=False)


@bp.post("/surveys/<slug>/contacts/erase")
@role_required(*STAFF)
def contacts_erase(slug: str):
    survey = survey_for_user(slug, current_user)
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(survey, erase_form=form, status=422)
    count = operations.erase_person(form.email.data, survey=survey, actor=actor())
    if count:
        flash(_("Erased %(count)s contact(s) with that address; their answers are kept anonymously.", count=count),
              "success")
    else:
        flash(_("No contact of this survey has that address; nothing was erased."), "error")
    return redirect(url_for(".contacts", slug=survey.slug), 303)
