"""What respondents see: the personal link ``/s/<token>`` and the open link ``/o/<open_token>``.

Views are thin: find who is answering, refuse friendly when the link cannot be used, and
hand the page's form to :mod:`.operations`. One URL per link: the page a respondent is on
lives in ``Response.current_page``, so the same link resumes on any device.
"""

from __future__ import annotations

import functools
import secrets

from flask import Blueprint, abort, g, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_babel import refresh

from ..extensions import csrf
from ..models import Invitation, Response, Wave
from ..models.base import utcnow
from ..questionnaire import translate
from ..questionnaire.texts import render_text
from ..throttle import failed_lookup
from .journey import Journey, draw_order, questionnaire_of
from .loading import (
    StoredAnswers,
    answers_of,
    invitation_for_answering,
    response_for_session,
    survey_for_answering,
)
from .operations import (
    ResponseLocked,
    complete_response,
    record_opened,
    save_answers,
    start_response,
    store_unsaved,
    unsaved_response,
)
from .page_post import post_page
from .questions import page_context

bp = Blueprint("respond", __name__, template_folder="templates")

# CSRF is checked in the views, after the respondent's language is known, so that even
# the "form expired" page speaks it. Every POST handler below calls csrf.protect().
csrf.exempt(bp)

#: Responses completed in this browser session: they may still see their thank-you page.
COMPLETED_KEY = "respond_completed"
#: Open-link responses of this browser session, by survey id.
OPEN_KEYS = "respond_open"
#: The language an open-link visitor was first shown, until their response is stored.
OPEN_LANGUAGES = "respond_open_language"


def _unknown_link():
    # Only look-ups of tokens that do not exist count (see surveyapp.throttle): guessing links
    # is what the limit is for, while a respondent's own link always opens.
    if failed_lookup():
        abort(429)
    return _refusal("unknown")


@bp.after_request
def no_store(response):
    # Pages hold personal answers: keep them out of shared caches and the browser's history.
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the two kinds of link -------------------------------------------------------------------------


@bp.route("/s/<token>", methods=["GET", "POST"])
def personal(token: str):
    """A contact's personal, single-use link."""
    found = invitation_for_answering(token)
    if found is None:
        return _unknown_link()
    invitation, stored = found
    response = invitation.response
    _use_language(response.language if response else invitation.language)
    if request.method == "POST":
        csrf.protect()
    elif request.method == "GET":  # a HEAD (link checkers) is not an opening
        record_opened(invitation)
    if response is not None and response.completed:
        return _after_completion(response, stored)
    reason = _wave_refusal(invitation.wave)
    if reason is None and invitation.expires_at is not None and invitation.expires_at <= utcnow():
        reason = "expired"
    if reason is not None:
        return _refusal(reason)
    if response is None:
        # Opening a link is not answering it (a mail scanner opens every link): the response
        # is stored with the first answer; until then the page is shown from an unsaved one.
        response = _start(invitation.wave, invitation=invitation, language=invitation.language,
                          save=request.method == "POST")
        stored = answers_of(response)  # none, unless another request stored the response just now
        if response.completed:
            return _after_completion(response, stored)
    return _answer(response, stored, _personal_values(invitation))


@bp.route("/o/<open_token>", methods=["GET", "POST"])
def open_link(open_token: str):
    """A survey's anonymous link: one response per browser session."""
    survey = survey_for_answering(open_token)
    if survey is None:
        return _unknown_link()
    key = session.get(OPEN_KEYS, {}).get(str(survey.id))
    found = response_for_session(key) if key else None
    response, stored = found or (None, StoredAnswers())
    if response is not None:
        _use_language(response.language)
    else:
        languages = questionnaire_of(survey.questionnaire_version).languages
        chosen = session.get(OPEN_LANGUAGES, {}).get(str(survey.id)) if key else None
        _use_language(chosen if chosen in languages else
                      request.accept_languages.best_match(languages) or languages[0])
    if request.method == "POST":
        csrf.protect()
    if response is not None and response.completed:
        return _after_completion(response, stored)
    wave = response.wave if response is not None else survey.current_wave()
    reason = _wave_refusal(wave) if wave is not None else "closed"
    if reason is not None:
        return _refusal(reason)
    if response is None:
        if key is None:
            key = secrets.token_urlsafe(32)
            session[OPEN_KEYS] = {**session.get(OPEN_KEYS, {}), str(survey.id): key}
            # The language of the first visit holds until the response is stored with it.
            session[OPEN_LANGUAGES] = {**session.get(OPEN_LANGUAGES, {}), str(survey.id): g.language}
            if request.method == "POST":  # the session was lost: show the first page afresh
                return redirect(request.path, 303)
        # As for personal links: stored with the first answer, not on a visit.
        response = _start(wave, session_key=key, language=g.language, save=request.method == "POST")
        stored = answers_of(response)
    return _answer(response, stored, {})


# --- who is answering ------------------------------------------------------------------------------


def _use_language(language: str | None) -> None:
    """Speak ``language`` on this page: flask_babel's locale selector reads ``g.language``."""
    g.language = language
    refresh()


def _personal_values(invitation: Invitation) -> dict:
    """Values only the personal link has, used for piping but never stored with the answers."""
    contact = invitation.contact
    return {"name": contact.name} if contact is not None and contact.name else {}


