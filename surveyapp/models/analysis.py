"""Stored analyses: a survey's figures for one wave, filter set and options, computed once."""

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, utcnow


class StoredAnalysis(db.Model):
    """The serialized :class:`surveyapp.results.survey_analysis.SurveyAnalysis` of one scope.

    ``key`` is a hash of (wave, filters, options, code format). ``fingerprint`` describes the
    data it was computed from (the survey's questionnaire version and its completed responses):
    when the survey's current fingerprint differs, a new completed response or a new
    questionnaire version arrived, the row is stale and the next reader recomputes it.
    """

    __tablename__ = "stored_analyses"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    filters: Mapped[dict] = mapped_column(JSONType, default=dict)
    options: Mapped[dict] = mapped_column(JSONType, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(200))
    responses: Mapped[int] = mapped_column(Integer, default=0)  # analysed (after filters)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # None: no completed responses in scope
    scores: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # per-respondent scores, apart
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seconds: Mapped[float | None] = mapped_column(Float)  # how long computing took
