"""Sending the outbox: through SMTP, or into MAIL_DIR as .eml files when no SMTP host is set.

The guarantee is *at most once*, and the rare case where that cannot be known is shown,
not guessed:

1. Mails are claimed, a batch at a time, in a committed transaction of their own (state
   "sending", attempts + 1); see :func:`~surveyapp.invitations.operations.claim_mails`.
   Several senders at once each claim different rows. Claimed mails a run does not get
   to (it stops early) are given back to the queue.
2. It is sent; 3. the result is recorded ("sent", or back to "queued" with a later
   ``due_at`` after a temporary failure, or "failed").

A sender that dies between 2 and 3 leaves the row in "sending". A later run cannot tell
whether the SMTP server accepted it, so after the claim timeout (MAIL_CLAIM_TIMEOUT_SECONDS,
default 10 minutes, far longer than one SMTP transaction) it marks the row "uncertain" and
does not resend it; ``surveyapp mail send --retry-uncertain`` sends those again with their
original Message-ID, so receiving servers can drop a duplicate. The same happens when the
connection breaks in the middle of a transaction.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from flask import current_app

from ..extensions import db
from ..models import OutboxMail
from ..models.base import utcnow
from . import alerts, operations
from .mails import InvitationMails

log = logging.getLogger(__name__)

#: Mails claimed at once by a sender. A sender killed outright (no chance to give back what
#: it claimed) leaves at most this many mails "uncertain". Each batch costs the sender about
#: 17 ms of CPU besides its mails' own (a claiming UPDATE, four loading SELECTs, recording the
#: results, two commits), against about 0.8 ms per mail: 0.17 ms a mail at 100, 0.34 at 50.
BATCH_SIZE = 100


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0  # temporary failures, queued again for later
    failed: int = 0  # permanent failures and mails given up on
    cancelled: int = 0  # opted out, bounced, erased, completed or wave closed
    uncertain_found: int = 0  # claimed by a sender that stopped, or broken mid-transaction
    uncertain_total: int = 0  # all mails now waiting for --retry-uncertain
    requeued: int = 0  # uncertain mails queued again by --retry-uncertain
    in_flight: int = 0  # claimed by another sender that is still running
    mail_dir: str | None = None  # set when mails were written as files instead of sent
    stopped: str | None = None  # why the run ended early (server unreachable, sender refused)


class SmtpTransport:
    """One SMTP connection, opened on first use and reopened when the server dropped it."""

    IDLE_CHECK_SECONDS = 2.0

    def __init__(self, config):
        self.host = config["SMTP_HOST"]
        self.port = int(config["SMTP_PORT"])
        self.tls = config["SMTP_TLS"]
        self.timeout = float(config["SMTP_TIMEOUT"])
        self.user = config.get("SMTP_USER")
        self.password = config.get("SMTP_PASSWORD")
        self.envelope_from = parseaddr(config["MAIL_FROM"])[1]
        self.ca_file = config.get("SMTP_CA_FILE")
        self.smtp: smtplib.SMTP | None = None
        self.last_used = 0.0

    def describe(self) -> str:
        return f"SMTP server {self.host}:{self.port}"

    def ensure_connected(self) -> None:
        """Connect, or check the open connection with NOOP (so a send never starts on a dead one).

        A connection used in the last IDLE_CHECK_SECONDS is taken as alive: servers drop idle
        connections after minutes, not seconds, and a NOOP per mail would cost a round trip each.
        """
        if self.smtp is not None and time.monotonic() - self.last_used < self.IDLE_CHECK_SECONDS:
            return
        if self.smtp is not None:
            try:
                if self.smtp.noop()[0] == 250:
                    return
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        # Certificates are always verified (system CAs, or SMTP_CA_FILE for a private CA).
        context = ssl.create_default_context(cafile=self.ca_file)
        if self.tls == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                smtp.starttls(context=context)
        if self.user:
            smtp.login(self.user, self.password or "")
        self.smtp = smtp

    def send(self, message: EmailMessage | bytes, recipient: str, mail: OutboxMail) -> None:
        """Send ``message``: an EmailMessage, or the complete bytes (ASCII addresses, CRLF line ends)."""
        self.last_used = 0.0  # after any failure, check the connection before the next mail
        if self.smtp is None or self.smtp.sock is None:
            # Closed after the previous mail's failure (by us, or by smtplib on a 421 reply):
            # nothing of this mail has been sent yet, so connect again first.
            self.smtp = None
            self.ensure_connected()
        if isinstance(message, bytes):
            self.smtp.sendmail(self.envelope_from, [recipient], message)
        else:
            self.smtp.send_message(message, from_addr=self.envelope_from, to_addrs=[recipient])
        self.last_used = time.monotonic()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


class DirectoryTransport:
    """Development without an SMTP server: each mail becomes MAIL_DIR/<outbox id>-<kind>.eml."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def describe(self) -> str:
        return f"directory {self.directory}"

    def ensure_connected(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage | bytes, recipient: str, mail: OutboxMail) -> None:
        data = message if isinstance(message, bytes) else message.as_bytes()
        (self.directory / f"{mail.id:06d}-{mail.kind}.eml").write_bytes(data)

    def close(self) -> None:
        pass


def cancel_reason(mail: OutboxMail, now: datetime) -> str | None:
    """Why ``mail`` must not go out any more, or None."""
    if mail.kind == alerts.KIND:
        return alerts.alert_cancel_reason(mail)
    invitation = mail.invitation
    contact = invitation.contact if invitation is not None else None
    if contact is None or not contact.email:
        return "contact erased"
    if contact.opted_out_at is not None:
        return "opted out"
    if contact.undeliverable_at is not None:
        return "address undeliverable"
    if invitation.wave.closes_at is not None and invitation.wave.closes_at <= now:
        return "wave closed"
    if invitation.response is not None and invitation.response.completed:
        return "response completed"
    return None


