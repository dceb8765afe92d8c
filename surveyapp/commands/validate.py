"""``surveyapp questionnaire validate``: check questionnaire files; needs no app and no database."""

from __future__ import annotations

import sys

import click


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files):
    """Check FILES and report every problem with file, line and column."""
    from ..questionnaire import validate_file

    failed = 0
    for name in files:
        problems = validate_file(name)
        if problems:
            failed += 1
            for problem in problems:
                click.echo(str(problem), err=True)
        else:
            click.echo(f"{name}: ok")
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) have problems.", err=True)
        sys.exit(1)
