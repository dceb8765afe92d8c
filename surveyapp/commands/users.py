"""``surveyapp user``: accounts for researchers, managers and administrators."""

import click
from flask.cli import with_appcontext

from ..models import ROLES
from ..passwords import MIN_LENGTH, WeakPasswordError
from ..users import create_or_update_user, find_user, set_active


@click.group()
def user():
    """Manage user accounts."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="manager", show_default=True)
@click.option("--name", default="")
@click.password_option(help=f"Prompted for when not given; at least {MIN_LENGTH} characters, not a common one.")
@with_appcontext
def create(email, role, name, password):
    """Create a user, or update the role and password of an existing one."""
    try:
        account = create_or_update_user(email, password, role=role, name=name)
    except WeakPasswordError as error:
        raise click.ClickException(f"password refused: {error}") from None
    click.echo(f"{account.email}: {account.role}")
    if account.role != "admin":
        click.echo(f"Give access to a survey with: surveyapp access grant {account.email} --survey SLUG")


def _account(email: str):
    account = find_user(email)
    if account is None:
        raise click.ClickException(f"no user {email.strip().lower()}; see: surveyapp user create --help")
    return account


@user.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email):
    """Stop EMAIL from signing in; their sessions and API keys stop working at once."""
    account = _account(email)
    set_active(account, False)
    click.echo(f"{account.email}: deactivated")


@user.command("activate")
@click.argument("email")
@with_appcontext
def activate(email):
    """Let a deactivated user sign in again."""
    account = _account(email)
    set_active(account, True)
    click.echo(f"{account.email}: active")
