"""Limits on guessing: failed link look-ups per address, failed sign-ins per account.

The counters live in the rate-limit store (``SURVEYAPP_RATELIMIT_STORAGE_URL``): Redis in
production, so that every worker process and every server counts together. Only failures
are counted, and a success is never refused because of others' failures:

- a personal or open link that exists always opens, however many unknown tokens the same
  address tried (a company's respondents share one address); an unknown token over the
  limit gets 429 instead of 404;
- after ``LOGIN_LOCKOUT`` wrong passwords for one email address, sign-in for that address is
  refused for the rest of the window, with the right password too, and with the same
  message whether the account exists or not.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse

from .extensions import limiter
from .signing import LOGIN, keyed_digest

log = logging.getLogger(__name__)


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _key(scope: str, value: str) -> tuple[str, str]:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX') or 'surveyapp'}:{scope}", value


def _storage_call(method: str, limit: str, scope: str, value: str, default: bool) -> bool:
    try:
        return getattr(limiter.limiter, method)(parse(limit), *_key(scope, value))
    except Exception:  # the store is down: fail open, loudly, rather than lock everyone out
        log.exception("rate-limit store unavailable (%s)", current_app.config.get("RATELIMIT_STORAGE_URI"))
        return default


def failed_lookup() -> bool:
    """Count a look-up of a token that does not exist; True when this address is over the limit."""
    if not _enabled():
        return False
    limit = current_app.config["RATELIMIT_TOKEN_LOOKUPS"]
    return not _storage_call("hit", limit, "token-lookups", get_remote_address(), True)


def _account(email: str) -> str:
    # A keyed hash: the store never holds the addresses people tried.
    return keyed_digest(LOGIN, email.strip().lower()).hex()


def account_locked(email: str) -> bool:
    """True while ``email`` has had too many wrong passwords (whether or not the account exists)."""
    if not _enabled():
        return False
    limit = current_app.config["LOGIN_LOCKOUT"]
    return not _storage_call("test", limit, "login-failures", _account(email), True)


def failed_login(email: str) -> None:
    if _enabled():
        _storage_call("hit", current_app.config["LOGIN_LOCKOUT"], "login-failures", _account(email), True)


def successful_login(email: str) -> None:
    if _enabled():
        try:
            limiter.limiter.clear(parse(current_app.config["LOGIN_LOCKOUT"]), *_key("login-failures", _account(email)))
        except Exception:
            log.exception("rate-limit store unavailable")
