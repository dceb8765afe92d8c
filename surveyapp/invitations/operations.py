"""Every write about contacts, waves, invitations and the outbox.

Each function is one small, documented action that commits (unless told not to) and logs
who did what: ``actor`` is ``"cli:<user>"`` for commands, ``"contact <id>"`` for a
respondent's own opt-out, ``"system"`` for automatic work such as retention.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import Contact, Invitation, OutboxMail, Response, Survey, Wave
from ..models.base import utcnow
from ..questionnaire.languages import LANGUAGES
from ..signing import link_token, suppression_hash
from ..tokens import new_nonce, token_hash
from .importing import ContactFile, ContactRow, ImportReport, read_contact_file, validate_rows

log = logging.getLogger(__name__)

#: Response attributes that name a person; erasure and retention remove them.
IDENTIFYING_ATTRIBUTES = ("name", "email", "crm_id")

#: Outbox states in which a mail may still go out (or may already have gone out).
PENDING_STATES = ("queued", "sending", "uncertain")

#: A row in state "sending" longer than this was claimed by a sender that died.
DEFAULT_CLAIM_TIMEOUT_SECONDS = 600
#: First retry after a temporary failure; doubled each attempt, capped at six hours.
DEFAULT_RETRY_BASE_SECONDS = 60
MAX_RETRY_DELAY = timedelta(hours=6)


class InvitationError(Exception):
    """An action that cannot be done as asked; the message says why."""


# --- waves -------------------------------------------------------------------------------------


def find_wave(survey: Survey, name: str) -> Wave | None:
    return db.session.scalar(db.select(Wave).where(Wave.survey_id == survey.id, Wave.name == name))


def open_wave(survey: Survey, name: str, *, opens_at: datetime | None = None,
              closes_at: datetime | None = None, actor: str = "system") -> Wave:
    """Open a new wave of ``survey`` (or return the wave of that name).

    Waves of a survey do not overlap: a contact has one current invitation, and the tracker
    compares one wave with the next. Raises :class:`InvitationError` naming the wave in the way.
    """
    wave = find_wave(survey, name)
    if wave is None:
        opens_at = opens_at or utcnow()
        clash = overlapping_wave(survey, opens_at, closes_at)
        if clash is not None:
            raise InvitationError(
                f"wave {clash.name} of {survey.slug} is open "
                f"{'until ' + format(clash.closes_at, '%Y-%m-%d %H:%M') if clash.closes_at else 'without an end'}"
                f"; close it first (surveyapp wave close --survey {survey.slug} --name {clash.name})"
            )
        wave = Wave(survey_id=survey.id, name=name, opens_at=opens_at, closes_at=closes_at)
        db.session.add(wave)
        db.session.commit()
        log.info("%s opened wave %s of survey %s (closes %s)", actor, name, survey.slug, closes_at or "never")
    return wave


def overlapping_wave(survey: Survey, opens_at: datetime, closes_at: datetime | None) -> Wave | None:
    """An existing wave of ``survey`` whose period [opens_at, closes_at) overlaps the given one."""
    for wave in survey.waves:
        starts_before_end = closes_at is None or wave.opens_at < closes_at
        ends_after_start = wave.closes_at is None or wave.closes_at > opens_at
        if starts_before_end and ends_after_start:
            return wave
    return None


def close_wave(wave: Wave, *, now: datetime | None = None, actor: str = "system") -> int:
    """Close ``wave`` now and cancel its mails not yet sent. Returns the number cancelled."""
    now = now or utcnow()
    if wave.closes_at is None or wave.closes_at > now:
        wave.closes_at = now
    cancelled = db.session.execute(
        db.update(OutboxMail)
        .where(OutboxMail.state == "queued",
               OutboxMail.invitation_id.in_(db.select(Invitation.id).where(Invitation.wave_id == wave.id)))
        .values(state="cancelled", last_error="wave closed")
    ).rowcount
    db.session.commit()
    log.info("%s closed wave %s of survey %s; %d queued mail(s) cancelled", actor, wave.name,
             wave.survey.slug, cancelled)
    return cancelled


# --- contacts ----------------------------------------------------------------------------------


def find_contact(survey: Survey, *, email: str | None = None, crm_id: str | None = None) -> Contact | None:
    """The contact matched by CRM id, else by email (the rule imports follow)."""
    contact = None
    if crm_id:
        contact = db.session.scalar(
            db.select(Contact).where(Contact.survey_id == survey.id, Contact.crm_id == crm_id))
    if contact is None and email:
        contact = db.session.scalar(
            db.select(Contact).where(Contact.survey_id == survey.id, Contact.email == email.strip().lower()))
    return contact


def upsert_contact(survey: Survey, *, email: str, language: str, name: str | None = None,
                   crm_id: str | None = None, attributes: dict | None = None, commit: bool = True) -> tuple[Contact, bool]:
    """Create the contact, or update the one matched by CRM id, else by email. Returns (contact, created).

    A new address clears an earlier bounce; an opt-out stays whatever the import says.
    """
    email = email.strip().lower()
    contact = find_contact(survey, email=email, crm_id=crm_id)
    created = contact is None
    if created:
        contact = Contact(survey_id=survey.id)
        db.session.add(contact)
    _update_contact(contact, email=email, language=language, name=name, crm_id=crm_id, attributes=attributes)
    if commit:
        db.session.commit()
    return contact, created


def _update_contact(contact: Contact, *, email: str, language: str, name: str | None, crm_id: str | None,
                    attributes: dict | None) -> None:
    if contact.email is not None and contact.email != email:
        contact.undeliverable_at = None
    contact.email = email
    contact.language = language
    contact.name = name
    contact.crm_id = crm_id or contact.crm_id
    contact.attributes = dict(attributes or {})


def import_contacts(survey: Survey, path: str | Path, *, dry_run: bool = False, actor: str = "system",
                    header_row: int = 1) -> ImportReport:
    """Import a CSV or XLSX file of contacts into ``survey``.

    Every row is checked on its own; the good rows are imported (created, or updated when
    the CRM id or else the email is known) in one transaction, the bad ones are reported
    by spreadsheet row number (header = row 1). Addresses of erased people are skipped.
    With ``dry_run`` the same report is made and nothing is written.
    """
    return import_contact_rows(survey, read_contact_file(path, header_row=header_row), dry_run=dry_run, actor=actor,
                               source=Path(path).name)


def import_contact_rows(survey: Survey, rows: ContactFile, *, dry_run: bool = False, actor: str = "system",
                        source: str = "contacts") -> ImportReport:
    """Import rows already read (from a file, or the API's JSON), with the rules of
    :func:`import_contacts`; ``source`` names them in the log."""
    report = validate_rows(rows, languages=survey_languages(survey))
    if report.file_errors:
        return report
    apply_contact_rows(survey, report, dry_run=dry_run)
    if not dry_run:
        log.info("%s imported %s into survey %s: %d created, %d updated, %d rejected, %d suppressed",
                 actor, source, survey.slug, report.created, report.updated, len(report.errors),
                 len(report.suppressed))
    return report


#: Values per IN (...) list: well below SQLite's and PostgreSQL's limits on bound parameters.
LOOKUP_BATCH = 500


def apply_contact_rows(survey: Survey, report: ImportReport, *, dry_run: bool = False) -> None:
    """Write the good rows of a checked contact list (``report.good_rows``) in one transaction.

    A row updates the contact with its CRM id, else the one with its email, else creates one;
    rows of erased people are skipped (``report.suppressed``), rows whose email belongs to
    another contact are rejected. The survey's contacts and suppression markers are looked up
    in a few batched queries, not per row, and new contacts are inserted in one statement.
    """
    good = report.good_rows
    suppressed = _suppressed_hashes(survey, {suppression_hash(row.email) for row in good})
    by_crm: dict[str, Contact] = {}
    by_email: dict[str, Contact] = {}
    for contact in _contacts_matching(survey, Contact.crm_id, {row.crm_id for row in good if row.crm_id}):
        by_crm[contact.crm_id] = contact
    for contact in _contacts_matching(survey, Contact.email, {row.email for row in good}):
        by_email[contact.email] = contact
        if contact.crm_id:
            by_crm.setdefault(contact.crm_id, contact)
    new_rows = []
    for row in good:
        if suppression_hash(row.email) in suppressed:
            report.suppressed.append(row.row_number)
            continue
        match_crm = by_crm.get(row.crm_id) if row.crm_id else None
        match_email = by_email.get(row.email)
        conflict = _conflict(row, match_crm, match_email)
        if conflict:
            report.reject(row.row_number, conflict)
            continue
        contact = match_crm or match_email
        if contact is None:
            report.created += 1
            new_rows.append(dict(survey_id=survey.id, email=row.email, language=row.language, name=row.name,
                                 crm_id=row.crm_id, attributes=dict(row.attributes)))
            continue
        report.updated += 1
        by_email.pop(contact.email, None)
        _update_contact(contact, email=row.email, language=row.language, name=row.name, crm_id=row.crm_id,
                        attributes=row.attributes)
        by_email[contact.email] = contact
        if contact.crm_id:
            by_crm[contact.crm_id] = contact
    if dry_run:
        db.session.rollback()
        return
    db.session.flush()  # updates first: an address a contact gave up may be taken by a new one
    for start in range(0, len(new_rows), 5_000):
        db.session.execute(db.insert(Contact), new_rows[start:start + 5_000])
    db.session.commit()


def _suppressed_hashes(survey: Survey, digests: set[str]) -> set[str]:
    found: set[str] = set()
    values = sorted(digests)
    for start in range(0, len(values), LOOKUP_BATCH):
        found.update(db.session.scalars(db.select(Contact.suppression_hash).where(
            Contact.survey_id == survey.id, Contact.suppression_hash.in_(values[start:start + LOOKUP_BATCH]))))
    return found


def _contacts_matching(survey: Survey, column, values: set[str]) -> list[Contact]:
    values = sorted(values)
    contacts: list[Contact] = []
    for start in range(0, len(values), LOOKUP_BATCH):
        contacts.extend(db.session.scalars(db.select(Contact).where(
            Contact.survey_id == survey.id, column.in_(values[start:start + LOOKUP_BATCH]))))
    return contacts


def _conflict(row: ContactRow, by_crm: Contact | None, by_email: Contact | None) -> str | None:
    """A reason the row cannot be applied, e.g. its email already belongs to another CRM id."""
    if not row.crm_id:
        return None
    if by_crm is not None and by_email is not None and by_crm.id != by_email.id:
        return f"email {row.email} already belongs to another contact (CRM id {by_email.crm_id or 'none'})"
    if by_crm is None and by_email is not None and by_email.crm_id and by_email.crm_id != row.crm_id:
        return f"email {row.email} already belongs to CRM id {by_email.crm_id}"
    return None


def survey_languages(survey: Survey) -> tuple[str, ...]:
    """The languages the survey's questionnaire is offered in."""
    definition = survey.questionnaire_version.definition if survey.questionnaire_version else None
    languages = (definition or {}).get("languages") if isinstance(definition, dict) else None
    return tuple(languages) if languages else tuple(LANGUAGES)


def opt_out(contact: Contact, *, actor: str = "system", now: datetime | None = None) -> bool:
    """Never mail ``contact`` again. True if this changed anything (idempotent)."""
    if contact.opted_out_at is not None:
        return False
    contact.opted_out_at = now or utcnow()
    _cancel_queued(contact)
    db.session.commit()
    log.info("%s opted out contact %s of survey %s", actor, contact.id, contact.survey_id)
    return True


def _cancel_queued(contact: Contact, reason: str = "opted out") -> int:
    return db.session.execute(
        db.update(OutboxMail)
        .where(OutboxMail.state == "queued",
               OutboxMail.invitation_id.in_(db.select(Invitation.id).where(Invitation.contact_id == contact.id)))
        .values(state="cancelled", last_error=reason)
    ).rowcount


def erase_contact(contact: Contact, *, keep_suppression: bool = True, actor: str = "system",
                  now: datetime | None = None, commit: bool = True, erase_text: bool = False) -> None:
    """Remove a person's personal data; their answers stay, anonymous.

    Responses are detached from the invitation and lose ``name``/``email``/``crm_id``
    attributes; invitations lose the contact and their link (token) so no URL leads back.
    Every link back to the person is cut (see :func:`_detach_invitation`): the outbox rows
    go (their Message-ID is in the mail server's log next to the address), and the times
    of inviting, opening, starting and completing are kept to the day only, so the
    invitation's opening cannot be joined to the response's start. With ``erase_text`` the
    person's free-text answers (open questions and "other, namely" texts) are deleted too.
    The contact row is deleted, or, with ``keep_suppression`` (an erasure request, or a
    contact who opted out), blanked to an opt-out marker holding only a keyed hash of the
    address, so a later CRM import does not mail the person again.
    """
    now = now or utcnow()
    _cancel_queued(contact, reason="erased")
    invitations = db.session.scalars(db.select(Invitation).where(Invitation.contact_id == contact.id)).all()
    for invitation in invitations:
        _detach_invitation(invitation, erase_text=erase_text)
    contact_id, survey_id = contact.id, contact.survey_id
    if keep_suppression and contact.email:
        contact.suppression_hash = suppression_hash(contact.email)
        contact.opted_out_at = contact.opted_out_at or now
        contact.email = None
        contact.name = None
        contact.crm_id = None
        contact.attributes = {}
        contact.erased_at = now
    else:
        db.session.delete(contact)
    if commit:
        db.session.commit()
    log.info("%s erased contact %s of survey %s (%d invitation(s) detached)", actor, contact_id, survey_id,
             len(invitations))


def erase_person(email: str, *, survey: Survey | None = None, actor: str = "system",
                 erase_text: bool = False) -> int:
    """Erase every contact with ``email`` (in ``survey``, or in all surveys). Returns how many."""
    query = db.select(Contact).where(Contact.email == email.strip().lower())
    if survey is not None:
        query = query.where(Contact.survey_id == survey.id)
    contacts = db.session.scalars(query).all()
    for contact in contacts:
        erase_contact(contact, actor=actor, commit=False, erase_text=erase_text)
    db.session.commit()
    return len(contacts)


def _day(value: datetime | None) -> datetime | None:
    """``value`` kept to the day: precise enough for figures per day, too coarse to join on."""
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if value is not None else None


def _detach_invitation(invitation: Invitation, *, erase_text: bool = False) -> None:
    response = db.session.scalar(db.select(Response).where(Response.invitation_id == invitation.id))
    if response is not None:
        response.invitation_id = None
        response.attributes = {k: v for k, v in (response.attributes or {}).items()
                               if k not in IDENTIFYING_ATTRIBUTES}
        # Set explicitly, so the column's onupdate does not stamp the erasure's own time either.
        response.started_at = _day(response.started_at)
        response.updated_at = _day(response.updated_at)
        response.completed_at = _day(response.completed_at)
        if erase_text:
            _erase_free_text(response)
    invitation.contact_id = None
    # The nonce re-derives the personal link: without it no URL leads to this invitation.
    invitation.token_nonce = ""
    invitation.token_hash = f"erased:{invitation.id}"
    for name in ("created_at", "opened_at", "last_mailed_at", "expires_at"):
        setattr(invitation, name, _day(getattr(invitation, name)))
    # The mail server logs each Message-ID next to the address: no row may keep it. A mail a
    # sender is handing over right now keeps its row (the sender records the result) under
    # a new, meaningless Message-ID.
    db.session.execute(db.delete(OutboxMail).where(OutboxMail.invitation_id == invitation.id,
                                                   OutboxMail.state != "sending"))
    for mail in db.session.scalars(db.select(OutboxMail).where(OutboxMail.invitation_id == invitation.id)):
        mail.message_id = _new_message_id()


def _erase_free_text(response: Response) -> None:
    """Delete the answers to open questions and every "other, namely" text of ``response``."""
    from ..questionnaire import Questionnaire

    version = response.questionnaire_version
    try:
        items = Questionnaire.from_dict(version.definition).items() if version is not None else []
    except Exception:  # a definition this code cannot read: fall back to the stored values
        items = []
    text_items = {item.id for item in items if item.type == "text"}
    for answer in list(response.answers):
        if answer.item_id in text_items or (not text_items and isinstance(answer.value, str)
                                            and answer.value != "dk"):
            response.answers.remove(answer)
        else:
            answer.other_text = None


def apply_retention(*, now: datetime | None = None, actor: str = "system") -> int:
    """Anonymize the waves whose survey's ``retention_days`` have passed since they closed.

    For each such wave: its responses are detached from people and its invitations from
    contacts (as in :func:`erase_contact`), and every contact that is no longer invited to
    any wave still within retention is erased (kept only as an opt-out marker if they opted
    out). Contacts never invited stay. Returns the number of waves anonymized.
    """
    now = now or utcnow()
    waves = db.session.scalars(
        db.select(Wave).join(Survey)
        .where(Survey.retention_days.is_not(None), Wave.closes_at.is_not(None), Wave.anonymized_at.is_(None))
    ).all()
    due = [w for w in waves if w.closes_at + timedelta(days=w.survey.retention_days) <= now]
    for wave in due:
        invitations = db.session.scalars(db.select(Invitation).where(Invitation.wave_id == wave.id)).all()
        contact_ids = {i.contact_id for i in invitations if i.contact_id is not None}
        for invitation in invitations:
            _detach_invitation(invitation)
        wave.anonymized_at = now
        db.session.flush()
        for contact_id in contact_ids:
            still_invited = db.session.scalar(
                db.select(db.func.count()).select_from(Invitation).join(Wave)
                .where(Invitation.contact_id == contact_id, Wave.anonymized_at.is_(None))
            )
            if not still_invited:
                contact = db.session.get(Contact, contact_id)
                erase_contact(contact, keep_suppression=contact.opted_out_at is not None, actor=actor,
                              now=now, commit=False)
        db.session.commit()
        log.info("%s anonymized wave %s of survey %s (retention %d days)", actor, wave.name,
                 wave.survey.slug, wave.survey.retention_days)
    return len(due)


# --- invitations and the outbox ----------------------------------------------------------------


def create_invitation(wave: Wave, contact: Contact, *, expires_at: datetime | None = None,
                      commit: bool = True) -> Invitation:
    """The contact's invitation to ``wave`` (existing one if there is one).

    Without ``expires_at``, a link expires ``LINK_VALID_DAYS`` after it is made when that
    setting is above 0 (and in any case stops working when the wave closes).
    """
    invitation = db.session.scalar(
        db.select(Invitation).where(Invitation.wave_id == wave.id, Invitation.contact_id == contact.id)
    )
    if invitation is not None:
        return invitation
    invitation = _new_invitation(wave, contact, expires_at)
    db.session.add(invitation)
    if commit:
        db.session.commit()
    return invitation


def _new_invitation(wave: Wave, contact: Contact, expires_at: datetime | None = None) -> Invitation:
    valid_days = current_app.config.get("LINK_VALID_DAYS", 0)
    if expires_at is None and valid_days > 0:
        expires_at = utcnow() + timedelta(days=valid_days)
    nonce = new_nonce()
    return Invitation(
        wave_id=wave.id,
        contact_id=contact.id,
        token_nonce=nonce,
        token_hash=token_hash(link_token(nonce)),
        language=contact.language,
        expires_at=expires_at,
    )


def _new_message_id() -> str:
    """A Message-ID fixed at queue time: a resent mail carries the same one."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def _queue(invitation: Invitation, kind: str, reminder_number: int, due_at: datetime) -> OutboxMail:
    mail = OutboxMail(invitation_id=invitation.id, kind=kind, reminder_number=reminder_number, state="queued",
                      message_id=_new_message_id(), due_at=due_at)
    db.session.add(mail)
    return mail


def _commit_queue(what: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvitationError(f"another run queued {what} at the same time; nothing queued, try again") from None


def queue_invitations(survey: Survey, wave: Wave, *, now: datetime | None = None, actor: str = "system") -> int:
    """Queue one invitation mail for every mailable contact without one in ``wave``. Returns the number.

    Mails for a wave that opens later become due when it opens. A closed wave is refused.
    """
    now = now or utcnow()
    if wave.closes_at is not None and wave.closes_at <= now:
        raise InvitationError(f"wave {wave.name} is closed")
    already = db.select(Invitation.contact_id).join(OutboxMail, OutboxMail.invitation_id == Invitation.id).where(
        Invitation.wave_id == wave.id, Invitation.contact_id.is_not(None), OutboxMail.kind == "invitation")
    # Someone who already answered (e.g. through a link handed out another way) needs no invitation.
    answered = db.select(Invitation.contact_id).join(Response, Response.invitation_id == Invitation.id).where(
        Invitation.wave_id == wave.id, Invitation.contact_id.is_not(None))
    contacts = db.session.scalars(
        db.select(Contact).where(
            Contact.survey_id == survey.id, Contact.email.is_not(None), Contact.opted_out_at.is_(None),
            Contact.undeliverable_at.is_(None), Contact.id.not_in(already), Contact.id.not_in(answered),
        ).order_by(Contact.id)
    ).all()
    due_at = max(now, wave.opens_at)
    # Two statements for the whole list, not a query per contact (a customer base can be large).
    existing = {invitation.contact_id: invitation for invitation in db.session.scalars(
        db.select(Invitation).where(Invitation.wave_id == wave.id, Invitation.contact_id.is_not(None))
    )}
    invitations = [existing.get(contact.id) or _new_invitation(wave, contact) for contact in contacts]
    db.session.add_all(invitations)
    db.session.flush()
    for invitation in invitations:
        _queue(invitation, "invitation", 0, due_at)
    _commit_queue("invitations")
    log.info("%s queued %d invitation(s) for wave %s of survey %s", actor, len(contacts), wave.name, survey.slug)
    return len(contacts)


def queue_reminders(survey: Survey, wave: Wave, now: datetime | None = None, *, actor: str = "system") -> int:
    """Queue a reminder for every invitation of ``wave`` that is due one. Returns the number.

    Due means: the wave is open; the contact can be mailed (not opted out, not bounced);
    no completed response; no mail of this invitation still pending; the last mail went
    out ``survey.reminder_after_days`` days ago or more; fewer than ``survey.max_reminders``
    reminders so far.
    """
    now = now or utcnow()
    if not wave.is_open(now):
        return 0
    cutoff = now - timedelta(days=survey.reminder_after_days)
    candidates = db.session.scalars(
        db.select(Invitation).join(Contact, Invitation.contact_id == Contact.id).where(
            Invitation.wave_id == wave.id, Invitation.last_mailed_at.is_not(None),
            Invitation.last_mailed_at <= cutoff, Contact.email.is_not(None),
            Contact.opted_out_at.is_(None), Contact.undeliverable_at.is_(None),
        ).order_by(Invitation.id)
    ).all()
    queued = 0
    for invitation in candidates:
        if invitation.response is not None and invitation.response.completed:
            continue
        mails = db.session.scalars(db.select(OutboxMail).where(OutboxMail.invitation_id == invitation.id)).all()
        if any(m.state in PENDING_STATES for m in mails):
            continue
        reminders = [m.reminder_number for m in mails if m.kind == "reminder"]
        if len(reminders) >= survey.max_reminders:
            continue
        _queue(invitation, "reminder", max(reminders, default=0) + 1, now)
        queued += 1
    _commit_queue("reminders")
    log.info("%s queued %d reminder(s) for wave %s of survey %s", actor, queued, wave.name, survey.slug)
    return queued


# --- the outbox's state changes, used by the mailer --------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def mark_stale_claims_uncertain(*, now: datetime | None = None) -> int:
    """Rows left in "sending" past the claim timeout: their sender died between SMTP and recording.

    The SMTP server may have accepted such a mail, so it is not resent automatically: the
    row becomes "uncertain" until someone decides (``mail send --retry-uncertain``).
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=_setting("MAIL_CLAIM_TIMEOUT_SECONDS", DEFAULT_CLAIM_TIMEOUT_SECONDS))
    count = db.session.execute(
        db.update(OutboxMail).where(OutboxMail.state == "sending", OutboxMail.claimed_at <= cutoff)
        .values(state="uncertain", last_error="sender stopped after claiming; the mail may have been sent")
    ).rowcount
    db.session.commit()
    if count:
        log.warning("%d mail(s) found claimed but never recorded: marked uncertain, not resent", count)
    return count


