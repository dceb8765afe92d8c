"""The ``surveyapp`` command: Flask's CLI group plus our own commands (in surveyapp/commands/).

Commands are thin: they parse options, call the same functions the web uses, and
print. Errors are shown as one clear message with exit code 1, never a traceback.

Start-up: commands that work on files alone (``drivers``, ``questionnaire validate``) and
``surveyapp --help`` are answered before Flask is even imported; everything else goes through
Flask's group (:func:`main`), which builds the app.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask

#: Every command that needs the app: (name, "module:attribute" under surveyapp/commands/). One a line.
COMMANDS = (
    ("questionnaire", "questionnaire:questionnaire"),
    ("survey", "survey:survey"),
    ("demo", "demo:demo"),
    ("user", "users:user"),
    ("translate", "translate:translate"),
    ("analyze", "analyze:analyze"),
    ("report", "report:report"),
    ("contacts", "contacts:contacts"),
    ("wave", "waves:wave"),
    ("invite", "mail:invite"),
    ("mail", "mail:mail"),
    ("rake", "rake:rake"),
    ("plan", "plan:plan"),
    ("access", "access:access"),
    ("apikey", "apikeys:apikey"),
)

#: Commands that work on files alone, run without the app: the words that call them -> command.
STANDALONE = {
    ("drivers",): "drivers:drivers",
    ("questionnaire", "validate"): "validate:validate",
}


def load_command(target: str) -> click.Command:
    """The command ``"module:attribute"`` of surveyapp/commands/."""
    from importlib import import_module

    module, name = target.split(":")
    return getattr(import_module(f".commands.{module}", __package__), name)


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", error)).strip().splitlines()[0][:200]


def _missing_table(error: Exception) -> bool:
    if type(error).__name__ not in ("OperationalError", "ProgrammingError"):
        return False
    text = str(getattr(error, "orig", error)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _main_group() -> click.Group:
    """Flask's group, turning a database that was never set up into a clear message."""
    from flask.cli import FlaskGroup

    class SurveyappGroup(FlaskGroup):
        def invoke(self, ctx):
            try:
                return super().invoke(ctx)
            except Exception as error:  # sqlalchemy is not imported here
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

    @click.group(cls=SurveyappGroup, create_app=_create_app, add_version_option=False)
    def main():
        """surveyapp: questionnaires, respondents, invitations and driver analysis."""

    main.add_command(load_command(STANDALONE[("drivers",)]))
    return main


_MAIN: list[click.Group] = []


def __getattr__(name: str):
    if name == "main":  # built on first use: building it imports Flask
        if not _MAIN:
            _MAIN.append(_main_group())
        return _MAIN[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    """The ``surveyapp`` console script.

    ``surveyapp drivers`` and ``surveyapp questionnaire validate`` work on files alone, so they
    are dispatched before Flask's group starts (which imports Flask, builds the app and scans
    every installed package for plugin commands): on a million-row CSV the command should cost
    the analysis, not the web app's start-up. ``surveyapp --help`` is printed from
    :mod:`surveyapp.commands.overview` likewise. Everything else goes through :data:`main`.
    """
    args = sys.argv[1:]
    for words, target in STANDALONE.items():
        if tuple(args[: len(words)]) == words:
            load_command(target).main(args=args[len(words):], prog_name=" ".join(("surveyapp", *words)))
    if args == ["--help"]:
        from .commands.overview import print_overview

        print_overview()
        sys.exit(0)
    __getattr__("main")()


def register_commands(app: Flask) -> None:
    """Attach every command to the app's CLI group (so ``flask --app surveyapp`` has them too)."""
    for _, target in COMMANDS:
        app.cli.add_command(load_command(target))
