"""The ``surveyapp`` command: Flask's CLI group plus our own commands.

Commands are thin: they parse options, call the same functions the web uses, and
print. Errors are shown as one clear message with exit code 1, never a traceback.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from . import create_app


def _create_app() -> Flask:
    from .config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


class SurveyappGroup(FlaskGroup):
    """Flask's group, turning a database that was never set up into a clear message."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as error:  # sqlalchemy is not imported here: `surveyapp drivers` needs no database
            if _missing_table(error):
                raise click.ClickException(
                    "The database has no surveyapp tables yet. Run: surveyapp db upgrade"
                ) from None
            if type(error).__name__ == "OperationalError":
                raise click.ClickException(
                    f"Cannot use the database ({_first_line(error)}). Check SURVEYAPP_DATABASE_URL and that "
                    "the database server is running."
                ) from None
            raise


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", error)).strip().splitlines()[0][:200]


def _missing_table(error: Exception) -> bool:
    if type(error).__name__ not in ("OperationalError", "ProgrammingError"):
        return False
    text = str(getattr(error, "orig", error)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


@click.group(cls=SurveyappGroup, create_app=_create_app, add_version_option=False)
def main():
    """surveyapp: questionnaires, respondents, invitations and driver analysis."""


def _add_standalone_commands() -> None:
    """Commands that work on files alone: on the group itself, so they never build the app
    (``surveyapp drivers`` on a million-row CSV should cost the analysis, not Flask's start-up)."""
    from .analysis.drivers_command import drivers

    main.add_command(drivers)


_add_standalone_commands()


def run() -> None:
    """The ``surveyapp`` console script.

    ``surveyapp drivers`` works on a file alone, so it is dispatched before Flask's group
    starts (which imports Flask and scans every installed package for plugin commands):
    on a million-row CSV the command should cost the analysis, not the web app's start-up.
    Everything else goes through :func:`main`.
    """
    import sys

    if len(sys.argv) > 1 and sys.argv[1] == "drivers":
        from .analysis.drivers_command import drivers

        drivers.main(args=sys.argv[2:], prog_name="surveyapp drivers")
    main()


def register_commands(app: Flask) -> None:
    """Attach every command to the app's CLI group (so ``flask --app surveyapp`` has them too)."""
    from .commands import access, analyze, apikeys, demo, questionnaire, survey, translate, users
    from .invitations import commands as invitations

    for command in (
        questionnaire.questionnaire,
        survey.survey,
        demo.demo,
        users.user,
        translate.translate,
        analyze.analyze,
        invitations.contacts,
        invitations.wave,
        invitations.invite,
        invitations.mail,
        access.access,
        apikeys.apikey,
    ):
        app.cli.add_command(command)
