"""Published questionnaire versions: immutable snapshots of a YAML file."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import JSONType, utcnow


class QuestionnaireVersion(db.Model):
    """One published version. Never updated: an edited file becomes a new version."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict] = mapped_column(JSONType)
    source_name: Mapped[str] = mapped_column(String(300))
    source_text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def questionnaire(self):
        """The definition as a :class:`surveyapp.questionnaire.Questionnaire`."""
        from ..questionnaire import Questionnaire

        return Questionnaire.from_dict(self.definition)
