"""Settings, read from ``SURVEYAPP_*`` environment variables.

Every variable is documented in the README. Development (the default, and what
``surveyapp demo`` uses) works with nothing set; production (``SURVEYAPP_ENV=production``,
which ``wsgi.py`` selects) refuses to start without a secret key.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from .shipped import shipped_dir

#: Production refuses a shorter secret key: it signs sessions and derives every personal link.
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None


def _development_secret(instance_path: Path) -> str:
    """A random key kept in the instance folder, so links stay valid across restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _ratelimit_storage(env: str) -> str:
    """Where rate-limit counters live: shared by every worker in production.

    ``memory://`` counts per process: under gunicorn with 4 workers an attacker gets four
    times the limit. Production therefore refuses to start without a shared store (Redis),
    unless ``memory://`` is asked for explicitly, which is accepted for a single worker only
    (``WEB_CONCURRENCY``, gunicorn's default worker count, above 1 is refused) and warned about.
    """
    url = _env("SURVEYAPP_RATELIMIT_STORAGE_URL")
    if env != "production":
        return url or "memory://"
    if url is None:
        raise ConfigurationError(
            "SURVEYAPP_RATELIMIT_STORAGE_URL is not set. In production the rate limits must hold across "
            "worker processes: point it at Redis, e.g. redis://127.0.0.1:6379/0 (memory:// only counts "
            "per process; set it explicitly for a single-process server)."
        )
    if url.startswith("memory://"):
        workers = _env_int("WEB_CONCURRENCY", 1)
        if workers > 1:
            raise ConfigurationError(
                f"SURVEYAPP_RATELIMIT_STORAGE_URL=memory:// with WEB_CONCURRENCY={workers}: each worker would "
                "count on its own and let through several times the limit. Use redis://host:6379/0."
            )
        logging.getLogger("surveyapp").warning(
            "RATE LIMITS ARE PER PROCESS: SURVEYAPP_RATELIMIT_STORAGE_URL=memory://. Run a single worker, "
            "or use redis://host:6379/0 so that every worker counts together."
        )
    return url


def load_config(instance_path: str) -> dict:
    """Build the Flask configuration mapping from the environment."""
    instance = Path(instance_path)
    env = _env("SURVEYAPP_ENV", "development")
    if env not in ("development", "production"):
        raise ConfigurationError(f"SURVEYAPP_ENV must be 'development' or 'production', got {env!r}")

    secret = _env("SURVEYAPP_SECRET_KEY")
    if secret is None:
        if env == "production":
            raise ConfigurationError(
                "SURVEYAPP_SECRET_KEY is not set. Outside development the secret key must come from the "
                "environment, e.g. export SURVEYAPP_SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_hex(32))'). Keep it stable: it signs sessions and personal links."
            )
        secret = _development_secret(instance)
    elif env == "production" and len(secret) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            f"SURVEYAPP_SECRET_KEY is too short ({len(secret)} characters; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH}). Make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )

    database_url = _env("SURVEYAPP_DATABASE_URL", f"sqlite:///{instance / 'surveyapp.sqlite'}")
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; plain URLs would ask SQLAlchemy for psycopg2.
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]

    smtp_tls = _env("SURVEYAPP_SMTP_TLS", "starttls")
    if smtp_tls not in ("starttls", "ssl", "none"):
        raise ConfigurationError(f"SURVEYAPP_SMTP_TLS must be starttls, ssl or none, got {smtp_tls!r}")

    speeder_share = _env_float("SURVEYAPP_SPEEDER_SHARE", 1 / 3)
    if not 0 < speeder_share < 1:
        raise ConfigurationError(f"SURVEYAPP_SPEEDER_SHARE must be between 0 and 1 (a share of the wave's median "
                                 f"completion time), got {speeder_share:g}")

    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pool_pre_ping (a round trip per request): create_app pings only connections that sat
        # idle in the pool for a while (surveyapp.extensions.ping_idle_connections).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "BASE_URL": _env("SURVEYAPP_BASE_URL", "http://localhost:5000").rstrip("/"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,  # a respondent may leave a page open for hours
        "RATELIMIT_STORAGE_URI": _ratelimit_storage(env),
        "RATELIMIT_KEY_PREFIX": _env("SURVEYAPP_RATELIMIT_KEY_PREFIX", "surveyapp"),
        "RATELIMIT_TOKEN_LOOKUPS": _env("SURVEYAPP_RATELIMIT_TOKEN_LOOKUPS", "30 per minute"),
        # Requests to /api/v1/ per client address.
        "RATELIMIT_API": _env("SURVEYAPP_RATELIMIT_API", "120 per minute"),
        # Wrong passwords per email address before sign-in is refused for the rest of the window.
        "LOGIN_LOCKOUT": _env("SURVEYAPP_LOGIN_LOCKOUT", "5 per 15 minutes"),
        "SMTP_HOST": _env("SURVEYAPP_SMTP_HOST"),
        "SMTP_PORT": _env_int("SURVEYAPP_SMTP_PORT", 587),
        "SMTP_USER": _env("SURVEYAPP_SMTP_USER"),
        "SMTP_PASSWORD": _env("SURVEYAPP_SMTP_PASSWORD"),
        "SMTP_TLS": smtp_tls,
        "SMTP_TIMEOUT": _env_float("SURVEYAPP_SMTP_TIMEOUT", 30.0),
        # A CA bundle (PEM) to verify the SMTP server's certificate against, e.g. a company's own CA.
        "SMTP_CA_FILE": _env("SURVEYAPP_SMTP_CA_FILE"),
        "MAIL_FROM": _env("SURVEYAPP_MAIL_FROM", "surveyapp <survey@localhost>"),
        "MAIL_DIR": _env("SURVEYAPP_MAIL_DIR", str(instance / "outbox")),
        "MAIL_RATE_PER_MINUTE": _env_int("SURVEYAPP_MAIL_RATE_PER_MINUTE", 0),
        "MAIL_MAX_ATTEMPTS": _env_int("SURVEYAPP_MAIL_MAX_ATTEMPTS", 5),
        "MAIL_CLAIM_TIMEOUT_SECONDS": _env_int("SURVEYAPP_MAIL_CLAIM_TIMEOUT_SECONDS", 600),
        "MAIL_RETRY_BASE_SECONDS": _env_int("SURVEYAPP_MAIL_RETRY_BASE_SECONDS", 60),
        "QUESTIONNAIRE_DIR": _env("SURVEYAPP_QUESTIONNAIRE_DIR", str(shipped_dir("questionnaires"))),
        "LINK_VALID_DAYS": _env_int("SURVEYAPP_LINK_VALID_DAYS", 0),
        # Largest request body and largest single form field (bytes); larger gets a clear 413 page.
        "MAX_CONTENT_LENGTH": _env_int("SURVEYAPP_MAX_REQUEST_BYTES", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _env_int("SURVEYAPP_MAX_FIELD_BYTES", 64 * 1024),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXIES": _env_int("SURVEYAPP_PROXIES", 0),
        # A response completed in less than this share of its wave's median time is a speeder.
        "SPEEDER_SHARE": speeder_share,
    }
