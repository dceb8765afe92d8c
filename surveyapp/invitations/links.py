"""Personal links: from an invitation to its URL and back."""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..models import Invitation
from ..signing import link_token
from ..tokens import token_hash


def invitation_token(invitation: Invitation) -> str:
    return link_token(invitation.token_nonce)


def invitation_link(invitation: Invitation) -> str:
    """The respondent's personal URL, ``BASE_URL/s/TOKEN``."""
    return f"{current_app.config['BASE_URL']}/s/{invitation_token(invitation)}"


def find_invitation(token: str) -> Invitation | None:
    """The invitation a token belongs to, looked up by the token's hash only."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(db.select(Invitation).where(Invitation.token_hash == token_hash(token)))
