"""Every write about contacts, waves and invitations."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from ..extensions import db
from ..models import Contact, Invitation, Survey, Wave
from ..models.base import utcnow
from ..tokens import derive_token, new_nonce, token_hash

log = logging.getLogger(__name__)


def open_wave(survey: Survey, name: str, *, opens_at: datetime | None = None,
              closes_at: datetime | None = None) -> Wave:
    """Open a new wave of ``survey`` (or return the wave of that name)."""
    wave = db.session.scalar(db.select(Wave).where(Wave.survey_id == survey.id, Wave.name == name))
    if wave is None:
        wave = Wave(survey_id=survey.id, name=name, opens_at=opens_at or utcnow(), closes_at=closes_at)
        db.session.add(wave)
        db.session.commit()
        log.info("wave %s of survey %s opened", name, survey.slug)
    return wave


def upsert_contact(survey: Survey, *, email: str, language: str, name: str | None = None,
                   crm_id: str | None = None, attributes: dict | None = None, commit: bool = True) -> tuple[Contact, bool]:
    """Create the contact, or update the one matched by CRM id, else by email. Returns (contact, created)."""
    email = email.strip().lower()
    contact = None
    if crm_id:
        contact = db.session.scalar(db.select(Contact).where(Contact.survey_id == survey.id, Contact.crm_id == crm_id))
    if contact is None:
        contact = db.session.scalar(db.select(Contact).where(Contact.survey_id == survey.id, Contact.email == email))
    created = contact is None
    if created:
        contact = Contact(survey_id=survey.id)
        db.session.add(contact)
    contact.email = email
    contact.language = language
    contact.name = name
    contact.crm_id = crm_id or contact.crm_id
    contact.attributes = dict(attributes or {})
    if commit:
        db.session.commit()
    return contact, created


def create_invitation(wave: Wave, contact: Contact, *, expires_at: datetime | None = None,
                      commit: bool = True) -> Invitation:
    """The contact's invitation to ``wave`` (existing one if there is one)."""
    invitation = db.session.scalar(
        db.select(Invitation).where(Invitation.wave_id == wave.id, Invitation.contact_id == contact.id)
    )
    if invitation is not None:
        return invitation
    nonce = new_nonce()
    token = derive_token(current_app.config["SECRET_KEY"], nonce)
    invitation = Invitation(
        wave_id=wave.id,
        contact_id=contact.id,
        token_nonce=nonce,
        token_hash=token_hash(token),
        language=contact.language,
        expires_at=expires_at,
    )
    db.session.add(invitation)
    if commit:
        db.session.commit()
    return invitation
