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

import binascii
import json
import random
import re
import secrets
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, formatdate, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from markupsafe import escape

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
    return _compose(mail.kind, invitation.wave, invitation.language, name=contact.name,
                    link=invitation_link(invitation), unsubscribe=unsubscribe_link(contact.id))


def _compose(kind: str, wave, language: str, *, name: str | None, link: str, unsubscribe: str) -> dict:
    survey = wave.survey
    with force_locale(language):
        deadline = None
        if wave.closes_at is not None:
            # closes_at is the first moment the wave is closed: the last day is the one before.
            deadline = format_date((wave.closes_at - timedelta(microseconds=1)).date(), "long")
        values = {"name": name or "", "survey": survey_title(survey, language), "deadline": deadline}
        subject, paragraphs = _default_texts(kind, values)
        override = _override(survey, kind, language)
        if override.get("subject"):
            subject = _fill(override["subject"], values)
        if override.get("body"):
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", _fill(override["body"], values)) if p.strip()]
        sender_name = parseaddr(current_app.config["MAIL_FROM"])[0]
        context = {
            "language": language,
            "subject": subject,
            "greeting": _("Dear %(name)s,", name=name) if name else _("Dear customer,"),
            "paragraphs": paragraphs,
            "link": link,
            "unsubscribe_link": unsubscribe,
            "sender_name": sender_name,
        }
        context["text"] = render_template("invitations/emails/invitation.txt", **context)
        context["html"] = render_template("invitations/emails/invitation.html", **context)
    return context


def _override(survey, kind: str, language: str) -> dict:
    return ((survey.mail_texts or {}).get(kind) or {}).get(language) or {}


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


# --- many mails in one run -----------------------------------------------------------------------

CRLF = b"\r\n"
#: RFC 5322's recommended line length, and the longest line a part is sent unencoded with
#: (as :mod:`email` decides).
LINE_LENGTH = 78


class InvitationMails:
    """The invitation and reminder mails of one sending run, as the bytes handed to SMTP.

    :func:`build_message` renders two templates and builds an ``EmailMessage`` per mail, about
    5 ms of CPU. Here the templates are rendered once per *skeleton* -- kind, language, the
    survey's title and texts, the deadline, whether the contact has a name -- with markers in
    the places of the contact's name, personal link and opt-out link. A mail fills the markers
    with its values (in the HTML part HTML-escaped, which is what autoescaping does to the
    whole greeting or paragraph around them) and its MIME bytes are put together directly:
    headers folded and RFC 2047-encoded by :mod:`email`'s SMTP policy where they need it, the
    parts 7bit or quoted-printable. What arrives equals :func:`build_message`'s mail (the tests
    compare them). Mails the shortcut could build differently are built by
    :func:`build_message`: a name with a line break or surrounding spaces (a survey's own
    texts split paragraphs on blank lines), an address that is not ASCII (SMTPUTF8).
    """

    def __init__(self):
        config = current_app.config
        self.fast = parseaddr(config["MAIL_FROM"])[1].isascii()
        self.from_header = _header("From", config["MAIL_FROM"])
        # Markers no survey text or translation contains: random, and control characters.
        token = secrets.token_hex(8)
        self.markers = tuple(f"\x00{token}{slot}\x00" for slot in ("name", "link", "unsubscribe"))
        self._skeletons: dict[tuple, _Skeleton] = {}
        self._languages: dict[str, bytes] = {}

    def build(self, mail: OutboxMail) -> bytes | EmailMessage:
        """The complete mail for outbox row ``mail``: bytes with CRLF line ends, or an EmailMessage."""
        invitation = mail.invitation
        contact = invitation.contact
        name = contact.name or ""
        if not (self.fast and contact.email.isascii()) or (name and not _plain_name(name)):
            return build_message(mail)
        skeleton = self._skeleton(mail.kind, invitation.wave, invitation.language, bool(name))
        link = invitation_link(invitation)
        unsubscribe = unsubscribe_link(contact.id)
        text = skeleton.text.fill((name, link, unsubscribe))
        html = skeleton.html.fill((str(escape(name)), str(escape(link)), str(escape(unsubscribe))))
        subject = skeleton.subject_header or _header("Subject", skeleton.subject.fill((name, link, unsubscribe)))
        parts = (_text_part(b"plain", text), _text_part(b"html", html))
        boundary = _boundary(parts)
        language = self._languages.get(skeleton.language)
        if language is None:
            language = self._languages[skeleton.language] = _header("Content-Language", skeleton.language)
        return b"".join((
            subject,
            self.from_header,
            _address_header("To", name, contact.email),
            b"Date: ", format_datetime(datetime.now(UTC)).encode(), CRLF,
            _plain_header("Message-ID", mail.message_id),
            # RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs here.
            _plain_header("List-Unsubscribe", f"<{unsubscribe}>"),
            b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
            b"MIME-Version: 1.0\r\n",
            b'Content-Type: multipart/alternative;\r\n boundary="', boundary, b'"\r\n',
            language,
            CRLF,
            b"--", boundary, CRLF, parts[0], CRLF,
            b"--", boundary, CRLF, parts[1], CRLF,
            b"--", boundary, b"--", CRLF,
        ))

    def _skeleton(self, kind: str, wave, language: str, has_name: bool) -> _Skeleton:
        survey = wave.survey
        # Everything the rendered texts depend on (the app's settings stay fixed during a run).
        key = (kind, language, has_name, survey_title(survey, language), wave.closes_at,
               json.dumps(_override(survey, kind, language), sort_keys=True, default=str))
        skeleton = self._skeletons.get(key)
        if skeleton is None:
            name, link, unsubscribe = self.markers
            content = _compose(kind, wave, language, name=name if has_name else None, link=link,
                               unsubscribe=unsubscribe)
            skeleton = self._skeletons[key] = _Skeleton(content, self.markers)
        return skeleton


