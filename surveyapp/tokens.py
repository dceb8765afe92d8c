"""Personal link tokens: random nonces, and the hash the database looks a token up by.

A link token is derived from a nonce of 128 random bits with the secret key
(:func:`surveyapp.signing.link_token`). The database keeps the nonce and ``SHA-256(token)``;
requests are looked up by the hash. So a leaked database yields no working link without the
secret key, while the service itself can re-derive a contact's link for a reminder mail.
"""

from __future__ import annotations

import hashlib
import secrets


def new_nonce() -> str:
    """128 random bits, hex."""
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    """What the database stores and looks a token up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_open_token() -> str:
    """A public token for a survey's anonymous open link (not secret, just unguessable)."""
    return secrets.token_urlsafe(16)
