"""``surveyapp plan --kpi nps|mean|proportion ...``: responses needed per wave to detect a change.

The formulas are in :mod:`surveyapp.analysis.precision`.
"""

from __future__ import annotations

import json

import click

REQUIRED = {"nps": ("promoters", "detractors"), "mean": ("sd",), "proportion": ("p",)}


@click.command("plan")
@click.option("--kpi", required=True, type=click.Choice(["nps", "mean", "proportion"]))
@click.option("--promoters", type=float, help="NPS: share of promoters now (0..1, or a percentage).")
@click.option("--detractors", type=float, help="NPS: share of detractors now (0..1, or a percentage).")
@click.option("--sd", type=float, help="mean: standard deviation of one answer.")
@click.option("--p", "p", type=float, help="proportion: the proportion now (0..1, or a percentage).")
@click.option("--change", required=True, type=float,
              help="The change to detect: NPS points, the mean's units, or the proportion's (share or points).")
@click.option("--alpha", default=0.05, show_default=True, type=float, help="Two-sided significance level.")
@click.option("--power", default=0.8, show_default=True, type=float, help="Chance to detect the change.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def plan(kpi, promoters, detractors, sd, p, change, alpha, power, fmt):
    """Responses needed per wave to detect CHANGE in a KPI between two independent waves
    (two-sided z-test, equal n per wave)."""
    from ..analysis import precision

    given = {"promoters": promoters, "detractors": detractors, "sd": sd, "p": p}
    missing = [f"--{name}" for name in REQUIRED[kpi] if given[name] is None]
    if missing:
        raise click.ClickException(f"--kpi {kpi} needs {' and '.join(missing)}")
    try:
        if kpi == "nps":
            result = precision.plan_nps(promoters, detractors, change, alpha=alpha, power=power)
        elif kpi == "mean":
            result = precision.plan_mean(sd, change, alpha=alpha, power=power)
        else:
            result = precision.plan_proportion(p, change, alpha=alpha, power=power)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    if kpi == "nps":
        what = f"an NPS change of {change:g} points (NPS now {result['nps']:.0f})"
    elif kpi == "mean":
        what = f"a change of {change:g} in a mean with SD {sd:g}"
    else:
        what = f"a change from {result['p']:.3f} to {result['p'] + result['change']:.3f}"
    click.echo(f"{result['n_per_wave']} responses per wave to detect {what} between two waves "
               f"(two-sided, alpha {alpha:g}, power {power:g}).")
