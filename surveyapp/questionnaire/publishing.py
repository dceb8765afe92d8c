"""Publishing a questionnaire file: an immutable, content-addressed snapshot in the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..extensions import db
from ..models import QuestionnaireVersion

log = logging.getLogger(__name__)


@dataclass
class PublishResult:
    version: QuestionnaireVersion
    created: bool
    #: Changes against the previous version, each with a ``.breaking`` flag.
    changes: list = field(default_factory=list)

    @property
    def breaking_changes(self) -> list:
        return [change for change in self.changes if change.breaking]


def latest_version(key: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        db.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key == key)
        .order_by(QuestionnaireVersion.version.desc())
        .limit(1)
    )


def publish_questionnaire(path: str | Path, *, user_id: int | None = None) -> PublishResult:
    """Validate ``path`` and store it as a new version, unless an identical one exists.

    Raises :class:`~surveyapp.questionnaire.QuestionnaireError` when the file has problems;
    nothing is written then.
    """
    from . import compare_versions, content_hash, load_questionnaire

    path = Path(path)
    questionnaire = load_questionnaire(path)
    definition = questionnaire.to_dict()
    digest = content_hash(definition)

    existing = db.session.scalar(
        db.select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == questionnaire.id, QuestionnaireVersion.content_hash == digest
        )
    )
    if existing is not None:
        return PublishResult(existing, created=False)

    previous = latest_version(questionnaire.id)
    changes = compare_versions(previous.definition, definition) if previous else []
    version = QuestionnaireVersion(
        key=questionnaire.id,
        version=(previous.version + 1) if previous else 1,
        content_hash=digest,
        title=_plain_title(definition),
        definition=definition,
        source_name=path.name,
        source_text=path.read_text(encoding="utf-8"),
        published_by_id=user_id,
    )
    db.session.add(version)
    db.session.commit()
    log.info("published questionnaire %s version %s (%s)", version.key, version.version, digest[:12])
    return PublishResult(version, created=True, changes=changes)


def _plain_title(definition: dict) -> str:
    title = definition.get("title")
    if isinstance(title, dict):
        language = definition.get("default_language")
        return str(title.get(language) or next(iter(title.values()), ""))[:300]
    return str(title or definition.get("id", ""))[:300]
