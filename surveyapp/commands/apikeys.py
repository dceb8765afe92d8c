"""``surveyapp apikey``: personal keys for the JSON API at /api/v1/."""

import click
from flask.cli import with_appcontext

from ..apikeys import create_api_key, find_keys, keys_of, revoke_api_key
from ..users import find_user


@click.group()
def apikey():
    """Personal API keys (sent as: Authorization: Bearer KEY)."""


@apikey.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the key is for, to recognise it later.")
@with_appcontext
def create(email, name):
    """Make a key for EMAIL. The key is printed once, on the last line: store it safely."""
    account = find_user(email)
    if account is None:
        raise click.ClickException(f"no user {email.strip().lower()}; create one with: surveyapp user create EMAIL")
    if not account.active:
        raise click.ClickException(f"{account.email} is deactivated; activate the account first")
    record, key = create_api_key(account, name=name)
    click.echo(f"API key {record.prefix}… for {account.email} ({account.role})"
               + (f", named {record.name!r}" if record.name else "") + ". It is shown only now:")
    click.echo(key)


@apikey.command("list")
@click.argument("email")
@with_appcontext
def list_command(email):
    """The keys of EMAIL (their first characters, never the keys)."""
    account = find_user(email)
    if account is None:
        raise click.ClickException(f"no user {email.strip().lower()}")
    for record in keys_of(account, include_revoked=True):
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "active"
        used = f"{record.last_used_at:%Y-%m-%d %H:%M}" if record.last_used_at else "never used"
        click.echo(f"{record.prefix}\t{record.name or '-'}\t{state}\t{used}")


@apikey.command("revoke")
@click.argument("identifier")
@click.option("--name", default=None, help="With an EMAIL: only the key of that name.")
@with_appcontext
def revoke(identifier, name):
    """Revoke a key: give the key itself, its first characters (see apikey list), or an
    EMAIL to revoke all of that user's keys (or the one named --name)."""
    found = find_keys(identifier, name=name)
    if not found:
        raise click.ClickException("no active API key matches; see: surveyapp apikey list EMAIL")
    for record in found:
        revoke_api_key(record, actor="cli")
        click.echo(f"Revoked {record.prefix}… ({record.name or 'no name'}) of {record.user.email}.")
