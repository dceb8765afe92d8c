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
from .surveys import create_survey, get_survey, publish_questionnaire
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
#: Open answers as customers write them, by what they would say: detractors complain, passives
#: see room for improvement, promoters praise. Dutch and English are written, not translated.
OPEN_TEXTS = {
    "detractor": {
        "nl": ["Ik wacht te lang op antwoord van de klantenservice; twee keer gebeld en niemand belde terug.",
               "De levering was weer te laat en niemand liet iets weten.",
               "Facturen kloppen vaak niet, het corrigeren kost mij elke maand tijd.",
               "Sinds de nieuwe accountmanager voel ik me geen klant meer maar een nummer.",
               "Te duur voor wat we krijgen, de concurrent biedt meer service.",
               "Het bestelportaal valt regelmatig uit, juist op drukke dagen.",
               "Beloftes worden niet nagekomen: de monteur kwam pas na drie weken."],
        "en": ["I wait far too long for customer service to answer; I called twice and nobody called back.",
               "The delivery was late again and nobody told us.",
               "Invoices are often wrong and correcting them costs me time every month.",
               "Since the new account manager I feel like a number, not a customer.",
               "Too expensive for what we get; your competitor offers more service.",
               "The ordering portal goes down regularly, always on busy days.",
               "Promises are not kept: the engineer only came after three weeks."],
    },
    "passive": {
        "nl": ["Prima product, maar de levertijden mogen korter.", "Meer persoonlijk contact zou fijn zijn.",
               "De website kan overzichtelijker, ik kan facturen lastig terugvinden.",
               "Goed, maar niet bijzonder. Denk eens mee over onze volgende stap.",
               "Snellere reactie op e-mail zou helpen."],
        "en": ["Good product, but delivery times could be shorter.", "More personal contact would be nice.",
               "The website could be clearer; I struggle to find old invoices.",
               "Good but not special. Help us think about our next step.",
               "Faster replies to email would help."],
    },
    "promoter": {
        "nl": ["Altijd snel geholpen, mijn accountmanager denkt echt mee.", "Prima zo, ga zo door!",
               "Betrouwbare levering en eerlijke prijzen.", "De monteur was vriendelijk en deskundig.",
               "Fijn dat jullie proactief bellen als er iets verandert."],
        "en": ["Always helped quickly; my account manager really thinks along.", "All good, keep it up!",
               "Reliable delivery and fair prices.", "The engineer was friendly and knew his stuff.",
               "Great that you call us proactively when something changes."],
    },
}
#: Each wave tells a story: a dip in the processes in the middle wave (a delivery problem),
#: recovery and better interaction in the last one. Per driver, added to the latent score.
WAVE_EFFECTS = [
    {},
    {"processes": -0.6},
    {"processes": 0.2},
]
#: Channels differ too: the account manager's customers are a little happier, web's a little less.
CHANNEL_SHIFT = {"account_manager": 0.15, "store": 0.05, "phone": 0.0, "web": -0.1}


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
            _fill_wave(survey, wave, questionnaire, people, share, rng, drift=0.12 * index,
                       effects=WAVE_EFFECTS[index % len(WAVE_EFFECTS)])
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


#: Share of demo respondents who answer carelessly, so that the careless-response flags show.
CARELESS_SHARE = 0.05
CARELESS_KINDS = ("speeder", "straightliner", "duplicate", "acquiescent")


def _fill_wave(survey, wave, questionnaire, people, share, rng, drift, effects=None):
    now = utcnow()
    end = min(wave.closes_at or now, now)
    span = max((end - wave.opens_at).total_seconds(), 3600)
    careless_rng = random.Random(f"{wave.name}-careless")  # apart from rng: the honest answers stay as they were
    previous_answers: dict | None = None
    for contact in people:
        if rng.random() > share:
            continue
        invitation = create_invitation(wave, contact, commit=False)
        db.session.flush()
        started = wave.opens_at + timedelta(seconds=rng.uniform(0, span * 0.95))
        invitation.opened_at = started
        invitation.last_mailed_at = wave.opens_at
        attributes = respondent_attributes(contact)
        answers = synthetic_answers(questionnaire, attributes, contact.language, rng, drift, effects)
        completed = rng.random() < 0.93
        seconds = rng.uniform(2, 9) * 60 if completed else 0.0  # drawn as before: the honest data stay the same
        kind = careless_rng.choice(CARELESS_KINDS) if careless_rng.random() < CARELESS_SHARE else None
        if completed and kind is not None:
            answers, seconds = careless_answers(questionnaire, answers, kind, previous_answers, careless_rng,
                                                seconds)
        if completed:
            previous_answers = answers
        response = Response(
            survey_id=survey.id, wave_id=wave.id, questionnaire_version_id=survey.questionnaire_version_id,
            invitation_id=invitation.id, language=contact.language, attributes=attributes,
            status="completed" if completed else "in_progress",
            started_at=started, updated_at=started + timedelta(minutes=4),
            completed_at=started + timedelta(seconds=seconds) if completed else None,
            current_page=None if completed else questionnaire.pages[min(2, len(questionnaire.pages) - 1)].id,
            page_seconds=_page_seconds(questionnaire, answers, seconds) if completed else None,
        )
        if not completed:  # left halfway: keep only the first pages' answers
            first_pages = {row.id for page in questionnaire.pages[:2] for item in page.items
                           for row in (item.rows or (item,))}
            answers = {key: value for key, value in answers.items() if key in first_pages}
        response.answers = [Answer(item_id=key, value=value) for key, value in answers.items()]
        db.session.add(response)
    db.session.commit()


