"""``surveyapp user``: accounts for researchers, managers and administrators."""

import click
from flask.cli import with_appcontext

from ..models import ROLES
from ..users import create_or_update_user


@click.group()
def user():
    """Manage user accounts."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="manager", show_default=True)
@click.option("--name", default="")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create(email, role, name, password):
    """Create a user, or update the role and password of an existing one."""
    account = create_or_update_user(email, password, role=role, name=name)
    click.echo(f"{account.email}: {account.role}")
