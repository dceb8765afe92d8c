"""Closing the loop: an alert mail for every detractor's completed response.

A survey with an alert address (``surveyapp survey create|update --alert-to ADDRESS``) gets
one mail per completed response whose recommendation answer is 0-6, so that someone calls
the customer back. The mail is queued in the outbox in the same transaction that completes
the response (:func:`queue_detractor_alert` is called by
:func:`surveyapp.respond.operations.complete_response`), so it exists exactly when the
completion does; a unique constraint on (response, kind) keeps it to one. It is sent by
``surveyapp mail send`` like every other mail and rendered at sending time with the answers
and the contact, in the alert recipient's language (the questionnaire's default language).
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..models import OutboxMail, Response, Survey
from ..questionnaire import translate
from ..questionnaire.model import DONT_KNOW

log = logging.getLogger(__name__)

KIND = "alert"
#: Recommendation answers (0-10) at or below this make a detractor (Reichheld 2003).
DETRACTOR_MAX = 6


def recommendation(response: Response, questionnaire) -> float | None:
    """The response's answer to the questionnaire's NPS question, or None."""
    item = next((item.id for item in questionnaire.items() if item.type == "nps"), None)
    if item is None:
        return None
    answer = next((a for a in response.answers if a.item_id == item), None)
    if answer is None or answer.value == DONT_KNOW or answer.number is None:
        return None
    return answer.number


def queue_detractor_alert(response: Response) -> OutboxMail | None:
    """Add (not commit) the alert mail for ``response`` if it is a detractor's and the survey wants alerts."""
    from .operations import _new_message_id

    survey = db.session.get(Survey, response.survey_id)
    if survey is None or not survey.alert_to:
        return None
    score = recommendation(response, response.questionnaire_version.questionnaire())
    if score is None or score > DETRACTOR_MAX:
        return None
    mail = OutboxMail(response_id=response.id, kind=KIND, reminder_number=0, state="queued",
                      message_id=_new_message_id())
    db.session.add(mail)
    log.info("detractor alert queued for response %s of survey %s", response.id, survey.slug)
    return mail


def alert_cancel_reason(mail: OutboxMail) -> str | None:
    response = mail.response
    if response is None:
        return "response erased"
    survey = db.session.get(Survey, response.survey_id)
    if not survey.alert_to:
        return "alert address removed"
    return None


def alert_recipient(mail: OutboxMail) -> str:
    return db.session.get(Survey, mail.response.survey_id).alert_to


def compose_alert(mail: OutboxMail) -> dict:
    """What the alert says: the survey, wave, contact, and every answer with its question."""
    from .mails import survey_title

    response = mail.response
    survey = db.session.get(Survey, response.survey_id)
    questionnaire = response.questionnaire_version.questionnaire()
    language = questionnaire.default_language
    invitation = response.invitation
    contact = invitation.contact if invitation is not None else None
    answers = {a.item_id: a for a in response.answers}
    with force_locale(language):
        rows = []
        for item in questionnaire.items():
            answer = answers.get(item.id)
            if answer is None:
                continue
            rows.append((translate(item.text, language, questionnaire.default_language),
                         _answer_text(item, answer, language, questionnaire.default_language)))
        score = recommendation(response, questionnaire)
        context = {
            "language": language,
            "subject": _("Detractor alert: %(survey)s – recommendation %(score)s",
                         survey=survey_title(survey, language), score=f"{score:g}"),
            "survey": survey_title(survey, language),
            "wave": response.wave.name,
            "completed_at": response.completed_at,
            "contact_name": (contact.name if contact else None) or (response.attributes or {}).get("name"),
            "contact_email": contact.email if contact else None,
            "crm_id": (contact.crm_id if contact else None) or (response.attributes or {}).get("crm_id"),
            "respondent_language": response.language,
            "rows": rows,
        }
        context["text"] = render_template("invitations/emails/alert.txt", **context)
    return context


def _answer_text(item, answer, language, default_language) -> str:
    value = answer.value
    if value == DONT_KNOW:
        return _("Don't know")
    if item.options is not None:
        chosen = value if isinstance(value, list) else [value]
        labels = []
        for one in chosen:
            option = item.option(one)
            labels.append(translate(option.label, language, default_language) if option else str(one))
        text = ", ".join(labels)
    else:
        text = f"{value:g}" if isinstance(value, float) else str(value)
    if answer.other_text:
        text += f" ({answer.other_text})"
    return text


def build_alert_message(mail: OutboxMail) -> EmailMessage:
    content = compose_alert(mail)
    message = EmailMessage()
    message["Subject"] = content["subject"]
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = alert_recipient(mail)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    message.set_content(content["text"])
    message["Content-Language"] = content["language"]
    return message
