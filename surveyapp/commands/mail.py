"""``surveyapp invite`` and ``surveyapp mail``: queue invitations and reminders, send the outbox."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..invitations import operations
from .common import actor, find_survey_or_fail, find_wave_or_fail, survey_option


@click.command()
@survey_option
@click.option("--wave", "wave_name", help="Default: the survey's current open wave.")
@click.option("--reminders", is_flag=True, help="Queue reminders instead of invitations.")
@with_appcontext
def invite(slug, wave_name, reminders):
    """Queue invitation mails (or reminders) for a wave; `surveyapp mail send` sends them."""
    survey = find_survey_or_fail(slug)
    target = find_wave_or_fail(survey, wave_name)
    try:
        if reminders:
            count = operations.queue_reminders(survey, target, actor=actor())
            what = "reminder(s)"
        else:
            count = operations.queue_invitations(survey, target, actor=actor())
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

    from ..invitations.mailer import send_due_mails

    waves = operations.apply_retention(actor=actor())
    if waves:
        click.echo(f"Retention: anonymized {waves} wave(s).")
    stale = operations.mark_stale_claims_uncertain()
    requeued = operations.requeue_uncertain(actor=actor()) if retry_uncertain else 0
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
