"""Demo data: a published loyalty tracker, a survey with waves, contacts and a few hundred
synthetic responses in which the quality dimensions really drive loyalty.

The generator works on any questionnaire: every driver construct gets a latent score per
respondent; its items are that score plus noise; outcomes and KPIs follow a known linear
mix of the drivers (``TRUE_WEIGHTS``), so a driver analysis of the demo finds them back.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app

from .access import grant_access
from .extensions import db
from .invitations.links import invitation_link
from .invitations.operations import create_invitation, open_wave, queue_invitations, upsert_contact
from .models import Answer, Contact, Invitation, Response, Survey, User, Wave
from .models.base import utcnow
from .questionnaire import Questionnaire
from .questionnaire.model import DONT_KNOW
from .questionnaire.publishing import publish_questionnaire
from .surveys import create_survey, get_survey
from .users import create_or_update_user

log = logging.getLogger(__name__)

DEMO_SLUG = "demo"
DEMO_QUESTIONNAIRE = "loyalty-tracker.yaml"
DEMO_MANAGER = "manager@example.com"

#: How strongly each 5Q dimension drives loyalty in the synthetic data (others: 0.15).
TRUE_WEIGHTS = {"interaction": 0.45, "product": 0.35, "processes": 0.25, "infrastructure": 0.1, "atmosphere": 0.05}
SEGMENT_SHIFT = {"large": 0.3, "medium": 0.0, "small": -0.25}

FIRST_NAMES = ["Anne", "Bram", "Daan", "Emma", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Pieter", "Sanne",
               "Thijs", "Eva", "Lucas", "Julia", "Sem", "Sophie", "Ruben", "Iris", "Jesse"]
LAST_NAMES = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos",
              "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "de Wit", "Smith", "Jones", "Taylor", "Brown"]
OPEN_TEXTS = {
    "nl": ["Snellere levering zou fijn zijn.", "Meer persoonlijk contact met mijn accountmanager.",
           "De website kan overzichtelijker.", "Prima zo, ga zo door!", "Facturen zijn vaak onduidelijk.",
           "Ik wacht te lang op antwoord van de klantenservice."],
    "en": ["Faster delivery would be great.", "More personal contact with my account manager.",
           "The website could be clearer.", "All good, keep it up!", "Invoices are often unclear.",
           "I wait too long for customer service to answer."],
}


@dataclass
class DemoResult:
    survey: Survey
    manager_email: str
    manager_password: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (language, url)
    created: bool = False
    responses: int = 0
    queued_mails: int = 0


def build_demo(*, contacts: int = 400, seed: int = 2026, links: int = 5) -> DemoResult:
    """Create (or reuse) everything the demo needs; returns what to print."""
    rng = random.Random(seed)
    password = _demo_password()
    manager = db.session.scalar(db.select(User).where(User.email == DEMO_MANAGER))
    if manager is None or not manager.check_password(password):
        manager = create_or_update_user(DEMO_MANAGER, password, role="manager", name="Demo manager")

    survey = get_survey(DEMO_SLUG)
    created = survey is None
    queued = 0
    if created:
        path = Path(current_app.config["QUESTIONNAIRE_DIR"]) / DEMO_QUESTIONNAIRE
        version = publish_questionnaire(path).version
        survey = create_survey(DEMO_SLUG, version, open_link=True)
        questionnaire = version.questionnaire()
        waves = _open_waves(survey)
        people = _create_contacts(survey, questionnaire, contacts, rng)
        for index, wave in enumerate(waves):
            current = index == len(waves) - 1
            share = 0.45 if current else 0.6
            _fill_wave(survey, wave, questionnaire, people, share, rng, drift=0.12 * index)
        queued = _queue_current_wave(survey, waves[-1])
    grant_access(manager, survey, actor="demo")  # managers see only the surveys granted to them
    result = DemoResult(survey=survey, manager_email=DEMO_MANAGER, manager_password=password, created=created,
                        queued_mails=queued)
    result.responses = db.session.scalar(
        db.select(db.func.count(Response.id)).where(Response.survey_id == survey.id)
    )
    result.links = unused_links(survey, links)
    return result


def unused_links(survey: Survey, limit: int) -> list[tuple[str, str]]:
    """Links of the open wave that have not been used yet, with their language."""
    wave = survey.current_wave()
    if wave is None:
        return []
    invitations = db.session.scalars(
        db.select(Invitation)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.wave_id == wave.id, Response.id.is_(None))
        .order_by(Invitation.id)
    ).all()
    by_language: dict[str, list[Invitation]] = {}
    for invitation in invitations:
        by_language.setdefault(invitation.language, []).append(invitation)
    chosen: list[Invitation] = []
    while len(chosen) < limit and any(by_language.values()):
        for group in by_language.values():  # alternate languages
            if group and len(chosen) < limit:
                chosen.append(group.pop(0))
    return [(invitation.language, invitation_link(invitation)) for invitation in chosen]


def _demo_password() -> str:
    """A random password, kept in the instance folder so that a second run prints the same one."""
    path = Path(current_app.instance_path) / "demo_manager_password"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    path.write_text(password)
    path.chmod(0o600)
    return password


def _open_waves(survey: Survey) -> list[Wave]:
    """Two closed monthly waves and the current, open one."""
    now = utcnow()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    previous = (month_start - timedelta(days=1)).replace(day=1)
    starts = [(previous - timedelta(days=1)).replace(day=1), previous, month_start]
    waves = []
    for index, start in enumerate(starts):
        closes = starts[index + 1] if index + 1 < len(starts) else None
        waves.append(open_wave(survey, start.strftime("%Y-%m"), opens_at=start, closes_at=closes))
    return waves


def _create_contacts(survey: Survey, questionnaire: Questionnaire, count: int, rng: random.Random) -> list[Contact]:
    segments = ["large"] * 2 + ["medium"] * 3 + ["small"] * 5
    channels = ["web", "phone", "store", "account_manager"]
    personas = ["pragmatist", "relationship_seeker", "price_hunter", "expert"]
    declared = questionnaire.attributes
    people = []
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        segment = rng.choice(segments)
        attributes = {
            "segment": _allowed(declared, "segment", segment),
            "channel": _allowed(declared, "channel", rng.choice(channels)),
            "persona": _allowed(declared, "persona", rng.choice(personas)),
            "customer_value": round(rng.lognormvariate(7 + SEGMENT_SHIFT[segment] * 3, 0.8), 2),
            "potential_value": round(rng.lognormvariate(7.3, 0.9), 2),
        }
        contact, _ = upsert_contact(
            survey,
            email=f"customer{number:04d}@example.com",
            name=f"{first} {last}",
            language="nl" if rng.random() < 0.7 else "en",
            crm_id=f"CRM-{number:05d}",
            attributes=attributes,
            commit=False,
        )
        people.append(contact)
    db.session.commit()
    return people


def _allowed(declared: dict, name: str, value: str) -> str:
    """The value if the questionnaire allows it, else its first allowed value."""
    attribute = declared.get(name)
    if attribute is None or not attribute.values or value in attribute.values:
        return value
    return attribute.values[0]


def respondent_attributes(contact: Contact) -> dict:
    """What a response carries in from its invitation."""
    return {**contact.attributes, "name": contact.name, "crm_id": contact.crm_id}


def _fill_wave(survey, wave, questionnaire, people, share, rng, drift):
    now = utcnow()
    end = min(wave.closes_at or now, now)
    span = max((end - wave.opens_at).total_seconds(), 3600)
    for contact in people:
        if rng.random() > share:
            continue
        invitation = create_invitation(wave, contact, commit=False)
        db.session.flush()
        started = wave.opens_at + timedelta(seconds=rng.uniform(0, span * 0.95))
        invitation.opened_at = started
        invitation.last_mailed_at = wave.opens_at
        attributes = respondent_attributes(contact)
        answers = synthetic_answers(questionnaire, attributes, contact.language, rng, drift)
        completed = rng.random() < 0.93
        response = Response(
            survey_id=survey.id, wave_id=wave.id, questionnaire_version_id=survey.questionnaire_version_id,
            invitation_id=invitation.id, language=contact.language, attributes=attributes,
            status="completed" if completed else "in_progress",
            started_at=started, updated_at=started + timedelta(minutes=4),
            completed_at=started + timedelta(minutes=rng.uniform(2, 9)) if completed else None,
            current_page=None if completed else questionnaire.pages[min(2, len(questionnaire.pages) - 1)].id,
        )
        if not completed:  # left halfway: keep only the first pages' answers
            first_pages = {row.id for page in questionnaire.pages[:2] for item in page.items
                           for row in (item.rows or (item,))}
            answers = {key: value for key, value in answers.items() if key in first_pages}
        response.answers = [Answer(item_id=key, value=value) for key, value in answers.items()]
        db.session.add(response)
    db.session.commit()


def synthetic_answers(questionnaire: Questionnaire, attributes: dict, language: str,
                      rng: random.Random, drift: float = 0.0) -> dict:
    """One respondent's answers, page by page, honouring the display logic."""
    shift = SEGMENT_SHIFT.get(attributes.get("segment"), 0.0) + drift
    common = rng.gauss(0, 1)
    latent = {c.id: 0.6 * common + 0.8 * rng.gauss(0, 1) + shift for c in questionnaire.constructs_by_role("driver")}
    loyalty = sum(TRUE_WEIGHTS.get(name, 0.15) * value for name, value in latent.items()) + 0.45 * rng.gauss(0, 1)
    item_latent: dict[str, float] = {}
    reverse: set[str] = set()
    for construct in questionnaire.constructs.values():
        for item_id in construct.items:
            if construct.role == "driver":
                item_latent[item_id] = latent[construct.id]
            else:
                item_latent.setdefault(item_id, loyalty)
        reverse.update(construct.reverse)

    answers: dict = {}
    for page in questionnaire.pages:
        if page not in questionnaire.visible_pages(answers, attributes):
            continue
        for item in page.visible_items(answers, attributes):
            for row in item.rows or (item,):
                value = _answer(row, item_latent.get(row.id, loyalty), row.id in reverse, language, rng)
                if value is not None:
                    answers[row.id] = value
    return answers


