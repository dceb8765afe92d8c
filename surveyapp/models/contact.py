"""The people a survey invites."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, utcnow


class Contact(db.Model):
    """A customer on a survey's list. Personal data: erased on request or by retention."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("survey_id", "email"),
        UniqueConstraint("survey_id", "crm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    crm_id: Mapped[str | None] = mapped_column(String(100))
    # segment, customer_value, potential_value, channel, persona, ... from the import file
    attributes: Mapped[dict] = mapped_column(JSONType, default=dict)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)
    undeliverable_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when the person's data was erased (on request or by retention). The blanked row
    # survives only to keep an opt-out: suppression_hash = HMAC(secret key, email), so a later
    # import of the same address is recognised and not mailed, without storing the address.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    suppression_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def mailable(self) -> bool:
        return bool(self.email) and self.opted_out_at is None and self.undeliverable_at is None
