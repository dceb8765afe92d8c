"""Every write about surveys themselves, and publishing the questionnaire versions they run.

The questionnaire format (:mod:`surveyapp.questionnaire`) knows no tables: publishing a file as an
immutable, content-addressed snapshot in the database happens here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from .extensions import db
from .models import QuestionnaireVersion, Survey
from .tokens import new_open_token

log = logging.getLogger(__name__)


def get_survey(slug: str) -> Survey | None:
    return db.session.scalar(db.select(Survey).where(Survey.slug == slug))


#: Settings a researcher may change on a survey, with their meaning for messages.
SETTINGS = ("reminder_after_days", "max_reminders", "retention_days")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def create_survey(slug: str, version: QuestionnaireVersion, *, title: str | None = None,
                  open_link: bool = False, alert_to: str | None = None, **settings) -> Survey:
    """A survey putting ``version`` to a customer base; returns the existing one for ``slug``."""
    survey = get_survey(slug)
    if survey is not None:
        return survey
    if not SLUG_PATTERN.match(slug):
        raise ValueError(f"survey slug {slug!r}: use lower-case letters, digits and hyphens (it appears in URLs)")
    survey = Survey(
        slug=slug,
        title=title or version.title,
        questionnaire_key=version.key,
        questionnaire_version_id=version.id,
        open_token=new_open_token() if open_link else None,
        alert_to=alert_address(alert_to) if alert_to else None,
    )
    _apply_settings(survey, settings)
    db.session.add(survey)
    db.session.commit()
    log.info("survey %s created on questionnaire %s version %s", slug, version.key, version.version)
    return survey


def use_version(survey: Survey, version: QuestionnaireVersion) -> None:
    """New responses of ``survey`` answer ``version``; existing ones keep theirs."""
    if version.key != survey.questionnaire_key:
        raise ValueError(f"survey {survey.slug} runs questionnaire {survey.questionnaire_key}, not {version.key}")
    survey.questionnaire_version_id = version.id
    db.session.commit()
    log.info("survey %s now uses %s version %s", survey.slug, version.key, version.version)


def update_survey(survey: Survey, *, open_link: bool | None = None, alert_to: str | None = None,
                  **settings) -> Survey:
    """Change a survey's reminder and retention settings, switch its open link on or off, or set
    its detractor alert address (``alert_to=""`` switches alerts off)."""
    _apply_settings(survey, settings)
    if alert_to is not None:
        survey.alert_to = alert_address(alert_to) if alert_to.strip() else None
    if open_link is True and survey.open_token is None:
        survey.open_token = new_open_token()
    elif open_link is False:
        survey.open_token = None
    db.session.commit()
    log.info("survey %s updated: %s", survey.slug,
             ", ".join(f"{k}={v}" for k, v in settings.items() if v is not None) or "open link")
    return survey


def alert_address(address: str) -> str:
    """The normalized address for detractor alerts; ValueError names what is wrong."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"alert address {address!r} is not valid: {error}") from None


def _apply_settings(survey: Survey, settings: dict) -> None:
    for name, value in settings.items():
        if name not in SETTINGS:
            raise TypeError(f"unknown survey setting {name!r}")
        if value is None:
            continue
        if value < 0:
            raise ValueError(f"{name} cannot be negative")
        setattr(survey, name, value)


# --- questionnaire versions ------------------------------------------------------------------


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
    from .questionnaire import compare_versions, content_hash, load_questionnaire

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
