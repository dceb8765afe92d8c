"""Every change to user accounts."""

from __future__ import annotations

import logging

from .extensions import db
from .models import ROLES, User
from .passwords import check_password_strength

log = logging.getLogger(__name__)


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def create_or_update_user(email: str, password: str, *, role: str = "manager", name: str = "") -> User:
    """Create the account for ``email``, or set the role and password of the existing one.

    A weak password raises :class:`surveyapp.passwords.WeakPasswordError` and changes nothing;
    a new password for an existing account ends that account's sessions.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    email = email.strip().lower()
    check_password_strength(password, email=email)
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name, role=role)
        db.session.add(user)
        log.info("user %s created with role %s", email, role)
    else:
        user.role = role
        if name:
            user.name = name
        user.end_sessions()
        log.info("user %s updated: role %s", email, role)
    user.set_password(password)
    db.session.commit()
    return user


def set_user_role(user: User, role: str, *, actor: str = "system") -> User:
    """Give ``user`` another role."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    user.role = role
    db.session.commit()
    log.info("%s set the role of user %s to %s", actor, user.email, role)
    return user


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate an account; deactivation ends its sessions at once."""
    user.active = active
    if not active:
        user.end_sessions()
    db.session.commit()
    log.info("user %s %s", user.email, "activated" if active else "deactivated")