def _start(wave: Wave, *, language: str, invitation: Invitation | None = None,
           session_key: str | None = None, save: bool = True) -> Response:
    """The respondent's new response: stored (``save``), or unsaved, only to show the first page.

    The order of shuffled items is drawn from a seed fixed by the link (see :func:`draw_order`),
    so the unsaved response shows the order that the stored one will keep.
    """
    survey = wave.survey
    questionnaire = questionnaire_of(survey.questionnaire_version)
    if language not in questionnaire.languages:
        language = questionnaire.default_language
    contact = invitation.contact if invitation is not None else None
    fields = dict(
        survey=survey,
        wave=wave,
        language=language,
        attributes=dict(contact.attributes or {}) if contact is not None else {},
        randomization=draw_order(questionnaire, invitation.token_hash if invitation else session_key),
        invitation=invitation,
        session_key=session_key,
    )
    response = start_response(**fields) if save else unsaved_response(**fields)
    _use_language(response.language)
    return response


def _wave_refusal(wave: Wave) -> str | None:
    now = utcnow()
    if wave.opens_at > now:
        return "not_open"
    if not wave.is_open(now):
        return "closed"
    return None


def _refusal(reason: str):
    """A friendly page saying why this link cannot be used (404 unknown, else 410)."""
    texts = {
        "unknown": (_("This link does not work"),
                    _("Please check that you used the complete link from your invitation.")),
        "used": (_("You have already taken part"),
                 _("Your answers have been received. Each link can be used once. Thank you!")),
        "closed": (_("This survey is closed"),
                   _("Answers can no longer be given. Thank you for your interest.")),
        "not_open": (_("This survey has not started yet"),
                     _("Please come back later using the same link.")),
        "expired": (_("This link has expired"),
                    _("The period for answering with this link has ended. Thank you for your interest.")),
    }
    title, message = texts[reason]
    status = 404 if reason == "unknown" else 410
    return render_template("respond/refusal.html", title=title, message=message, reason=reason), status


def _after_completion(response: Response, stored: StoredAnswers):
    """The thank-you page right after completing (in the same browser), else "already used"."""
    if response.id not in session.get(COMPLETED_KEY, []):
        return _refusal("used")
    if request.method == "POST":
        return redirect(request.path, 303)
    questionnaire = questionnaire_of(response.questionnaire_version)
    values = questionnaire.piping_values(stored.values, _attributes(response),
                                         response.language)
    text = render_text(translate(questionnaire.thank_you, response.language, questionnaire.default_language),
                       values)
    title = translate(questionnaire.title, response.language, questionnaire.default_language)
    return render_template("respond/thank_you.html", survey_title=title, text=text,
                           page_language=response.language)


def _remember_completed(response: Response) -> None:
    completed = [rid for rid in session.get(COMPLETED_KEY, []) if rid != response.id]
    session[COMPLETED_KEY] = [*completed[-19:], response.id]


def _attributes(response: Response) -> dict:
    values = dict(response.attributes or {})
    if response.invitation is not None:
        values.update(_personal_values(response.invitation))
    return values


# --- answering a page ------------------------------------------------------------------------------


def _answer(response: Response, stored_answers: StoredAnswers, personal: dict):
    questionnaire = questionnaire_of(response.questionnaire_version)
    journey = Journey(questionnaire, attributes={**(response.attributes or {}), **personal},
                      order=response.randomization)
    stored = stored_answers.values
    other_texts = stored_answers.other_texts
    language = response.language

    if request.method in ("GET", "HEAD"):
        page = journey.resume_page(response.current_page, stored)
        if page is None:  # nothing to ask this respondent
            if response.id is None:
                response = store_unsaved(response)
            complete_response(response)
            _remember_completed(response)
            return redirect(request.path, 303)
        return _render_page(journey, page, stored, language, other_texts=other_texts)

    page = journey.page(request.form.get("page"), stored)
    if page is None:  # a stale tab, or a page the logic no longer shows
        return redirect(request.path, 303)
    post = post_page(journey, page, stored, request.form, language)
    if post.language != language:
        language = post.language
        _use_language(language)
    answers, clear, other = post.page_answers, post.clear, post.page_other_texts
    destination = post.destination(journey)
    if destination is not None:
        action, target = destination
        if action == "next" and target is None:
            # False when another request completed it a moment ago: that one's answers stand.
            complete_response(response, answers, clear=clear, other_texts=other, timed_page=page.id)
            _remember_completed(response)
            return redirect(request.path, 303)
        return _save_and_go(response, answers, clear, other, target.id, language, page.id)

    try:
        save_answers(response, answers, clear=clear, other_texts=other, current_page=page.id,
                     language=language, timed_page=page.id)
    except ResponseLocked:
        return redirect(request.path, 303)
    if post.switching_language and not post.posted.errors:
        return redirect(request.path, 303)
    status = 422 if post.posted.errors else 200
    return _render_page(journey, page, post.merged, language, posted=post.posted, other_texts=other, status=status)


def _save_and_go(response, answers, clear, other_texts, page_id, language, timed_page=None):
    try:
        save_answers(response, answers, clear=clear, other_texts=other_texts, current_page=page_id,
                     language=language, timed_page=timed_page)
    except ResponseLocked:
        pass  # completed meanwhile; the redirect shows what applies
    return redirect(request.path, 303)


def _render_page(journey: Journey, page, answers: dict, language: str, *, posted=None,
                 other_texts: dict | None = None, status: int = 200):
    context_of_page = page_context(journey, page, answers, language, posted=posted, other_texts=other_texts)
    return render_template("respond/page.html", **context_of_page), status


# --- template helpers --------------------------------------------------------------------------------


@bp.app_template_filter("paragraphs")
def paragraphs(text: str) -> list[str]:
    """A plain text split at blank lines (each paragraph is escaped by the template)."""
    return [part.strip() for part in (text or "").replace("\r\n", "\n").split("\n\n") if part.strip()]


@bp.app_template_filter("language_name")
@functools.lru_cache(maxsize=256)  # Babel takes ~0.2 ms a name; the codes are a questionnaire's few languages
def language_name(code: str) -> str:
    """A language's name in that language itself (a Dutch reader looks for "Nederlands")."""
    from babel import Locale

    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]
