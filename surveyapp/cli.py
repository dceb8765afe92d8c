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


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """surveyapp: questionnaires, respondents, invitations and driver analysis."""


def register_commands(app: Flask) -> None:
    """Attach every command to the app's CLI group (so ``flask --app surveyapp`` has them too)."""
    from .commands import demo, questionnaire, users

    app.cli.add_command(questionnaire.questionnaire)
    app.cli.add_command(demo.demo)
    app.cli.add_command(users.user)
    for module_name, command_name in (
        ("surveyapp.analysis.drivers_command", "drivers"),
        ("surveyapp.commands.analyze", "analyze"),
        ("surveyapp.invitations.commands", "contacts"),
        ("surveyapp.invitations.commands", "wave"),
        ("surveyapp.invitations.commands", "invite"),
        ("surveyapp.invitations.commands", "mail"),
    ):
        _add_optional(app, module_name, command_name)


def _add_optional(app: Flask, module_name: str, command_name: str) -> None:
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return
    app.cli.add_command(getattr(module, command_name))