def _answer(item, z: float, reverse: bool, language: str, rng: random.Random):
    if item.dont_know and rng.random() < 0.03:
        return DONT_KNOW
    if item.scale is not None:
        low, high = item.scale.min, item.scale.max
        centre = low + (high - low) * (0.68 if item.type != "nps" else 0.72)
        spread = (high - low) / 4.2
        value = centre + spread * (z + 0.55 * rng.gauss(0, 1))
        value = min(high, max(low, round(value)))
        return (low + high - value) if reverse else value
    if item.type == "single":
        return rng.choice(item.options).value
    if item.type == "multiple":
        options = [option.value for option in item.options if not option.other]
        return sorted(rng.sample(options, rng.randint(1, min(2, len(options)))))
    if item.type == "number":
        low = item.min if item.min is not None else 0
        high = item.max if item.max is not None else low + 100
        return int(rng.uniform(low, high)) if item.integer is not False else round(rng.uniform(low, high), 1)
    if item.type == "text":
        if not item.required and rng.random() < 0.5:
            return None
        return rng.choice(OPEN_TEXTS[language if language in OPEN_TEXTS else "en"])
    return None


def _queue_current_wave(survey: Survey, wave: Wave) -> int:
    """Invitations for the rest of the contacts wait in the outbox (``surveyapp mail send``)."""
    return queue_invitations(survey, wave)
