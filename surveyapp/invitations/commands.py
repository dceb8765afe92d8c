"""``surveyapp contacts | wave | invite | mail``: thin wrappers over the invitation operations."""

from __future__ import annotations

import getpass
import sys
from datetime import timedelta

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Invitation, Response, Survey, Wave
from ..models.base import utcnow
from ..surveys import get_survey
from . import operations
from .importing import ContactFileError


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def _survey(slug: str) -> Survey:
    survey = get_survey(slug)
    if survey is None:
        known = ", ".join(db.session.scalars(db.select(Survey.slug).order_by(Survey.slug))) or "none yet"
        raise click.ClickException(f"no survey {slug!r} (surveys: {known})")
    return survey


def _wave(survey: Survey, name: str | None) -> Wave:
    if name is None:
        wave = survey.current_wave()
        if wave is None:
            raise click.ClickException(
                f"survey {survey.slug} has no open wave; open one with: surveyapp wave open --survey {survey.slug}")
        return wave
    wave = operations.find_wave(survey, name)
    if wave is None:
        known = ", ".join(w.name for w in survey.waves) or "none yet"
        raise click.ClickException(f"survey {survey.slug} has no wave {name!r} (waves: {known})")
    return wave


survey_option = click.option("--survey", "slug", required=True, help="The survey's slug.")


# --- contacts ----------------------------------------------------------------------------------


@click.group()
def contacts():
    """Import contacts, erase a person's data, apply retention."""


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@survey_option
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
@with_appcontext
def import_command(file, slug, dry_run):
    """Import contacts from a CSV or XLSX FILE.

    Columns: email, language (required), name, crm_id, and any others (segment, channel,
    persona, customer_value, ...) kept as attributes. A known CRM id, else a known email,
    updates that contact. Bad rows are reported by row number (header = row 1) and skipped;
    the good rows are imported. Exit code 1 when any row was rejected.
    """
    survey = _survey(slug)
    try:
        report = operations.import_contacts(survey, file, dry_run=dry_run, actor=_actor())
    except ContactFileError as error:
        raise click.ClickException(str(error)) from None
    for problem in report.file_errors:
        click.echo(f"{file}: {problem}", err=True)
    for row_number, reason in report.errors:
        click.echo(f"{file}: row {row_number}: {reason}", err=True)
    if report.suppressed:
        rows = ", ".join(str(n) for n in report.suppressed)
        click.echo(f"Skipped row(s) {rows}: these people were erased and are not imported again.")
    summary = f"{report.created} created, {report.updated} updated, {report.rejected} rejected"
    if report.suppressed:
        summary += f", {len(report.suppressed)} skipped"
    if report.file_errors:
        summary = "Nothing imported: the file's columns are wrong."
    elif dry_run:
        summary += " (dry run: nothing was written)"
    click.echo(summary)
    if not report.ok:
        sys.exit(1)


@contacts.command("erase")
@click.argument("email")
@click.option("--survey", "slug", help="Only this survey's contact list (default: every survey).")
@click.option("--erase-text", is_flag=True,
              help="Also delete the person's free-text answers (open questions, 'other' texts).")
@with_appcontext
def erase_command(email, slug, erase_text):
    """Erase the person with EMAIL: contact data removed, their answers kept anonymously.

    Their mails are deleted from the outbox and the times of their invitation and response
    are kept to the day only, so nothing leads from the mail server's log to the answers.
    A marker (a keyed hash of the address) stays so that a later import does not add and
    mail the person again.
    """
    survey = _survey(slug) if slug else None
    count = operations.erase_person(email, survey=survey, actor=_actor(), erase_text=erase_text)
    if count:
        click.echo(f"Erased {count} contact(s) with that address; their responses are now anonymous.")
        if erase_text:
            click.echo("Their free-text answers were deleted too.")
    else:
        click.echo("No contact with that address; nothing to erase.")


@contacts.command("retention")
@with_appcontext
def retention_command():
    """Anonymize waves whose survey's retention period has passed (run daily from cron)."""
    waves = operations.apply_retention(actor=_actor())
    click.echo(f"Anonymized {waves} wave(s)." if waves else "Nothing to anonymize.")


# --- waves -------------------------------------------------------------------------------------


@click.group()
def wave():
    """Open, close and list waves; response rates."""


