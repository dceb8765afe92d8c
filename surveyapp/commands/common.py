"""What the commands share: finding a survey or wave (or failing with a clear message), the
acting user for the log, and the ``--survey`` option."""

from __future__ import annotations

import getpass

import click

survey_option = click.option("--survey", "slug", required=True, help="The survey's slug.")


def actor() -> str:
    """``cli:<user>``, as the operations log who did what."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def find_survey_or_fail(slug: str):
    """The survey with ``slug``; otherwise a clear error naming the surveys there are."""
    from ..extensions import db
    from ..models import Survey
    from ..surveys import get_survey

    survey = get_survey(slug)
    if survey is None:
        known = ", ".join(db.session.scalars(db.select(Survey.slug).order_by(Survey.slug))) or "none yet"
        raise click.ClickException(f"no survey {slug!r} (surveys: {known})")
    return survey


def find_wave_or_fail(survey, name: str | None):
    """The wave ``name`` of ``survey``, or with no name its current open wave; otherwise a clear error."""
    from ..invitations.operations import find_wave

    if name is None:
        wave = survey.current_wave()
        if wave is None:
            raise click.ClickException(
                f"survey {survey.slug} has no open wave; open one with: surveyapp wave open --survey {survey.slug}")
        return wave
    wave = find_wave(survey, name)
    if wave is None:
        known = ", ".join(w.name for w in survey.waves) or "none yet"
        raise click.ClickException(f"survey {survey.slug} has no wave {name!r} (waves: {known})")
    return wave
