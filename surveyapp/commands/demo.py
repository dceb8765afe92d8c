"""``surveyapp demo``: a working service with a demo survey in one command."""

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to serve on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo data, print the links, and exit.")
@click.option("--contacts", default=400, show_default=True, type=int, help="Number of synthetic contacts.")
@with_appcontext
def demo(host, port, no_serve, contacts):
    """Create or upgrade the database, load the demo survey and serve it."""
    from ..demo import build_demo

    app = current_app._get_current_object()
    if not os.environ.get("SURVEYAPP_BASE_URL"):  # links must point at the port we serve on
        app.config["BASE_URL"] = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    upgrade()
    result = build_demo(contacts=contacts)
    click.echo("")
    click.echo(f"Demo survey '{result.survey.slug}': {result.responses} responses "
               f"({'created now' if result.created else 'already there, reused'}).")
    if result.queued_mails:
        click.echo(f"{result.queued_mails} invitation mails wait in the outbox: surveyapp mail send")
    click.echo(f"Manager login: {app.config['BASE_URL']}/login  {result.manager_email} / {result.manager_password}")
    click.echo("Unused respondent links:")
    for language, link in result.links:
        click.echo(f"  {link}  ({language})")
    if no_serve:
        return
    click.echo(f"\nServing on http://{host}:{port}/ (press Ctrl+C to stop)")
    # app.run() is a no-op inside a Flask CLI command, so start werkzeug's server directly.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True)
