"""Personal invitations and the outbox of mails that carry them."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class Invitation(db.Model):
    """A contact's personal, single-use link for one wave.

    The link's token is never stored: only a random nonce (from which the token is
    derived with the secret key, see :mod:`surveyapp.tokens`) and the token's hash,
    which is what a request is looked up by. A database leak alone reveals no link.
    """

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("wave_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    token_nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_mailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    wave = relationship("Wave")
    contact = relationship("Contact")
    response = relationship("Response", back_populates="invitation", uselist=False)


class OutboxMail(db.Model):
    """One mail to send. The body is rendered at sending time (it holds the link)."""

    __tablename__ = "outbox_mails"
    # One invitation mail and one mail per reminder number: two `invite` runs at once cannot
    # queue the same mail twice.
    # One alert per response, however often completion is retried.
    __table_args__ = (UniqueConstraint("invitation_id", "kind", "reminder_number"),
                      UniqueConstraint("response_id", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    # An alert about a detractor's response (kind "alert") has no invitation but this response.
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # invitation | reminder | alert
    reminder_number: Mapped[int] = mapped_column(Integer, default=0)  # 0 for the invitation, 1, 2, ...
    # queued -> sending -> sent | failed | uncertain (crash after claiming) | cancelled
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    invitation = relationship("Invitation")
    response = relationship("Response")
