"""Passwords: the strength rule, changing one, and reset by an emailed single-use link.

Every change of a password ends all sessions of that user (see
:meth:`surveyapp.models.User.end_sessions`): a stolen cookie stops working the moment its
owner changes or resets the password.

A reset link carries 256 random bits; the database keeps only their SHA-256, the link
works once and for :data:`RESET_VALID_MINUTES`, and asking for one never tells whether an
address has an account.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from importlib import resources

from flask import current_app
from flask_babel import gettext as _

from .extensions import db
from .models import PasswordReset, User
from .models.base import utcnow
from .tokens import token_hash

log = logging.getLogger(__name__)

MIN_LENGTH = 10
MAX_LENGTH = 200
RESET_VALID_MINUTES = 60


class WeakPasswordError(ValueError):
    """The password breaks the rule; the message says how (in the reader's language)."""


class ResetLinkError(ValueError):
    """The reset link is unknown, used already, or expired."""


@cache
def common_passwords() -> frozenset[str]:
    """The list shipped in ``surveyapp/data/common-passwords.txt``, lower-case."""
    text = resources.files("surveyapp").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why ``password`` may not be used, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)d characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)d characters.", count=MAX_LENGTH)
    lowered = password.strip().lower()
    bare = re.sub(r"[\d\W_]+$", "", lowered)  # "Welkom2024!" is still "welkom"
    compact = re.sub(r"[\s\W_]+", "", lowered)
    listed = common_passwords()
    if lowered in listed or bare in listed or compact in listed or len(set(lowered)) < 4:
        return _("This password is too common or too easy to guess. Choose another one.")
    if email and (lowered == email.strip().lower() or lowered == email.strip().lower().split("@")[0]):
        return _("Do not use your email address as your password.")
    return None


def check_password_strength(password: str, *, email: str | None = None) -> None:
    """Raise :class:`WeakPasswordError` when ``password`` breaks the rule."""
    problem = password_problem(password, email=email)
    if problem:
        raise WeakPasswordError(problem)


def change_password(user: User, new_password: str) -> None:
    """Set a new password (checked), end all of the user's sessions and unused reset links."""
    check_password_strength(new_password, email=user.email)
    user.set_password(new_password)
    user.end_sessions()
    db.session.execute(
        db.update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow()))
    db.session.commit()
    log.info("password of %s changed; other sessions ended", user.email)


def end_sessions(user: User) -> None:
    """Sign ``user`` out everywhere (logout, deactivation)."""
    user.end_sessions()
    db.session.commit()


# --- reset by mail ----------------------------------------------------------------------------


def create_reset_token(user: User) -> str:
    """A new single-use reset token for ``user``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token),
                                 expires_at=utcnow() + timedelta(minutes=RESET_VALID_MINUTES)))
    db.session.commit()
    return token


def request_password_reset(email: str, link_for) -> bool:
    """Mail a reset link to ``email`` if it belongs to an active account.

    ``link_for(token)`` makes the absolute URL. Returns whether a mail was sent; callers
    must not show that to the visitor (it would tell who has an account).
    """
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        log.info("password reset asked for unknown or inactive address")
        return False
    token = create_reset_token(user)
    send_mail(reset_message(user, link_for(token)), user.email)
    log.info("password reset link mailed to %s", user.email)
    return True


def reset_for_token(token: str) -> PasswordReset | None:
    """The unused, unexpired reset behind ``token``, or None."""
    reset = db.session.scalar(db.select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.user.active:
        return None
    return reset


def reset_password(token: str, new_password: str) -> User:
    """Use the reset link ``token`` once to set a new password; ends every session of the user."""
    reset = reset_for_token(token)
    if reset is None:
        raise ResetLinkError(token)
    user = reset.user
    check_password_strength(new_password, email=user.email)
    # Claim the link in one statement: two tabs submitting at once cannot both use it.
    claimed = db.session.execute(
        db.update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    if not claimed:
        db.session.rollback()
        raise ResetLinkError(token)
    change_password(user, new_password)
    return user


def reset_message(user: User, link: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = _("Reset your surveyapp password")
    message["From"] = config["MAIL_FROM"]
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rsplit("@", 1)[-1].strip(" >") or None)
    message.set_content("\n\n".join([
        _("Someone, probably you, asked to reset the password of your surveyapp account %(email)s.",
          email=user.email),
        _("Choose a new password here (the link works once, for %(minutes)d minutes):",
          minutes=RESET_VALID_MINUTES) + "\n" + link,
        _("If you did not ask for this, ignore this mail: your password stays as it is."),
    ]) + "\n")
    return message


def send_mail(message: EmailMessage, recipient: str) -> None:
    """Send one mail now, with the outbox's SMTP settings (or into MAIL_DIR without SMTP_HOST)."""
    from pathlib import Path

    from .invitations.mailer import SmtpTransport

    config = current_app.config
    if not config.get("SMTP_HOST"):
        directory = Path(config["MAIL_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"account-{secrets.token_hex(6)}.eml").write_bytes(message.as_bytes())
        return
    transport = SmtpTransport(config)
    try:
        transport.ensure_connected()
        transport.smtp.send_message(message, from_addr=transport.envelope_from, to_addrs=[recipient])
    finally:
        transport.close()
