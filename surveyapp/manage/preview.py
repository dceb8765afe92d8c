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
from ..respond.forms import read_page, require_answers
from ..respond.journey import Journey, draw_order
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
    shown = {item.id for item in journey.answer_items(page, stored)}
    on_page_ids = {answer.id for item in page.items for answer in (item.rows or (item,))}
    on_page = [answer for item in page.items for answer in (item.rows or (item,))]
    language = state["language"]
    switch_to = request.form.get("language")
    if switch_to in questionnaire.languages and switch_to != language:
        language = switch_to
        _use_language(language)
    posted = read_page(on_page, request.form)
    merged = {key_: value for key_, value in stored.items() if key_ not in on_page_ids} | posted.answers
    merged, _hidden = journey.without_hidden(merged)
    visible = journey.answer_items(page, merged)
    visible_ids = {item.id for item in visible}
    other = {key_: text for key_, text in {**state["other"], **posted.other_texts}.items()
             if key_ in merged and (key_ not in on_page_ids or key_ in posted.other_texts)}
    posted.errors = {key_: message for key_, message in posted.errors.items() if key_ in visible_ids}

    action = request.form.get("action")
    if switch_to is None and action == "next":
        require_answers(visible, posted)
        revealed = visible_ids - shown  # questions this page's answers just brought up
        for item_id in revealed:
            posted.errors.pop(item_id, None)
        if not posted.errors and not revealed:
            following = journey.next_page(page, merged)
            _save(path, state, merged, other, following.id if following else page.id, language,
                  done=following is None)
            return redirect(request.path, 303)
    elif switch_to is None and action == "back":
        previous = journey.previous_page(page, merged)
        _save(path, state, merged, other, previous.id if previous else page.id, language)
        return redirect(request.path, 303)

    _save(path, state, merged, other, page.id, language)
    if switch_to is not None and not posted.errors:
        return redirect(request.path, 303)
    status = 422 if posted.errors else 200
    return _render_page(journey, page, merged, language, context, posted=posted, other_texts=other, status=status)


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
