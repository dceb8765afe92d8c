"""Opt-out links and the suppression hash: the one place that signs and reads them.

An unsubscribe token is the contact id signed with the secret key
(:class:`itsdangerous.URLSafeSerializer`, its own salt). It does not expire: an opt-out
link in an old mail must keep working. Anyone holding the token can opt that contact out,
which is the point; nobody can forge one for another contact.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "surveyapp-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(contact_id: int) -> str:
    return _serializer().dumps(contact_id)


def contact_id_from_token(token: str) -> int | None:
    """The contact id a token was signed for, or None for a damaged or forged token."""
    if not token or len(token) > 200:
        return None
    try:
        contact_id = _serializer().loads(token)
    except BadSignature:
        return None
    return contact_id if isinstance(contact_id, int) else None


def unsubscribe_link(contact_id: int) -> str:
    """``BASE_URL/unsubscribe/TOKEN``: the page in every mail, and the RFC 8058 one-click target."""
    return f"{current_app.config['BASE_URL']}/unsubscribe/{unsubscribe_token(contact_id)}"


def suppression_hash(email: str) -> str:
    """A keyed hash of an address, kept for erased people who must not be mailed again."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"surveyapp-suppress:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()
