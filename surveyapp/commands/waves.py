"""``surveyapp wave``: open, close and list a survey's waves; response rates."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..invitations import operations
from ..models import Invitation, Response
from ..models.base import utcnow
from .common import actor, find_survey_or_fail, find_wave_or_fail, survey_option


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
    survey = find_survey_or_fail(slug)
    name = name or f"{utcnow():%Y-%m}"
    closes_at = closes + timedelta(days=1) if closes else None
    if closes_at is not None and closes_at <= utcnow():
        raise click.ClickException(f"--closes {closes:%Y-%m-%d} is in the past")
    if operations.find_wave(survey, name) is not None:
        click.echo(f"Wave {name} of {survey.slug} already exists.")
        return
    try:
        operations.open_wave(survey, name, closes_at=closes_at, actor=actor())
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
    survey = find_survey_or_fail(slug)
    cancelled = operations.close_wave(find_wave_or_fail(survey, name), actor=actor())
    click.echo(f"Closed wave {name} of {survey.slug}; {cancelled} unsent mail(s) cancelled.")


@wave.command("list")
@survey_option
@with_appcontext
def list_command(slug):
    """List a survey's waves."""
    survey = find_survey_or_fail(slug)
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
    from ..invitations.rates import response_rates

    survey = find_survey_or_fail(slug)
    if by in ("email", "name", "crm_id"):
        raise click.ClickException(f"--by {by}: rates are broken down by a group attribute "
                                   "(segment, channel, persona, ...), never per person")
    rows = response_rates(survey, find_wave_or_fail(survey, wave_name) if wave_name else None, by=by)
    header = f"{'wave':<14} {by:<16} {'invited':>7} {'opened':>7} {'started':>7} {'completed':>9} " \
             f"{'rate':>6} {'bounced':>7} {'opted out':>9}"
    click.echo(header)
    for r in rows:
        rate = f"{r.response_rate:.0%}" if r.response_rate is not None else "-"
        group = "(all)" if r.group is None else r.group
        click.echo(f"{r.wave:<14} {group:<16} {r.invited:>7} {r.opened:>7} {r.started:>7} {r.completed:>9} "
                   f"{rate:>6} {r.bounced:>7} {r.opted_out:>9}")