class _Template:
    """Text split at the markers: literal pieces and the numbers of the values between them."""

    def __init__(self, text: str, markers: tuple[str, ...]):
        pieces = re.split("(" + "|".join(map(re.escape, markers)) + ")", text)
        self.pieces = tuple(markers.index(piece) if i % 2 else piece for i, piece in enumerate(pieces))
        self.has_values = len(self.pieces) > 1

    def fill(self, values: tuple[str, ...]) -> str:
        if not self.has_values:
            return self.pieces[0]
        return "".join(values[piece] if type(piece) is int else piece for piece in self.pieces)


class _Skeleton:
    def __init__(self, content: dict, markers: tuple[str, ...]):
        self.language = content["language"]
        self.subject = _Template(content["subject"], markers)
        self.subject_header = None if self.subject.has_values else _header("Subject", content["subject"])
        self.text = _Template(content["text"], markers)
        self.html = _Template(content["html"], markers)


def _plain_name(name: str) -> bool:
    """Whether the name reads the same wherever a survey's own texts put it (see InvitationMails)."""
    return name == name.strip() and "\n" not in name and "\r" not in name


def _header(name: str, value: str) -> bytes:
    """``Name: value`` CRLF, folded and encoded as EmailMessage does when it is sent."""
    return SMTP.fold_binary(name, SMTP.header_store_parse(name, value)[1])


def _plain_header(name: str, value: str) -> bytes:
    """A header whose value is printable ASCII as it stands (a URL, a Message-ID): folded, not parsed."""
    if not (value.isascii() and value.isprintable() and len(value) < 990):
        return _header(name, value)
    if len(name) + 2 + len(value) <= LINE_LENGTH:
        return f"{name}: {value}\r\n".encode()
    return f"{name}:\r\n {value}\r\n".encode()


def _address_header(name: str, display_name: str, address: str) -> bytes:
    value = formataddr((display_name, address))
    if (display_name.isascii() and display_name.isprintable() and "=?" not in display_name
            and len(name) + 2 + len(value) <= LINE_LENGTH):
        return f"{name}: {value}\r\n".encode()
    return _header(name, value)


def _text_part(subtype: bytes, text: str) -> bytes:
    """A text/* part in UTF-8: 7bit when it is ASCII in short lines, else quoted-printable."""
    data = text.encode()
    lines = data.splitlines()
    body = CRLF.join(lines) + CRLF
    head = b"Content-Type: text/" + subtype + b'; charset="utf-8"\r\nContent-Transfer-Encoding: '
    if data.isascii() and max(map(len, lines), default=0) <= LINE_LENGTH:
        return head + b"7bit\r\n\r\n" + body
    return head + b"quoted-printable\r\n\r\n" + binascii.b2a_qp(body, istext=True)


def _boundary(parts: tuple[bytes, ...]) -> bytes:
    """A multipart boundary in :mod:`email`'s form that no part contains."""
    while True:
        boundary = b"=" * 15 + b"%019d" % random.randrange(sys.maxsize) + b"=="
        if not any(boundary in part for part in parts):
            return boundary
