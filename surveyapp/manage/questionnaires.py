"""Questionnaires: upload a YAML file, see its problems beside the text, preview, publish.

The checks are ``surveyapp questionnaire validate``'s (:func:`validate_file`), publishing is
``surveyapp questionnaire publish``'s (:func:`publish_questionnaire`), on the uploaded file kept
as a draft (see :mod:`.uploads`) until it is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import role_required
from ..extensions import db
from ..models import QuestionnaireVersion, Survey
from ..questionnaire import Problem, Questionnaire, QuestionnaireError, compare_versions, content_hash
from ..questionnaire.loader import decode
from ..questionnaire.validation import MAX_FILE_SIZE, load_questionnaire, validate_file
from ..respond.journey import questionnaire_of
from ..security import accepts_upload
from ..surveys import latest_version, publish_questionnaire
from .blueprint import STAFF, bp
from .forms import PreviewForm, PublishForm, QuestionnaireTextForm, QuestionnaireUploadForm
from .preview import attribute_values, run_preview, start_preview
from .uploads import discard_upload, replace_upload, save_form_upload, upload_path

DRAFTS = "questionnaires"


# --- checking a draft ------------------------------------------------------------------------


@dataclass
class SourceLine:
    """One line of the file as shown: the character a problem points at is marked."""

    number: int
    before: str
    marked: str = ""
    after: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class DraftCheck:
    name: str
    lines: list[SourceLine]
    problems: list[Problem]
    #: problems that point at no line (the file as a whole)
    general: list[Problem]
    questionnaire: Questionnaire | None


_checked: dict[tuple, DraftCheck] = {}


def check_draft(path: Path) -> DraftCheck:
    """The file's problems, as ``questionnaire validate`` reports them, placed on its lines."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _checked.get(key)
    if cached is not None:
        return cached
    problems = validate_file(path)
    text, _failure = decode(path.read_bytes()) if stat.st_size <= MAX_FILE_SIZE else (None, None)
    questionnaire = None
    if not problems:
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as error:  # changed meanwhile
            problems = error.problems
    result = DraftCheck(path.name, source_lines(text, problems), problems,
                        [p for p in problems if p.line is None or text is None], questionnaire)
    if len(_checked) > 32:
        _checked.clear()
    _checked[key] = result
    return result


def source_lines(text: str | None, problems: list[Problem]) -> list[SourceLine]:
    if text is None:
        return []
    lines = [SourceLine(number, line) for number, line in enumerate(text.splitlines() or [""], start=1)]
    for problem in problems:
        if problem.line is None:
            continue
        line = lines[min(problem.line, len(lines)) - 1]
        if not line.problems:
            column = max((problem.column or 1) - 1, 0)
            text_ = line.before
            line.before, line.marked, line.after = text_[:column], text_[column:column + 1] or " ", text_[column + 1:]
        line.problems.append(problem)
    return lines


def _draft(token: str) -> Path:
    path = upload_path(DRAFTS, current_user.id, token)
    if path is None:
        abort(404)
    return path


# --- views -----------------------------------------------------------------------------------


