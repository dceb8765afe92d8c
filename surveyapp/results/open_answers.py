"""Open answers: what respondents wrote in a text question, filtered, searched and paged.

Who wrote an answer is personal data: :func:`open_answers` returns the contact's name and
email only when asked to (``with_contacts``), which the view does only for roles with the
right to see personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..extensions import db
from ..models import Answer, Contact, Invitation, Response, Survey, Wave
from ..questionnaire import Questionnaire

#: NPS groups by their answers to the recommendation question (Reichheld 2003).
NPS_GROUPS = ("promoter", "passive", "detractor")
PAGE_SIZE = 25


@dataclass
class OpenAnswer:
    response_id: int
    text: str
    wave: str
    language: str
    completed_at: datetime | None
    attributes: dict  # the filterable attributes (segment, channel ...)
    nps: float | None
    nps_group: str | None
    contact_name: str | None = None
    contact_email: str | None = None


@dataclass
class OpenAnswerPage:
    answers: list[OpenAnswer] = field(default_factory=list)
    total: int = 0  # matching answers, all pages
    page: int = 1
    pages: int = 1


def nps_group(score) -> str | None:
    if score is None or score != score:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def nps_item(questionnaire: Questionnaire) -> str | None:
    return next((item.id for item in questionnaire.items() if item.type == "nps"), None)


def text_items(questionnaire: Questionnaire) -> list:
    return [item for item in questionnaire.items() if item.type == "text"]


def open_answers(survey: Survey, questionnaire: Questionnaire, item_id: str, *, wave: Wave | None = None,
                 filters: dict[str, str] | None = None, group: str | None = None, search: str = "",
                 page: int = 1, page_size: int = PAGE_SIZE, with_contacts: bool = False) -> OpenAnswerPage:
    """One page of the completed responses' answers to text question ``item_id``, newest first."""
    from .dataset import analysis_table

    recommend = nps_item(questionnaire)
    table = analysis_table(survey, wave=wave, items=[recommend] if recommend else [], filters=filters)
    if table.empty:
        return OpenAnswerPage()
    if group:
        scores = table[recommend] if recommend in table.columns else np.nan
        groups = np.where(scores >= 9, "promoter", np.where(scores >= 7, "passive",
                                                               np.where(scores >= 0, "detractor", "")))
        table = table[groups == group]
    query = (
        db.select(Answer.response_id, Answer.value, Response.completed_at)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Response.status == "completed", Answer.item_id == item_id)
        .order_by(Response.completed_at.desc(), Response.id.desc())
    )
    if wave is not None:
        query = query.where(Response.wave_id == wave.id)
    keep = set(table.index)
    needle = search.strip().casefold()
    rows = [(rid, value, completed) for rid, value, completed in db.session.execute(query)
            if rid in keep and isinstance(value, str) and value.strip() and needle in value.casefold()]
    result = OpenAnswerPage(total=len(rows), pages=max(1, -(-len(rows) // page_size)))
    result.page = min(max(page, 1), result.pages)
    shown = rows[(result.page - 1) * page_size:result.page * page_size]
    attribute_names = [c for c in ("segment", "channel", "persona") if c in table.columns]
    for response_id, text, completed in shown:
        row = table.loc[response_id]
        score = row[recommend] if recommend in table.columns else None
        result.answers.append(OpenAnswer(
            response_id=response_id, text=text, wave=row["wave"], language=row["language"], completed_at=completed,
            attributes={name: row[name] for name in attribute_names if isinstance(row[name], str)},
            nps=None if score is None or score != score else float(score), nps_group=nps_group(score),
        ))
    if with_contacts and result.answers:
        contacts = dict(
            (rid, (name, email)) for rid, name, email in db.session.execute(
                db.select(Response.id, Contact.name, Contact.email)
                .join(Invitation, Invitation.id == Response.invitation_id)
                .join(Contact, Contact.id == Invitation.contact_id)
                .where(Response.id.in_([a.response_id for a in result.answers]))
            )
        )
        for answer in result.answers:
            answer.contact_name, answer.contact_email = contacts.get(answer.response_id, (None, None))
    return result
