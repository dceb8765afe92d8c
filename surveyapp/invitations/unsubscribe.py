"""Opt-out links: the page in every mail, and the RFC 8058 one-click target.

The token in the link is the contact id signed with the secret key
(:func:`surveyapp.signing.unsubscribe_token`). Anyone holding it can opt that contact out,
which is the point; nobody can forge one for another contact.
"""

from __future__ import annotations

from flask import current_app

from ..signing import unsubscribe_token


def unsubscribe_link(contact_id: int) -> str:
    """``BASE_URL/unsubscribe/TOKEN``."""
    return f"{current_app.config['BASE_URL']}/unsubscribe/{unsubscribe_token(contact_id)}"
