"""``surveyapp survey weights --survey SLUG --margins MARGINS.csv [--wave NAME]``: rake and store weights."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("weights")
@click.option("--survey", "slug", required=True, help="Survey slug.")
@click.option("--margins", "margins_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with the columns variable,category,share; variables are response attributes.")
@click.option("--wave", "wave_name", help="Only this wave (default: each wave, raked on its own).")
@click.option("--trim", default=None, help="Keep weights within LOW,HIGH (mean 1), e.g. 0.3,3.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@with_appcontext
def weights(slug, margins_path, wave_name, trim, fmt):
    """Weight the completed responses of survey SLUG to population shares (raking) and store the
    weights; every KPI, tracker test, breakdown and driver analysis of the survey then uses them."""
    from ..analysis.weighting import RakingError
    from ..extensions import db
    from ..models import Wave
    from ..results.weights import weight_survey
    from ..surveys import get_survey
    from .rake import parse_trim, read_margins

    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey '{slug}'")
    wave = None
    if wave_name:
        wave = db.session.scalar(db.select(Wave).where(Wave.survey_id == survey.id, Wave.name == wave_name))
        if wave is None:
            raise click.ClickException(f"survey '{slug}' has no wave '{wave_name}'")
    if not margins_path.is_file():
        raise click.ClickException(f"{margins_path} does not exist")
    bounds = parse_trim(trim)
    try:
        results = weight_survey(survey, read_margins(margins_path), wave=wave, trim=bounds)
    except (RakingError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        click.echo(json.dumps({"survey": slug, "waves": {name: r.summary() for name, r in results.items()}},
                              indent=2))
        return
    for name, result in results.items():
        click.echo(f"wave {name}: {len(result.weights)} responses weighted; design effect "
                   f"{result.design_effect:.3f}, effective n {result.effective_n:.1f}; "
                   f"{'converged' if result.converged else 'NOT converged'} after {result.iterations} "
                   f"iteration(s), largest margin error {result.max_margin_error:.1e}")
