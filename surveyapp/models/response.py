"""Responses and their answers."""

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .base import JSONType, utcnow


class Response(db.Model):
    """One respondent's answers to one questionnaire version in one wave."""

    __tablename__ = "responses"
    # Counting a survey's completed responses (the stored analysis' fingerprint) from the index alone.
    __table_args__ = (Index("ix_responses_survey_status_completed", "survey_id", "status", "completed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    # One link, one response: unique. None for open-link responses and after erasure.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"), unique=True
    )
    # Open-link responses: a random key kept in the respondent's browser session.
    session_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    attributes: Mapped[dict] = mapped_column(JSONType, default=dict)
    # The order each respondent saw: {"pages": {...}, "options": {...}, "rows": {...}}
    randomization: Mapped[dict] = mapped_column(JSONType, default=dict)
    current_page: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Seconds spent on each page ({page id: seconds}, summed over visits), for speeder detection.
    page_seconds: Mapped[dict | None] = mapped_column(JSONType)
    # Careless-response flags (surveyapp.analysis.careless), e.g. ["speeder", "straightliner"];
    # None = not checked yet, [] = checked, nothing found.
    quality_flags: Mapped[list | None] = mapped_column(JSONType)
    # Raking weight to the population (surveyapp survey weights); None = unweighted.
    weight: Mapped[float | None] = mapped_column(Float)

    invitation = relationship("Invitation", back_populates="response")
    wave = relationship("Wave")
    questionnaire_version = relationship("QuestionnaireVersion")
    answers = relationship("Answer", back_populates="response", cascade="all, delete-orphan")

    @property
    def completed(self) -> bool:
        return self.status == "completed"


class Answer(db.Model):
    """The answer to one item: a number, a string, a list of choices, or "dk" (don't know)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[object] = mapped_column(JSONType)
    # The value as a number when it is one (scale, NPS, number answers), else NULL: the analysis
    # loads these in bulk as floats, without decoding JSON. Kept in step with ``value`` below.
    number: Mapped[float | None] = mapped_column(Float)
    other_text: Mapped[str | None] = mapped_column(Text)

    response = relationship("Response", back_populates="answers")

    @validates("value")
    def _keep_number(self, key, value):
        self.number = numeric_value(value)
        return value


def numeric_value(value) -> float | None:
    """The number an answer value holds, or None (texts, choices, lists, "don't know")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
