"""``surveyapp questionnaire``: validate, publish and list questionnaire files."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import QuestionnaireVersion
from .validate import validate


@click.group()
def questionnaire():
    """Questionnaires written as YAML files."""


questionnaire.add_command(validate)


@questionnaire.command("publish")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def publish(file):
    """Validate FILE and store it as a new, immutable questionnaire version."""
    from ..questionnaire import QuestionnaireError
    from ..surveys import publish_questionnaire

    try:
        result = publish_questionnaire(file)
    except QuestionnaireError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    version = result.version
    if not result.created:
        click.echo(f"{version.key} version {version.version} is identical ({version.content_hash[:12]}); nothing published.")
        return
    click.echo(f"Published {version.key} version {version.version} ({version.content_hash[:12]}).")
    for change in result.changes:
        marker = "BREAKS COMPARABILITY" if change.breaking else "change"
        click.echo(f"  {marker}: {change}")
    if result.breaking_changes:
        click.echo(
            f"{len(result.breaking_changes)} change(s) break comparability with waves answered on earlier versions."
        )


@questionnaire.command("list")
@with_appcontext
def list_versions():
    """List published questionnaire versions."""
    versions = db.session.scalars(
        db.select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
    ).all()
    if not versions:
        click.echo("No questionnaires published yet. Use: surveyapp questionnaire publish FILE")
        return
    click.echo(f"{'questionnaire':<28} {'version':>7}  {'hash':<12}  {'published (UTC)':<16}  title")
    for v in versions:
        click.echo(
            f"{v.key:<28} {v.version:>7}  {v.content_hash[:12]}  {v.published_at:%Y-%m-%d %H:%M}  {v.title}"
        )
