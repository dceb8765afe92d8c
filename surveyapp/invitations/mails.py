"""Invitation and reminder mails, rendered at sending time in the contact's language.

The outbox stores no body: the personal link is re-derived from the invitation's nonce
when the mail is built, so the database never holds a working link.

A survey may override subject and body per kind and language in ``Survey.mail_texts``::

    {"invitation": {"nl": {"subject": "...", "body": "..."}, "en": {...}},
     "reminder":   {"nl": {...}}}

The body is plain text; blank lines separate paragraphs and ``{name}``, ``{survey}`` and
``{deadline}`` are filled in. Greeting, link, signature and opt-out footer are always
added, so an override can never drop the personal link or the opt-out.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from ..models import OutboxMail
from .links import invitation_link
from .unsubscribe import unsubscribe_link

PLACEHOLDER = re.compile(r"\{(name|survey|deadline)\}")


def survey_title(survey, language: str) -> str:
    """The questionnaire's title in ``language`` when it has one, else the survey's title."""
    version = survey.questionnaire_version
    title = (version.definition or {}).get("title") if version is not None else None
    if isinstance(title, dict) and title.get(language):
        return str(title[language])
    return survey.title


def _default_texts(kind: str, values: dict) -> tuple[str, list[str]]:
    """Subject and paragraphs, in the forced locale."""
    if kind == "reminder":
        subject = _("Reminder: we would still like to hear your opinion – %(survey)s", survey=values["survey"])
        paragraphs = [
            _("A little while ago we invited you to take part in our survey “%(survey)s”. "
              "We would still very much like to hear your opinion.", survey=values["survey"]),
            _("Answering the questions takes only a few minutes."),
        ]
    else:
        subject = _("We would like to hear your opinion – %(survey)s", survey=values["survey"])
        paragraphs = [
            _("We would like to hear how you experience our products and services."),
            _("Answering the questions takes only a few minutes."),
        ]
    if values["deadline"]:
        paragraphs.append(_("You can answer the questions until %(date)s.", date=values["deadline"]))
    return subject, paragraphs


def _fill(text: str, values: dict) -> str:
    return PLACEHOLDER.sub(lambda m: values[m.group(1)] or "", text)


def compose(mail: OutboxMail) -> dict:
    """Everything the mail says, in the invitation's language (a dict for the templates)."""
    invitation = mail.invitation
    contact = invitation.contact
    wave = invitation.wave
    survey = wave.survey
    language = invitation.language
    with force_locale(language):
        deadline = None
        if wave.closes_at is not None:
            # closes_at is the first moment the wave is closed: the last day is the one before.
            deadline = format_date((wave.closes_at - timedelta(microseconds=1)).date(), "long")
        values = {"name": contact.name or "", "survey": survey_title(survey, language), "deadline": deadline}
        subject, paragraphs = _default_texts(mail.kind, values)
        override = ((survey.mail_texts or {}).get(mail.kind) or {}).get(language) or {}
        if override.get("subject"):
            subject = _fill(override["subject"], values)
        if override.get("body"):
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", _fill(override["body"], values)) if p.strip()]
        sender_name = parseaddr(current_app.config["MAIL_FROM"])[0]
        context = {
            "language": language,
            "subject": subject,
            "greeting": _("Dear %(name)s,", name=contact.name) if contact.name else _("Dear customer,"),
            "paragraphs": paragraphs,
            "link": invitation_link(invitation),
            "unsubscribe_link": unsubscribe_link(contact.id),
            "sender_name": sender_name,
        }
        context["text"] = render_template("invitations/emails/invitation.txt", **context)
        context["html"] = render_template("invitations/emails/invitation.html", **context)
    return context


def build_message(mail: OutboxMail) -> EmailMessage:
    """The complete mail for outbox row ``mail``: text and HTML parts, opt-out headers, fixed Message-ID."""
    contact = mail.invitation.contact
    content = compose(mail)
    message = EmailMessage()
    message["Subject"] = content["subject"]
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((contact.name or "", contact.email))
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs here.
    message["List-Unsubscribe"] = f"<{content['unsubscribe_link']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(content["text"])
    message.add_alternative(content["html"], subtype="html")
    message["Content-Language"] = content["language"]  # after the body: set_content drops Content-* headers
    return message
