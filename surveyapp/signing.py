"""Keyed hashing and signing: the one place that uses the secret key.

Every keyed value the service hands out or stores is made here, each for one *purpose* whose
label keeps it apart from the others (a link token can never pass as an unsubscribe token or a
suppression hash, even for the same input):

* personal link tokens: ``HMAC-SHA256(key, "surveyapp-link:" + nonce)``, URL-safe base64
  (the nonce is stored, so the service can re-derive a contact's link for a reminder);
* the suppression hash of an erased person's address:
  ``HMAC-SHA256(key, "surveyapp-suppress:" + address)``, hex;
* unsubscribe tokens: the contact id signed with :class:`itsdangerous.URLSafeSerializer`,
  salted ``"surveyapp-unsubscribe"``. They do not expire: an opt-out link in an old mail must
  keep working.

The key is ``SURVEYAPP_SECRET_KEY`` (the app's ``SECRET_KEY``). Rotating it invalidates every
outstanding link and unsubscribe token, and makes earlier suppression hashes unrecognisable.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

LINK = "surveyapp-link"
SUPPRESSION = "surveyapp-suppress"
UNSUBSCRIBE = "surveyapp-unsubscribe"
ORDER = "surveyapp-order"
LOGIN = "login"
STORED_ANALYSIS = "surveyapp-stored-analysis"

#: Longer tokens are refused unread.
MAX_SIGNED_LENGTH = 200


def secret_key() -> str:
    """The application's secret key (needs an app context)."""
    from flask import current_app

    return current_app.config["SECRET_KEY"]


def keyed_digest(purpose: str, message: str | bytes, key: str | None = None) -> bytes:
    """``HMAC-SHA256(key, purpose + ":" + message)``: the one keyed hash; ``key`` defaults to the app's."""
    secret = (key if key is not None else secret_key()).encode()
    data = message if isinstance(message, bytes) else message.encode()
    return hmac.new(secret, f"{purpose}:".encode() + data, hashlib.sha256).digest()


def link_token(nonce: str, key: str | None = None) -> str:
    """The URL-safe personal link token for ``nonce`` (43 characters, 256 bits)."""
    return base64.urlsafe_b64encode(keyed_digest(LINK, nonce, key)).rstrip(b"=").decode()


def suppression_hash(email: str, key: str | None = None) -> str:
    """A keyed hash of an address, kept for erased people who must not be mailed again."""
    return keyed_digest(SUPPRESSION, email.strip().lower(), key).hex()


def _serializer(purpose: str, key: str | None):
    return _serializer_for(purpose, key if key is not None else secret_key())


@functools.lru_cache(maxsize=32)
def _serializer_for(purpose: str, key: str):
    """One serializer per purpose and key (stateless; building one costs as much as a signature,
    and the mail sender signs an opt-out link per mail)."""
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(key, salt=purpose)


def sign(purpose: str, value, key: str | None = None) -> str:
    """``value`` (JSON-able) signed for ``purpose``: readable by anyone, forgeable by no one."""
    return _serializer(purpose, key).dumps(value)


def unsign(purpose: str, token: str, key: str | None = None):
    """The value ``token`` was signed with for ``purpose``, or None for a damaged or forged one."""
    from itsdangerous import BadSignature

    if not token or len(token) > MAX_SIGNED_LENGTH:
        return None
    try:
        return _serializer(purpose, key).loads(token)
    except BadSignature:
        return None


def unsubscribe_token(contact_id: int) -> str:
    return sign(UNSUBSCRIBE, contact_id)


def contact_id_from_token(token: str) -> int | None:
    """The contact id an unsubscribe token was signed for, or None for a damaged or forged token."""
    contact_id = unsign(UNSUBSCRIBE, token)
    return contact_id if isinstance(contact_id, int) and not isinstance(contact_id, bool) else None