@bp.route("/questionnaires", methods=["GET", "POST"])
@role_required(*STAFF)
@accepts_upload(MAX_FILE_SIZE)
def questionnaires():
    form = QuestionnaireUploadForm()
    if form.validate_on_submit():
        token = save_form_upload(form.file, DRAFTS, current_user.id, limit=MAX_FILE_SIZE,
                                 too_large=_("The file is too large for a questionnaire."),
                                 default_name="questionnaire.yaml")
        if token:
            return redirect(url_for(".draft", token=token), 303)
    versions = db.session.scalars(
        db.select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template("manage/questionnaires.html", form=form, versions=versions), status


@bp.get("/questionnaires/drafts/<token>")
@role_required(*STAFF)
def draft(token: str):
    path = _draft(token)
    return _draft_page(token, path)


def _draft_page(token: str, path: Path, *, upload_form=None, text_form=None, status: int = 200):
    check = check_draft(path)
    if text_form is None:
        text_form = QuestionnaireTextForm()
        text, _failure = decode(path.read_bytes())
        text_form.text.data = text or ""
    return render_template(
        "manage/draft.html", token=token, check=check,
        upload_form=upload_form or QuestionnaireUploadForm(), text_form=text_form,
        preview_form=_preview_form(check.questionnaire),
        preview_url=url_for(".draft_preview", token=token),
    ), status


@bp.post("/questionnaires/drafts/<token>/file")
@role_required(*STAFF)
def draft_file(token: str):
    """A corrected file uploaded in place of the draft."""
    path = _draft(token)
    form = QuestionnaireUploadForm()
    if not form.validate_on_submit():
        return _draft_page(token, path, upload_form=form, status=422)
    data = form.file.data.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        form.file.errors.append(_("The file is too large for a questionnaire."))
        return _draft_page(token, path, upload_form=form, status=422)
    replace_upload(path, data)
    return redirect(url_for(".draft", token=token), 303)


@bp.post("/questionnaires/drafts/<token>/text")
@role_required(*STAFF)
def draft_text(token: str):
    """The draft's text corrected in the browser."""
    path = _draft(token)
    form = QuestionnaireTextForm()
    if not form.validate_on_submit():
        return _draft_page(token, path, text_form=form, status=422)
    data = form.text.data.replace("\r\n", "\n").encode("utf-8")
    if len(data) > MAX_FILE_SIZE:
        form.text.errors.append(_("The file is too large for a questionnaire."))
        return _draft_page(token, path, text_form=form, status=422)
    replace_upload(path, data)
    return redirect(url_for(".draft", token=token), 303)


@bp.route("/questionnaires/drafts/<token>/publish", methods=["GET", "POST"])
@role_required(*STAFF)
def draft_publish(token: str):
    """The changes against the latest published version, then publishing once confirmed."""
    path = _draft(token)
    check = check_draft(path)
    if check.questionnaire is None:
        flash(_("Correct the problems before publishing."), "error")
        return redirect(url_for(".draft", token=token), 303)
    definition = check.questionnaire.to_dict()
    identical = db.session.scalar(db.select(QuestionnaireVersion).where(
        QuestionnaireVersion.key == check.questionnaire.id,
        QuestionnaireVersion.content_hash == content_hash(definition)))
    previous = latest_version(check.questionnaire.id)
    changes = compare_versions(previous.definition, definition) if previous else []
    breaking = [change for change in changes if change.breaking]
    form = PublishForm()
    status = 200
    if form.validate_on_submit():
        if breaking and not form.confirm.data:
            form.confirm.errors.append(_("Confirm that you want to publish changes that break comparability."))
            status = 422
        else:
            result = publish_questionnaire(path, user_id=current_user.id)
            discard_upload(path)
            version = result.version
            if result.created:
                flash(_("Published %(key)s version %(version)s.", key=version.key, version=version.version),
                      "success")
            else:
                flash(_("This text is identical to version %(version)s; nothing was published.",
                        version=version.version), "success")
            return redirect(url_for(".version", version_id=version.id), 303)
    return render_template("manage/publish.html", token=token, check=check, form=form, previous=previous,
                           identical=identical, changes=changes, breaking=breaking), status


@bp.get("/questionnaires/<int:version_id>")
@role_required(*STAFF)
def version(version_id: int):
    item = db.get_or_404(QuestionnaireVersion, version_id)
    surveys = db.session.scalars(db.select(Survey).where(Survey.questionnaire_version_id == item.id)
                                 .order_by(Survey.slug)).all()
    return render_template("manage/version.html", version=item, surveys=surveys,
                           lines=source_lines(item.source_text, []),
                           preview_form=_preview_form(questionnaire_of(item)),
                           preview_url=url_for(".version_preview", version_id=item.id))


# --- previews --------------------------------------------------------------------------------


def _preview_form(questionnaire: Questionnaire | None) -> PreviewForm | None:
    if questionnaire is None:
        return None
    form = PreviewForm()
    form.language.choices = [(code, code) for code in questionnaire.languages]
    form.attributes = [attribute for attribute in questionnaire.attributes.values()]
    return form


def _start(key: str, questionnaire: Questionnaire, page_url: str, back_url: str):
    form = _preview_form(questionnaire)
    if not form.validate_on_submit():
        flash(_("Choose a language for the preview."), "error")
        return redirect(back_url, 303)
    start_preview(key, questionnaire, form.language.data, attribute_values(questionnaire, request.form))
    return redirect(page_url, 303)


@bp.post("/questionnaires/drafts/<token>/preview")
@role_required(*STAFF)
def draft_preview(token: str):
    check = check_draft(_draft(token))
    if check.questionnaire is None:
        abort(404)
    return _start(f"draft:{token}", check.questionnaire, url_for(".draft_preview_page", token=token),
                  url_for(".draft", token=token))


@bp.route("/questionnaires/drafts/<token>/preview/page", methods=["GET", "POST"])
@role_required(*STAFF)
def draft_preview_page(token: str):
    check = check_draft(_draft(token))
    if check.questionnaire is None:
        return redirect(url_for(".draft", token=token), 303)
    return run_preview(f"draft:{token}", check.questionnaire, back_url=url_for(".draft", token=token))


@bp.post("/questionnaires/<int:version_id>/preview")
@role_required(*STAFF)
def version_preview(version_id: int):
    item = db.get_or_404(QuestionnaireVersion, version_id)
    return _start(f"version:{item.id}", questionnaire_of(item),
                  url_for(".version_preview_page", version_id=item.id), url_for(".version", version_id=item.id))


@bp.route("/questionnaires/<int:version_id>/preview/page", methods=["GET", "POST"])
@role_required(*STAFF)
def version_preview_page(version_id: int):
    item = db.get_or_404(QuestionnaireVersion, version_id)
    return run_preview(f"version:{item.id}", questionnaire_of(item),
                       back_url=url_for(".version", version_id=item.id))
