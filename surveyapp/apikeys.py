"""Personal API keys: the one place they are made, looked up and revoked.

A key is ``sa_`` plus 256 random bits (URL-safe). It is shown once, when it is made; the
database keeps its SHA-256 (enough for a random 256-bit secret) and its first characters,
so that lists can tell keys apart. A key acts as its user: same role, same surveys; it
stops working when revoked or when the user is deactivated.
"""

from __future__ import annotations

import logging
import secrets

from .extensions import db
from .models import ApiKey, User
from .models.base import utcnow
from .tokens import token_hash

log = logging.getLogger(__name__)

KEY_PREFIX = "sa_"
SHOWN_CHARACTERS = 10


def create_api_key(user: User, *, name: str = "") -> tuple[ApiKey, str]:
    """A new key for ``user``: (the stored record, the key itself, to show once)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(user_id=user.id, name=name.strip()[:100], prefix=key[:SHOWN_CHARACTERS], key_hash=token_hash(key))
    db.session.add(record)
    db.session.commit()
    log.info("API key %s… (%s) created for %s", record.prefix, record.name or "no name", user.email)
    return record, key


def user_for_key(key: str) -> User | None:
    """The active user behind an unrevoked ``key``, or None. Notes when the key was last used."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    record = db.session.scalar(db.select(ApiKey).where(ApiKey.key_hash == token_hash(key)))
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    now = utcnow()
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        record.last_used_at = now  # at most one write a minute per key
        db.session.commit()
    return record.user


def keys_of(user: User, *, include_revoked: bool = False) -> list[ApiKey]:
    query = db.select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(db.session.scalars(query).all())


def find_keys(identifier: str, *, name: str | None = None) -> list[ApiKey]:
    """Unrevoked keys matching ``identifier``: a whole key, its shown prefix, or the owner's
    email (then all of their keys, or only those called ``name``)."""
    identifier = identifier.strip()
    query = db.select(ApiKey).where(ApiKey.revoked_at.is_(None)).order_by(ApiKey.id)
    if "@" in identifier:
        query = query.join(User, User.id == ApiKey.user_id).where(User.email == identifier.lower())
        if name is not None:
            query = query.where(ApiKey.name == name)
    elif len(identifier) > SHOWN_CHARACTERS:
        query = query.where(ApiKey.key_hash == token_hash(identifier))
    else:
        query = query.where(ApiKey.prefix == identifier)
    return list(db.session.scalars(query).all())


def revoke_api_key(record: ApiKey, *, actor: str = "system") -> None:
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.commit()
        log.info("%s revoked API key %s… of %s", actor, record.prefix, record.user.email)