@wave.command("open")
@survey_option
@click.option("--name", help="Default: the current year and month, e.g. 2025-06.")
@click.option("--closes", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Last day on which answers are accepted (UTC), YYYY-MM-DD.")
@with_appcontext
def open_command(slug, name, closes):
    """Open a wave of a survey."""
    survey = _survey(slug)
    name = name or f"{utcnow():%Y-%m}"
    closes_at = closes + timedelta(days=1) if closes else None
    if closes_at is not None and closes_at <= utcnow():
        raise click.ClickException(f"--closes {closes:%Y-%m-%d} is in the past")
    if operations.find_wave(survey, name) is not None:
        click.echo(f"Wave {name} of {survey.slug} already exists.")
        return
    try:
        operations.open_wave(survey, name, closes_at=closes_at, actor=_actor())
    except operations.InvitationError as error:
        raise click.ClickException(str(error)) from None
    until = f" until {closes:%Y-%m-%d}" if closes else ""
    click.echo(f"Opened wave {name} of {survey.slug}{until}.")


@wave.command("close")
@survey_option
@click.option("--name", required=True)
@with_appcontext
def close_command(slug, name):
    """Close a wave now; its unsent mails are cancelled."""
    survey = _survey(slug)
    cancelled = operations.close_wave(_wave(survey, name), actor=_actor())
    click.echo(f"Closed wave {name} of {survey.slug}; {cancelled} unsent mail(s) cancelled.")


@wave.command("list")
@survey_option
@with_appcontext
def list_command(slug):
    """List a survey's waves."""
    survey = _survey(slug)
    if not survey.waves:
        click.echo(f"No waves yet. Open one with: surveyapp wave open --survey {slug}")
        return
    now = utcnow()
    click.echo(f"{'wave':<20} {'state':<8} {'opens (UTC)':<16}  {'closes (UTC)':<16}  {'invited':>7} {'completed':>9}")
    for w in survey.waves:
        state = "open" if w.is_open(now) else ("planned" if w.opens_at > now else "closed")
        invited = db.session.scalar(db.select(db.func.count()).select_from(Invitation).where(Invitation.wave_id == w.id))
        completed = db.session.scalar(db.select(db.func.count()).select_from(Response).where(
            Response.wave_id == w.id, Response.status == "completed"))
        closes = f"{w.closes_at:%Y-%m-%d %H:%M}" if w.closes_at else "-"
        click.echo(f"{w.name:<20} {state:<8} {w.opens_at:%Y-%m-%d %H:%M}  {closes:<16}  {invited:>7} {completed:>9}")


@wave.command("rates")
@survey_option
@click.option("--wave", "wave_name", help="One wave (default: all).")
@click.option("--by", default="segment", show_default=True,
              help="Contact attribute to break down by (segment, channel, persona, ...).")
@with_appcontext
def rates_command(slug, wave_name, by):
    """Response rates per wave and segment: invited, opened, started, completed, bounced, opted out."""
    from .rates import response_rates

    survey = _survey(slug)
    if by in ("email", "name", "crm_id"):
        raise click.ClickException(f"--by {by}: rates are broken down by a group attribute "
                                   "(segment, channel, persona, ...), never per person")
    rows = response_rates(survey, _wave(survey, wave_name) if wave_name else None, by=by)
    header = f"{'wave':<14} {by:<16} {'invited':>7} {'opened':>7} {'started':>7} {'completed':>9} " \
             f"{'rate':>6} {'bounced':>7} {'opted out':>9}"
    click.echo(header)
    for r in rows:
        rate = f"{r.response_rate:.0%}" if r.response_rate is not None else "-"
        group = "(all)" if r.group is None else r.group
        click.echo(f"{r.wave:<14} {group:<16} {r.invited:>7} {r.opened:>7} {r.started:>7} {r.completed:>9} "
                   f"{rate:>6} {r.bounced:>7} {r.opted_out:>9}")


# --- invitations and sending -------------------------------------------------------------------


@click.command()
@survey_option
@click.option("--wave", "wave_name", help="Default: the survey's current open wave.")
@click.option("--reminders", is_flag=True, help="Queue reminders instead of invitations.")
@with_appcontext
def invite(slug, wave_name, reminders):
    """Queue invitation mails (or reminders) for a wave; `surveyapp mail send` sends them."""
    survey = _survey(slug)
    target = _wave(survey, wave_name)
    try:
        if reminders:
            count = operations.queue_reminders(survey, target, actor=_actor())
            what = "reminder(s)"
        else:
            count = operations.queue_invitations(survey, target, actor=_actor())
            what = "invitation(s)"
    except operations.InvitationError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Queued {count} {what} for wave {target.name} of {survey.slug}. Send them with: surveyapp mail send")


@click.group()
def mail():
    """The outbox of invitation and reminder mails."""


@mail.command("send")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most N mails.")
@click.option("--retry-uncertain", is_flag=True,
              help="Also resend mails whose earlier sending may or may not have succeeded (same Message-ID).")
@with_appcontext
def send_command(limit, retry_uncertain):
    """Send the queued mails that are due (applies contact retention first). Exit code 1 when the
    SMTP server could not be used."""
    from flask import current_app

    from .mailer import send_due_mails

    waves = operations.apply_retention(actor=_actor())
    if waves:
        click.echo(f"Retention: anonymized {waves} wave(s).")
    stale = operations.mark_stale_claims_uncertain()
    requeued = operations.requeue_uncertain(actor=_actor()) if retry_uncertain else 0
    due = operations.count_due()
    if not current_app.config.get("SMTP_HOST"):
        click.echo(f"SURVEYAPP_SMTP_HOST is not set: writing mails to {current_app.config['MAIL_DIR']} "
                   "as .eml files instead of sending them.")
    with click.progressbar(length=min(due, limit) if limit else due, label="Sending",
                           file=sys.stderr) as bar:
        report = send_due_mails(limit=limit, on_progress=bar.update)
    report.uncertain_found += stale
    report.requeued += requeued
    verb = "written" if report.mail_dir else "sent"
    click.echo(f"{report.sent} {verb}, {report.retried} to retry later, {report.failed} failed, "
               f"{report.cancelled} cancelled.")
    if report.requeued:
        click.echo(f"{report.requeued} uncertain mail(s) were queued again (same Message-ID).")
    if report.uncertain_total:
        click.echo(
            f"{report.uncertain_total} mail(s) uncertain ({report.uncertain_found} found in this run): a sender "
            "stopped after handing them to the SMTP server and before recording the result, so they may "
            "have been sent. They are not resent automatically; check the mail server's log, then run "
            "`surveyapp mail send --retry-uncertain` to send them again.", err=True)
    if report.in_flight:
        click.echo(f"{report.in_flight} mail(s) are being sent by another running sender.")
    if report.stopped:
        click.echo(f"Stopped: {report.stopped}. The remaining mails stay queued.", err=True)
        sys.exit(1)
