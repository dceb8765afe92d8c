"""A questionnaire previewed exactly as a respondent sees it, with nothing stored.

The respondent's own parts do the work: :class:`~surveyapp.respond.journey.Journey` applies
the display logic, :func:`~surveyapp.respond.forms.read_page` and ``require_answers`` check
the answers, :class:`~surveyapp.respond.questions.QuestionBuilder` and the ``respond/``
templates draw the page. What a response would keep in the database (answers, the page,
the language, the drawn order) is kept in a file of the researcher's own instead (see
:mod:`.uploads`; a session cookie is too small for long open answers), one preview per
browser session, found through a token in the session.
"""

from __future__ import annotations

import json

from flask import g, redirect, render_template, request, session
from flask_babel import refresh
from flask_login import current_user

from ..questionnaire import Questionnaire, translate
from ..questionnaire.texts import render_text
from ..respond.journey import Journey, draw_order
from ..respond.page_post import post_page
from ..respond.questions import page_context
from .uploads import discard_upload, replace_upload, save_upload, upload_path

PREVIEW_KEY = "manage_preview"
PREVIEWS = "previews"


def attribute_values(questionnaire: Questionnaire, form) -> dict:
    """The attributes a preview pretends the respondent was invited with (``attr-<id>`` fields)."""
    values = {}
    for attribute in questionnaire.attributes.values():
        raw = (form.get(f"attr-{attribute.id}") or "").strip()[:200]
        if not raw:
            continue
        if attribute.type == "choice" and raw not in (attribute.values or ()):
            continue
        if attribute.type == "number":
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                continue
            values[attribute.id] = int(number) if number.is_integer() else number
        else:
            values[attribute.id] = raw
    return values


def start_preview(key: str, questionnaire: Questionnaire, language: str, attributes: dict) -> None:
    """A fresh preview of ``questionnaire`` in ``language`` (replaces any earlier one)."""
    if language not in questionnaire.languages:
        language = questionnaire.default_language
    previous = upload_path(PREVIEWS, current_user.id, session.get(PREVIEW_KEY) or "")
    if previous is not None:
        discard_upload(previous)
    state = {"key": key, "language": language, "attributes": attributes, "order": draw_order(questionnaire),
             "answers": {}, "other": {}, "page": None, "done": False}
    session[PREVIEW_KEY] = save_upload(PREVIEWS, current_user.id, "preview.json", _dump(state),
                                       default_name="preview.json")


def _dump(state: dict) -> bytes:
    return json.dumps(state, ensure_ascii=False).encode("utf-8")


def _load() -> tuple[dict | None, object]:
    path = upload_path(PREVIEWS, current_user.id, session.get(PREVIEW_KEY) or "")
    if path is None:
        return None, None
    try:
        return json.loads(path.read_text(encoding="utf-8")), path
    except (OSError, ValueError):
        return None, None


def run_preview(key: str, questionnaire: Questionnaire, *, back_url: str):
    """The current page of the preview ``key`` (GET), or the outcome of answering it (POST)."""
    state, path = _load()
    if not state or state.get("key") != key:
        return redirect(back_url, 303)
    _use_language(state["language"])
    journey = Journey(questionnaire, attributes=state["attributes"], order=state["order"])
    stored = dict(state["answers"])
    context = {"back_url": back_url}

    if state["done"]:
        if request.method == "POST":
            return redirect(request.path, 303)
        return _thank_you(journey, state, context)
    if request.method == "GET":
        page = journey.resume_page(state["page"], stored)
        if page is None:  # nothing to ask with these attributes
            _save(path, state, stored, state["other"], None, state["language"], done=True)
            return redirect(request.path, 303)
        return _render_page(journey, page, stored, state["language"], context, other_texts=state["other"])

    page = journey.page(request.form.get("page"), stored)
    if page is None:  # a stale tab
        return redirect(request.path, 303)
    post = post_page(journey, page, stored, request.form, state["language"])
    language = post.language
    if language != state["language"]:
        _use_language(language)
    # the file keeps every answer's "other" text: the earlier pages' and this page's new ones
    other = {key: text for key, text in {**state["other"], **post.posted.other_texts}.items()
             if key in post.merged and (key not in post.on_page_ids or key in post.posted.other_texts)}
    destination = post.destination(journey)
    if destination is not None:
        action, target = destination
        done = action == "next" and target is None
        _save(path, state, post.merged, other, target.id if target else page.id, language, done=done)
        return redirect(request.path, 303)

    _save(path, state, post.merged, other, page.id, language)
    if post.switching_language and not post.posted.errors:
        return redirect(request.path, 303)
    status = 422 if post.posted.errors else 200
    return _render_page(journey, page, post.merged, language, context, posted=post.posted, other_texts=other,
                        status=status)


def _use_language(language: str) -> None:
    # The whole page speaks the respondent's language, as on /s/<token> (see i18n.select_locale).
    g.language = language
    refresh()


def _save(path, state: dict, answers: dict, other: dict, page_id: str | None, language: str, *,
          done: bool = False) -> None:
    replace_upload(path, _dump({**state, "answers": answers, "other": other, "page": page_id,
                                "language": language, "done": done}))


def _render_page(journey: Journey, page, answers: dict, language: str, context: dict, *, posted=None,
                 other_texts: dict | None = None, status: int = 200):
    context_of_page = page_context(journey, page, answers, language, posted=posted, other_texts=other_texts)
    return render_template("manage/preview_page.html", **context_of_page, **context), status


def _thank_you(journey: Journey, state: dict, context: dict):
    questionnaire = journey.questionnaire
    language = state["language"]
    values = questionnaire.piping_values(state["answers"], state["attributes"], language)
    text = render_text(translate(questionnaire.thank_you, language, questionnaire.default_language), values)
    title = translate(questionnaire.title, language, questionnaire.default_language)
    return render_template("manage/preview_thank_you.html", survey_title=title, text=text,
                           page_language=language, **context)