def careless_answers(questionnaire: Questionnaire, answers: dict, kind: str, previous: dict | None,
                     rng: random.Random, seconds: float) -> tuple[dict, float]:
    """A careless respondent's answers and time: a speeder (under a minute), a straightliner (the
    same point on every rating item), a duplicate (the previous respondent's answers again) or an
    acquiescent respondent (agrees with everything, reverse-keyed items too)."""
    rating = [row for item in questionnaire.items() for row in (item.rows or (item,))
              if row.scale is not None and row.scale.type == "likert" and row.id in answers]
    answers = dict(answers)
    if kind == "speeder":
        return answers, rng.uniform(25, 60)
    if kind == "duplicate" and previous is not None:
        return dict(previous), seconds
    for row in rating:
        if kind == "straightliner":
            answers[row.id] = row.scale.min + (row.scale.max - row.scale.min) // 2
        else:  # acquiescent (also a duplicate without anyone to copy)
            answers[row.id] = row.scale.max - rng.choice((0, 1))
    return answers, seconds


def _page_seconds(questionnaire: Questionnaire, answers: dict, total: float) -> dict:
    """``total`` seconds spread over the pages in proportion to the answers on each."""
    counts = {page.id: sum(1 for item in page.items for row in (item.rows or (item,)) if row.id in answers)
              for page in questionnaire.pages}
    counts = {page: count for page, count in counts.items() if count}
    answered = sum(counts.values()) or 1
    return {page: round(total * count / answered, 1) for page, count in counts.items()}


def synthetic_answers(questionnaire: Questionnaire, attributes: dict, language: str,
                      rng: random.Random, drift: float = 0.0, effects: dict | None = None) -> dict:
    """One respondent's answers, page by page, honouring the display logic.

    ``drift`` shifts every driver (a wave that is better overall), ``effects`` single drivers.
    """
    shift = SEGMENT_SHIFT.get(attributes.get("segment"), 0.0) + drift
    channel = CHANNEL_SHIFT.get(attributes.get("channel"), 0.0)
    common = rng.gauss(0, 1)
    latent = {c.id: 0.6 * common + 0.8 * rng.gauss(0, 1) + shift + channel + (effects or {}).get(c.id, 0.0)
              for c in questionnaire.constructs_by_role("driver")}
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

    recommend = next((item.id for item in questionnaire.items() if item.type == "nps"), None)
    answers: dict = {}
    for page in questionnaire.pages:
        if page not in questionnaire.visible_pages(answers, attributes):
            continue
        for item in page.visible_items(answers, attributes):
            for row in item.rows or (item,):
                value = _answer(row, item_latent.get(row.id, loyalty), row.id in reverse, language, rng,
                                answers.get(recommend) if recommend else None)
                if value is not None:
                    answers[row.id] = value
    return answers


def _answer(item, z: float, reverse: bool, language: str, rng: random.Random, score=None):
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
        if not item.required and rng.random() < 0.45:
            return None
        group = ("promoter" if score >= 9 else "passive" if score >= 7 else "detractor") \
            if isinstance(score, int | float) else "passive"
        return rng.choice(OPEN_TEXTS[group][language if language in ("nl", "en") else "en"])
    return None


def _queue_current_wave(survey: Survey, wave: Wave) -> int:
    """Invitations for the rest of the contacts wait in the outbox (``surveyapp mail send``)."""
    return queue_invitations(survey, wave)