def send_due_mails(*, limit: int | None = None, retry_uncertain: bool = False, now: datetime | None = None,
                   on_progress: Callable[[int], None] | None = None,
                   after_accept: Callable[[OutboxMail], None] | None = None) -> SendReport:
    """Send the mails that are due, at most ``limit``; safe to run from several processes at once.

    ``now`` fixes the clock (tests, reminders); ``on_progress(1)`` is called per mail handled.
    ``after_accept(mail)`` runs after the SMTP server accepted a mail and before that is
    recorded: a failure there is exactly the crash this module guards against (tests use it).
    """
    config = current_app.config
    clock = (lambda: now) if now is not None else utcnow
    report = SendReport()
    report.uncertain_found = operations.mark_stale_claims_uncertain(now=clock())
    if retry_uncertain:
        report.requeued = operations.requeue_uncertain(now=clock(), actor="mail send --retry-uncertain")
    if config.get("SMTP_HOST"):
        transport = SmtpTransport(config)
        interval = 60.0 / config["MAIL_RATE_PER_MINUTE"] if config.get("MAIL_RATE_PER_MINUTE", 0) > 0 else 0.0
    else:
        transport = DirectoryTransport(config["MAIL_DIR"])
        report.mail_dir = str(transport.directory)
        interval = 0.0
    mails = InvitationMails()
    handled = 0
    last_sent: float | None = None
    # What a batch loaded stays loaded across the per-mail commits (see claim_mails).
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    batch: list[OutboxMail] = []
    sent: list[tuple[OutboxMail, datetime]] = []  # accepted by the server, recorded per batch
    try:
        while limit is None or handled < limit:
            if interval and last_sent is not None:
                # Pace before claiming, so the wait never counts against the claim timeout.
                time.sleep(max(0.0, last_sent + interval - time.monotonic()))
            # Paced sending claims one mail at a time: a batch must never wait out the claim timeout.
            size = 1 if interval else BATCH_SIZE
            if limit is not None:
                size = min(size, limit - handled)
            batch = operations.claim_mails(now=clock(), limit=size)
            if not batch:
                break
            try:
                transport.ensure_connected()
            except (smtplib.SMTPException, OSError) as error:
                report.stopped = f"cannot use {transport.describe()}: {_describe(error)}"
                log.error("mail send stopped: %s", report.stopped)
                break
            while batch and not report.stopped:
                mail = batch.pop(0)
                handled += 1
                outcome = _deliver(mail, mails, transport, report, clock, after_accept)
                if outcome == "sent":
                    sent.append((mail, clock()))
                    last_sent = time.monotonic()
                if on_progress:
                    on_progress(1)
            recorded, sent = sent, []
            operations.record_sent(recorded)
            db.session.commit()  # the batch's results, in one transaction
            if report.stopped:
                break
    finally:
        try:
            operations.record_sent(sent)
            db.session.commit()  # results recorded so far are true: keep them
            # Claimed but never handed to the server (stopped early): queued again, not uncertain.
            operations.release_claims(batch)
        finally:
            session.expire_on_commit = expire_on_commit
            transport.close()
    report.uncertain_total = _count_state("uncertain")
    report.in_flight = _count_state("sending")
    log.info("mail send: %s", report)
    return report


def _deliver(mail: OutboxMail, mails: InvitationMails, transport, report: SendReport, clock, after_accept) -> str:
    reason = cancel_reason(mail, clock())
    if reason:
        operations.record_cancelled(mail, reason, commit=False)
        report.cancelled += 1
        return "cancelled"
    try:
        message = alerts.build_alert_message(mail) if mail.kind == alerts.KIND else mails.build(mail)
    except Exception as error:  # a template or data problem: nothing was sent, try again later
        log.exception("mail %s could not be rendered", mail.id)
        operations.record_temporary_failure(mail, f"could not render the mail: {_describe(error)}", now=clock())
        report.retried += 1
        return "retried"
    try:
        recipient = alerts.alert_recipient(mail) if mail.kind == alerts.KIND else mail.invitation.contact.email
        transport.send(message, recipient, mail)
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return _refused(mail, code, _text(text), report, clock, recipient=True)
    except smtplib.SMTPSenderRefused as error:
        # Our own MAIL_FROM is refused: every further mail would fail the same way.
        operations.record_temporary_failure(mail, f"{error.smtp_code} {_text(error.smtp_error)}", now=clock())
        report.retried += 1
        report.stopped = f"the server refuses the sender {error.sender}: {error.smtp_code} {_text(error.smtp_error)}"
        return "retried"
    except smtplib.SMTPResponseException as error:
        return _refused(mail, error.smtp_code, _text(error.smtp_error), report, clock, recipient=False)
    except (smtplib.SMTPException, OSError) as error:
        # The connection broke mid-transaction: the server may or may not have accepted it.
        operations.record_uncertain(mail, f"connection lost while sending: {_describe(error)}")
        report.uncertain_found += 1
        transport.close()
        return "uncertain"
    if after_accept is not None:
        after_accept(mail)
    report.sent += 1
    return "sent"  # recorded with the batch (send_due_mails)


def _refused(mail, code: int, text: str, report: SendReport, clock, *, recipient: bool) -> str:
    error = f"{code} {text}"
    if 400 <= code < 500:
        if operations.record_temporary_failure(mail, error, now=clock()):
            report.retried += 1
            return "retried"
        report.failed += 1
        return "failed"
    operations.record_permanent_failure(mail, error, undeliverable=recipient, now=clock())
    report.failed += 1
    return "failed"


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__


def _count_state(state: str) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(OutboxMail).where(OutboxMail.state == state))
