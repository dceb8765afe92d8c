"""Every write about surveys themselves."""

from __future__ import annotations

import logging

from .extensions import db
from .models import QuestionnaireVersion, Survey
from .tokens import new_open_token

log = logging.getLogger(__name__)


def get_survey(slug: str) -> Survey | None:
    return db.session.scalar(db.select(Survey).where(Survey.slug == slug))


def create_survey(slug: str, version: QuestionnaireVersion, *, title: str | None = None,
                  open_link: bool = False) -> Survey:
    """A survey putting ``version`` to a customer base; returns the existing one for ``slug``."""
    survey = get_survey(slug)
    if survey is not None:
        return survey
    survey = Survey(
        slug=slug,
        title=title or version.title,
        questionnaire_key=version.key,
        questionnaire_version_id=version.id,
        open_token=new_open_token() if open_link else None,
    )
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
