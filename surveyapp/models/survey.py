"""Surveys and their waves."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, utcnow


class Survey(db.Model):
    """A questionnaire put to a customer base, repeatedly, in waves."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    questionnaire_key: Mapped[str] = mapped_column(String(100))
    # The version new responses answer; existing responses keep their own.
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    # Public, anonymous link (/o/<open_token>) for a website or QR code; None = no open link.
    open_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    reminder_after_days: Mapped[int] = mapped_column(Integer, default=7)
    max_reminders: Mapped[int] = mapped_column(Integer, default=2)
    # Contact data is anonymized this many days after a wave closes; None = keep.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # Per-language mail texts overriding the defaults: {"invitation": {"nl": {"subject":..., "body":...}}}
    mail_texts: Mapped[dict | None] = mapped_column(JSONType)
    # Where an alert goes when a detractor completes a response (closing the loop); None = no alerts.
    alert_to: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    questionnaire_version = relationship("QuestionnaireVersion")
    waves = relationship("Wave", back_populates="survey", order_by="Wave.opens_at")

    def current_wave(self, now: datetime | None = None):
        """The most recently opened wave that is open at ``now``, or None."""
        now = now or utcnow()
        open_waves = [w for w in self.waves if w.is_open(now)]
        return max(open_waves, key=lambda w: w.opens_at) if open_waves else None


class Wave(db.Model):
    """One round of measurement: contacts are invited per wave, KPIs tracked over waves."""

    __tablename__ = "waves"
    __table_args__ = (UniqueConstraint("survey_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    opens_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set once contact data of this wave has been anonymized under the survey's retention rule.
    anonymized_at: Mapped[datetime | None] = mapped_column(DateTime)

    survey = relationship("Survey", back_populates="waves")

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)
