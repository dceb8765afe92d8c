"""Personal link tokens: the one place that makes, derives and hashes them.

A link token is ``HMAC-SHA256(secret key, nonce)`` where the nonce is 128 random bits
from :mod:`secrets`. The database keeps the nonce and ``SHA-256(token)``; requests are
looked up by the hash. So a leaked database yields no working link without the secret
key, while the service itself can re-derive a contact's link for a reminder mail.
Rotating ``SURVEYAPP_SECRET_KEY`` therefore invalidates every outstanding link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_nonce() -> str:
    """128 random bits, hex."""
    return secrets.token_hex(16)


def derive_token(secret_key: str, nonce: str) -> str:
    """The URL-safe link token for ``nonce`` (43 characters, 256 bits)."""
    digest = hmac.new(secret_key.encode(), b"surveyapp-link:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What the database stores and looks a token up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_open_token() -> str:
    """A public token for a survey's anonymous open link (not secret, just unguessable)."""
    return secrets.token_urlsafe(16)
