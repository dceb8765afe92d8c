"""``surveyapp contacts``: import contacts, erase a person's data, apply retention."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..invitations import operations
from ..invitations.importing import ContactFileError
from .common import actor, find_survey_or_fail, survey_option


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
    survey = find_survey_or_fail(slug)
    try:
        report = operations.import_contacts(survey, file, dry_run=dry_run, actor=actor())
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
    survey = find_survey_or_fail(slug) if slug else None
    count = operations.erase_person(email, survey=survey, actor=actor(), erase_text=erase_text)
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
    waves = operations.apply_retention(actor=actor())
    click.echo(f"Anonymized {waves} wave(s)." if waves else "Nothing to anonymize.")
