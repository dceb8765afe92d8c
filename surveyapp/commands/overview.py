"""``surveyapp --help`` without building the app.

Listing the commands through Flask's group imports Flask, builds the app and scans every
installed package for plugin commands: seconds, for a page of text. This prints the same page
from the table below; tests/test_cli.py checks that it equals the page Flask's group prints, so a
new command must be added here too.
"""

from __future__ import annotations

import click

DESCRIPTION = "surveyapp: questionnaires, respondents, invitations and driver analysis."

#: Every command of ``surveyapp``, with the first paragraph of its help (short helps for Flask's own).
OVERVIEW = {
    "access": "Give users access to surveys, or take it away (admins see every survey).",
    "analyze": "Print the KPIs and the driver analysis of survey SLUG.",
    "apikey": "Personal API keys (sent as: Authorization: Bearer KEY).",
    "contacts": "Import contacts, erase a person's data, apply retention.",
    "db": "Perform database migrations.",
    "demo": "Create or upgrade the database, load the demo survey and serve it.",
    "drivers": "Driver analysis of FILE (CSV or XLSX): which drivers move OUTCOME, and how much.",
    "invite": "Queue invitation mails (or reminders) for a wave; `surveyapp mail send` sends them.",
    "limiter": "Flask-Limiter maintenance & utility commands",
    "mail": "The outbox of invitation and reminder mails.",
    "plan": "Responses needed per wave to detect CHANGE in a KPI between two independent waves (two-sided z-test, equal n per wave).",
    "questionnaire": "Questionnaires written as YAML files.",
    "report": "Write the results of survey SLUG to a file, for a meeting, a spreadsheet, SPSS or the CRM.",
    "rake": "Weight the respondents in FILE (CSV or XLSX) to known population shares by raking.",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "shell": "Run a shell in the app context.",
    "survey": "Surveys: a questionnaire put to a customer base, in waves.",
    "translate": "Translation and localization commands.",
    "user": "Manage user accounts.",
    "wave": "Open, close and list waves; response rates.",
}

#: Flask's group options, as ``flask.cli`` words them.
FLASK_OPTIONS = (
    click.Option(["-e", "--env-file"], type=click.Path(exists=True, dir_okay=False), help=(
        "Load environment variables from this file, taking precedence over those set by '.env' and "
        "'.flaskenv'. Variables set directly in the environment take highest precedence. python-dotenv "
        "must be installed.")),
    click.Option(["-A", "--app"], metavar="IMPORT", help=(
        "The Flask application or factory function to load, in the form 'module:name'. Module can be a "
        "dotted import or file path. Name is not required if it is 'app', 'application', 'create_app', or "
        "'make_app', and can be 'name(args)' to pass arguments.")),
    click.Option(["--debug/--no-debug"], help="Set debug mode."),
)


def overview_group() -> click.Group:
    group = click.Group("surveyapp", help=DESCRIPTION, params=list(FLASK_OPTIONS))
    for name, text in OVERVIEW.items():
        group.add_command(click.Command(name, help=text))
    return group


def print_overview() -> None:
    group = overview_group()
    with click.Context(group, info_name="surveyapp") as ctx:
        click.echo(group.get_help(ctx))
