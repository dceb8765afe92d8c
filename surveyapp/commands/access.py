"""``surveyapp access``: which user may see which survey."""

import click
from flask.cli import with_appcontext

from ..access import grant_access, granted_users, revoke_access
from ..surveys import get_survey
from ..users import find_user


@click.group()
def access():
    """Give users access to surveys, or take it away (admins see every survey)."""


def _user_and_survey(email: str, slug: str):
    account = find_user(email)
    if account is None:
        raise click.ClickException(f"no user {email.strip().lower()}; create one with: surveyapp user create EMAIL")
    item = get_survey(slug)
    if item is None:
        raise click.ClickException(f"no survey '{slug}'; see: surveyapp survey list")
    return account, item


@access.command("grant")
@click.argument("email")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@with_appcontext
def grant(email, slug):
    """Let EMAIL see survey SLUG (within their role)."""
    account, item = _user_and_survey(email, slug)
    added = grant_access(account, item, actor="cli")
    click.echo(f"{account.email} has access to {item.slug}" + ("" if added else " (already)") + ".")
    if account.role == "admin":
        click.echo("Note: admins see every survey anyway.")


@access.command("revoke")
@click.argument("email")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@with_appcontext
def revoke(email, slug):
    """Take survey SLUG away from EMAIL."""
    account, item = _user_and_survey(email, slug)
    removed = revoke_access(account, item, actor="cli")
    click.echo(f"{account.email} no longer has access to {item.slug}." if removed
               else f"{account.email} had no access to {item.slug}.")


@access.command("list")
@click.option("--survey", "slug", required=True, help="Slug of the survey.")
@with_appcontext
def list_command(slug):
    """Who has been granted survey SLUG."""
    item = get_survey(slug)
    if item is None:
        raise click.ClickException(f"no survey '{slug}'; see: surveyapp survey list")
    users = granted_users(item)
    for account in users:
        click.echo(f"{account.email}\t{account.role}\t{'active' if account.active else 'inactive'}")
    if not users:
        click.echo(f"Nobody has been granted {item.slug} (admins see it anyway).")
