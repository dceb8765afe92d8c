"""Every change to user accounts."""

from __future__ import annotations

import logging

from .extensions import db
from .models import ROLES, User

log = logging.getLogger(__name__)


def create_or_update_user(email: str, password: str, *, role: str = "manager", name: str = "") -> User:
    """Create the account for ``email``, or set the role and password of the existing one."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)}")
    email = email.strip().lower()
    user = db.session.scalar(db.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role=role)
        db.session.add(user)
        log.info("user %s created with role %s", email, role)
    else:
        user.role = role
        if name:
            user.name = name
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


def set_user_active(user: User, active: bool, *, actor: str = "system") -> User:
    """Deactivate ``user`` (they can no longer sign in) or activate them again."""
    user.active = active
    db.session.commit()
    log.info("%s %s user %s", actor, "activated" if active else "deactivated", user.email)
    return user