def requeue_uncertain(*, now: datetime | None = None, actor: str = "system") -> int:
    """Queue the uncertain mails again, with their original Message-ID. Returns how many."""
    now = now or utcnow()
    count = db.session.execute(
        db.update(OutboxMail).where(OutboxMail.state == "uncertain").values(state="queued", due_at=now)
    ).rowcount
    db.session.commit()
    if count:
        log.info("%s re-queued %d uncertain mail(s)", actor, count)
    return count


def _due(now: datetime):
    return db.select(OutboxMail.id).where(OutboxMail.state == "queued", OutboxMail.due_at <= now)


def count_due(*, now: datetime | None = None) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(_due(now or utcnow()).subquery()))


def claim_mails(*, now: datetime | None = None, limit: int = 1) -> list[OutboxMail]:
    """Claim up to ``limit`` due mails for this sender, in due order ([] when nothing is due).

    The claim (state "sending", ``claimed_at``, ``attempts + 1``) is one UPDATE, committed
    before any of them is sent, so no other sender can take them. PostgreSQL picks the rows
    with ``FOR UPDATE SKIP LOCKED``, so concurrent senders pass each other without waiting
    and each gets a batch of its own; on SQLite the single UPDATE runs under the database's
    write lock, so of two racing senders one claims a row and the other does not see it.
    The mails come back with their invitation, contact, response, wave and survey loaded
    (a few statements per batch, none per mail).
    """
    now = now or utcnow()
    due = _due(now).order_by(OutboxMail.due_at, OutboxMail.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        # A materialized CTE: as a plain IN (subquery) the planner may run the subquery again
        # and claim more than ``limit`` rows.
        due = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        due = db.select(due.c.id)
    claimed = db.session.scalars(
        db.update(OutboxMail)
        .where(OutboxMail.id.in_(due.scalar_subquery()), OutboxMail.state == "queued")
        .values(state="sending", claimed_at=now, attempts=OutboxMail.attempts + 1)
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    if not claimed:
        return []
    invitation = joinedload(OutboxMail.invitation)
    wave = invitation.selectinload(Invitation.wave)
    return list(db.session.scalars(
        db.select(OutboxMail)
        .where(OutboxMail.id.in_(claimed))
        .order_by(OutboxMail.due_at, OutboxMail.id)
        .options(
            invitation.joinedload(Invitation.contact),
            invitation.joinedload(Invitation.response),
            wave.selectinload(Wave.survey).selectinload(Survey.questionnaire_version),
        )
        .execution_options(populate_existing=True)
    ).unique())


def release_claims(mails: list[OutboxMail]) -> None:
    """Give back claimed mails that were never handed to the SMTP server (a run that stops early)."""
    if not mails:
        return
    db.session.execute(
        db.update(OutboxMail)
        .where(OutboxMail.id.in_([mail.id for mail in mails]), OutboxMail.state == "sending")
        .values(state="queued", attempts=OutboxMail.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    for mail in mails:
        db.session.expire(mail)


def record_sent(mails: list[tuple[OutboxMail, datetime]]) -> None:
    """The SMTP server accepted these mails (or they were written to MAIL_DIR), each at its time.

    A sender records a batch's results in one transaction, not committed here: should it die
    before committing, those mails stay "sending" and become "uncertain", which is true. Two
    or three statements for the whole batch (executemany), not an ORM flush of every row; the
    loaded objects get the same values.
    """
    if not mails:
        return
    outbox, invitations = OutboxMail.__table__, Invitation.__table__
    db.session.execute(
        outbox.update().where(outbox.c.id == db.bindparam("mail_id"))
        .values(state="sent", sent_at=db.bindparam("at"), last_error=None),
        [{"mail_id": mail.id, "at": at} for mail, at in mails])
    mailed = [(mail.invitation, at, mail.kind == "reminder") for mail, at in mails if mail.invitation is not None]
    if mailed:
        db.session.execute(
            invitations.update().where(invitations.c.id == db.bindparam("invitation_id"))
            .values(last_mailed_at=db.bindparam("at"),
                    reminders_sent=db.func.coalesce(invitations.c.reminders_sent, 0) + db.bindparam("reminder")),
            [{"invitation_id": invitation.id, "at": at, "reminder": int(reminder)}
             for invitation, at, reminder in mailed])
    for mail, at in mails:
        set_committed_value(mail, "state", "sent")
        set_committed_value(mail, "sent_at", at)
        set_committed_value(mail, "last_error", None)
    for invitation, at, reminder in mailed:
        set_committed_value(invitation, "last_mailed_at", at)
        if reminder:
            set_committed_value(invitation, "reminders_sent", (invitation.reminders_sent or 0) + 1)


def record_cancelled(mail: OutboxMail, reason: str, *, commit: bool = True) -> None:
    """Not sent, on purpose: the contact opted out, bounced, was erased, completed, or the wave closed."""
    mail.state = "cancelled"
    mail.last_error = reason
    if commit:
        db.session.commit()
    log.info("mail %s cancelled: %s", mail.id, reason)


def record_temporary_failure(mail: OutboxMail, error: str, *, now: datetime | None = None) -> bool:
    """Try again later (exponential backoff), or give up after MAIL_MAX_ATTEMPTS. True if retried."""
    now = now or utcnow()
    mail.last_error = error
    if mail.attempts >= _setting("MAIL_MAX_ATTEMPTS", 5):
        mail.state = "failed"
        db.session.commit()
        log.warning("mail %s failed after %d attempts: %s", mail.id, mail.attempts, error)
        return False
    base = _setting("MAIL_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS)
    delay = min(timedelta(seconds=base * 2 ** max(mail.attempts - 1, 0)), MAX_RETRY_DELAY)
    mail.state = "queued"
    mail.due_at = now + delay
    db.session.commit()
    log.info("mail %s: temporary failure (%s); retry after %s", mail.id, error, mail.due_at)
    return True


def record_permanent_failure(mail: OutboxMail, error: str, *, undeliverable: bool,
                             now: datetime | None = None) -> None:
    """The server refused for good; with ``undeliverable`` the contact's address is marked bounced."""
    now = now or utcnow()
    mail.state = "failed"
    mail.last_error = error
    contact = mail.invitation.contact if mail.invitation else None
    if undeliverable and contact is not None:
        contact.undeliverable_at = now
        _cancel_queued(contact, reason="address undeliverable")
    db.session.commit()
    log.warning("mail %s failed permanently: %s", mail.id, error)


def record_uncertain(mail: OutboxMail, error: str) -> None:
    """The connection broke mid-transaction: the server may have accepted the mail."""
    mail.state = "uncertain"
    mail.last_error = error
    db.session.commit()
    log.warning("mail %s uncertain: %s", mail.id, error)



def retry_mails(survey: Survey, *, now: datetime | None = None, actor: str = "system") -> int:
    """Queue the failed and uncertain mails of ``survey`` again (same Message-ID, attempts from 0).

    For a researcher who fixed the cause (a mail server, an address in the CRM) or checked that
    the uncertain ones did not go out. Mails of closed waves or of contacts who can no longer be
    mailed are cancelled by the sender when their turn comes. Returns how many were queued.
    """
    now = now or utcnow()
    count = db.session.execute(
        db.update(OutboxMail)
        .where(OutboxMail.state.in_(("failed", "uncertain")),
               OutboxMail.invitation_id.in_(db.select(Invitation.id).join(Wave).where(Wave.survey_id == survey.id)))
        .values(state="queued", due_at=now, attempts=0)
    ).rowcount
    db.session.commit()
    log.info("%s re-queued %d failed or uncertain mail(s) of survey %s", actor, count, survey.slug)
    return count
