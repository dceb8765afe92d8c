"""``surveyapp survey``: create surveys on published questionnaires and change their settings."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import QuestionnaireVersion, Response, Survey
from ..surveys import latest_version
from .common import find_survey_or_fail


@click.group()
def survey():
    """Surveys: a questionnaire put to a customer base, in waves."""


def _version(key: str, number: int | None) -> QuestionnaireVersion:
    if number is None:
        version = latest_version(key)
    else:
        version = db.session.scalar(
            db.select(QuestionnaireVersion).where(QuestionnaireVersion.key == key, QuestionnaireVersion.version == number)
        )
    if version is None:
        which = f"version {number} of " if number else ""
        raise click.ClickException(
            f"no {which}questionnaire '{key}' is published; see: surveyapp questionnaire list"
        )
    return version


def _open_link(item: Survey) -> str:
    return f"{current_app.config['BASE_URL']}/o/{item.open_token}" if item.open_token else "-"


settings_options = [
    click.option("--reminder-after-days", type=int, help="Days after the last mail before a reminder (default 7)."),
    click.option("--max-reminders", type=int, help="At most this many reminders per invitation (default 2)."),
    click.option("--retention-days", type=int, help="Anonymize contacts this many days after a wave closes."),
]


def with_settings(command):
    for option in reversed(settings_options):
        command = option(command)
    return command


@survey.command("create")
@click.argument("slug")
@click.option("--questionnaire", "key", required=True, help="Id of a published questionnaire.")
@click.option("--version", "number", type=int, help="Questionnaire version (default: the latest).")
@click.option("--title", help="Title for managers (default: the questionnaire's title).")
@click.option("--open-link", is_flag=True, help="Also give the survey an anonymous open link (website, QR code).")
@click.option("--alert-to", "alert_to", metavar="ADDRESS",
              help="Mail an alert to ADDRESS for every detractor's completed response (NPS 0-6).")
@with_settings
@with_appcontext
def create(slug, key, number, title, open_link, alert_to, **settings):
    """Create survey SLUG on a published questionnaire."""
    from ..surveys import create_survey, get_survey

    if get_survey(slug) is not None:
        raise click.ClickException(f"survey '{slug}' exists already; change it with: surveyapp survey update")
    try:
        item = create_survey(slug, _version(key, number), title=title, open_link=open_link, alert_to=alert_to,
                             **settings)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Survey {item.slug} created on {key} version {item.questionnaire_version.version}.")
    if item.open_token:
        click.echo(f"Open link: {_open_link(item)}")
    if item.alert_to:
        click.echo(f"Detractor alerts go to {item.alert_to}.")
    click.echo(f"Next: surveyapp wave open --survey {slug}; surveyapp contacts import FILE --survey {slug}")


@survey.command("update")
@click.argument("slug")
@click.option("--version", "number", type=int,
              help="Questionnaire version that new responses answer (0 = the latest).")
@click.option("--open-link/--no-open-link", default=None, help="Switch the anonymous open link on or off.")
@click.option("--alert-to", "alert_to", metavar="ADDRESS",
              help="Mail an alert to ADDRESS for every detractor's completed response; '' switches alerts off.")
@with_settings
@with_appcontext
def update(slug, number, open_link, alert_to, **settings):
    """Change survey SLUG: questionnaire version, reminders, retention, open link."""
    from ..surveys import update_survey, use_version

    item = find_survey_or_fail(slug)
    try:
        if number is not None:
            use_version(item, _version(item.questionnaire_key, number or None))
        update_survey(item, open_link=open_link, alert_to=alert_to, **settings)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Survey {item.slug}: {item.questionnaire_key} version {item.questionnaire_version.version}, "
        f"reminders after {item.reminder_after_days} days (at most {item.max_reminders}), "
        f"retention {f'{item.retention_days} days' if item.retention_days is not None else 'unlimited'}, "
        f"open link {_open_link(item)}, detractor alerts to {item.alert_to or '-'}"
    )


@survey.command("list")
@with_appcontext
def list_surveys():
    """List surveys with their questionnaire, waves and responses."""
    surveys = db.session.scalars(db.select(Survey).order_by(Survey.slug)).all()
    if not surveys:
        click.echo("No surveys yet. Create one with: surveyapp survey create SLUG --questionnaire ID")
        return
    counts = dict(db.session.execute(
        db.select(Response.survey_id, db.func.count(Response.id))
        .where(Response.status == "completed").group_by(Response.survey_id)
    ).all())
    click.echo(f"{'survey':<20} {'questionnaire':<24} {'version':>7} {'waves':>5} {'completed':>9}  open wave")
    for item in surveys:
        wave = item.current_wave()
        click.echo(
            f"{item.slug:<20} {item.questionnaire_key:<24} {item.questionnaire_version.version:>7} "
            f"{len(item.waves):>5} {counts.get(item.id, 0):>9}  {wave.name if wave else '-'}"
        )


def _add_weights() -> None:
    from .weights import weights

    survey.add_command(weights)


_add_weights()
