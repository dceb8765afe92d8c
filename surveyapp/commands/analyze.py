"""``surveyapp analyze``: a survey's KPIs, tracker, reliability and drivers in the terminal."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from .common import find_survey_or_fail, find_wave_or_fail


@click.command()
@click.option("--survey", "slug", required=True, help="Survey slug.")
@click.option("--wave", "wave_name", help="Only this wave (default: all waves, with the tracker).")
@click.option("--min-n", default=10, show_default=True, help="Suppress groups with fewer responses.")
@click.option("--bootstrap", "n_boot", default=0, show_default=True, help="Bootstrap resamples for importance CIs.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--exclude-flagged", is_flag=True,
              help="Leave careless responses (speeders, straightliners, duplicates, inconsistent) out of "
                   "every KPI and driver analysis.")
@with_appcontext
def analyze(slug, wave_name, min_n, n_boot, fmt, exclude_flagged):
    """Print the KPIs and the driver analysis of survey SLUG.

    Careless responses are flagged (the flags are stored with each response); they are kept in
    the figures (and counted) unless --exclude-flagged is given.
    """
    from ..results.survey_analysis import analyze_stored_survey

    survey = find_survey_or_fail(slug)
    wave = find_wave_or_fail(survey, wave_name) if wave_name else None
    result = analyze_stored_survey(survey, wave, min_n=min_n, n_boot=n_boot, exclude_flagged=exclude_flagged)
    if result is None:
        raise click.ClickException("no completed responses yet")
    if fmt == "json":
        click.echo(json.dumps(_as_json(result), indent=2, default=_plain))
        return
    _print_tables(survey, wave, result, min_n)


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _records(frame):
    return json.loads(frame.to_json(orient="records", date_format="iso")) if len(frame) else []


def _as_json(result) -> dict:
    from ..analysis.careless import FLAGS as CARELESS_FLAGS

    return {
        "n": int(len(result.scores)),
        "weighted": result.weighted,
        "careless": {
            "counts": result.flag_counts,
            "excluded": result.excluded_flagged,
            "responses": {str(response_id): [name for name in CARELESS_FLAGS if row[name]]
                          for response_id, row in result.flags.iterrows() if row["flagged"]},
        },
        "kpis": json.loads(result.summary.to_json(orient="index")) if len(result.summary) else {},
        "kpi_versions": _records(result.kpi_versions),
        "definition_changes": result.definition_changes,
        "tracker": _records(result.tracker),
        "breakdowns": _records(result.breakdowns),
        "reliability": json.loads(result.reliability.constructs.to_json(orient="index")),
        "reliability_items": _records(result.reliability.items.reset_index())
        if len(result.reliability.items) else [],
        "drivers": result.drivers.to_dict() if result.drivers else None,
        "importance_performance": (ip.to_dict() if (ip := result.importance_performance()) else None),
        "relationship_matrix": result.relationship.to_dict() if result.relationship else None,
        "warnings": result.warnings,
    }


def _print_tables(survey, wave, result, min_n) -> None:
    import pandas as pd

    from ..analysis.careless import FLAGS as CARELESS_FLAGS

    echo = click.echo
    with pd.option_context("display.width", 140, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        scope = f"wave {wave.name}" if wave else "all waves"
        echo(f"Survey {survey.slug} ({scope}): {len(result.scores)} completed responses"
             + (" (weighted to the population)" if result.weighted else ""))
        counts = result.flag_counts
        detail = ", ".join(f"{counts[name]} {name}" for name in CARELESS_FLAGS if counts[name])
        if counts["flagged"] and result.excluded_flagged:
            echo(f"Careless responses: {counts['flagged']} flagged and left out ({detail})\n")
        elif counts["flagged"]:
            echo(f"Careless responses: {counts['flagged']} flagged ({detail}), included; "
                 "--exclude-flagged leaves them out\n")
        else:
            echo("Careless responses: none flagged\n")
        echo("KPIs (95% intervals inside the scale; moe = margin of error, "
             "mdc = smallest change to the next wave this n detects)")
        summary = result.summary.copy()
        summary.index = [name if result.comparable(name) else f"{name} †" for name in summary.index]
        shown = ["kind", "value", "ci_low", "ci_high", "n", "moe", "mdc"]
        if result.weighted:
            shown[5:5] = ["n_eff", "design_effect"]
        echo(summary[shown].to_string())
        if len(result.kpi_versions):
            echo("\n† Definition changed between questionnaire versions: per version "
                 "(above: the newest; not compared across the break)")
            echo(result.kpi_versions[["kpi", "definition", "value", "ci_low", "ci_high", "n"]].to_string(index=False))
            for name, sentences in result.definition_changes.items():
                echo(f"  {name}: {'; '.join(sentences)}")
        if len(result.tracker) and result.tracker["wave"].nunique() > 1:
            echo("\nTracker (change from the previous wave; * = significant at 5%; "
                 "| = definition changed, not tested)")
            trend = result.tracker.assign(
                sig=[("|" if changed else ("*" if significant is True else ""))
                     for changed, significant in zip(result.tracker["definition_changed"],
                                                     result.tracker["significant"], strict=True)],
                kpi=[kpi if comparable else f"{kpi} [{definition}]" for kpi, comparable, definition in
                     zip(result.tracker["kpi"], result.tracker["comparable"], result.tracker["definition"],
                         strict=True)],
            )
            pivot = trend.pivot_table(index="kpi", columns="wave", values="value", sort=False)
            echo(pivot.reindex(columns=list(dict.fromkeys(trend["wave"]))).to_string())
            changes = trend[trend["change"].notna() | trend["definition_changed"]]
            changes = changes[["kpi", "wave", "change", "p_change", "sig"]]
            if len(changes):
                echo(changes.to_string(index=False))
        if len(result.breakdowns):
            for group_by, part in result.breakdowns.groupby("group_by", sort=False):
                echo(f"\nBy {group_by} (– = fewer than {min_n} answers, suppressed)")
                shown = part.assign(shown=[("–" if suppressed else f"{value:.3f}")
                                           for value, suppressed in zip(part["value"], part["suppressed"], strict=True)])
                echo(shown.pivot(index="kpi", columns="group", values="shown")
                     .reindex(list(dict.fromkeys(part["kpi"]))).to_string())
        echo("\nReliability (Cronbach's alpha)")
        echo(result.reliability.constructs.to_string())
        if len(result.reliability.items):
            echo("\nItem analysis (alpha if the item is deleted; corrected item-total correlation)")
            echo(result.reliability.items[["alpha_if_deleted", "item_total_r", "mean", "sd"]].to_string())
        if result.drivers is not None:
            for (outcome, segment), analysis in result.drivers.results.items():
                if segment is not None:
                    continue
                echo(f"\nDrivers of {outcome}: n={analysis.n}, R²={analysis.r2:.3f}, adj. R²={analysis.adj_r2:.3f}")
                echo(analysis.table[["beta", "beta_std", "p", "vif", "lmg", "lmg_share",
                                     "relative_weight_share", "mean"]].to_string())
            ip = result.importance_performance()
            if ip is not None:
                echo("\nImportance-performance (loyalty index; importance = LMG share of R²)")
                echo(ip.table.to_string())
                echo(f"cut points: importance {ip.importance_cut:.3f}, performance {ip.performance_cut:.2f}")
        if result.relationship is not None:
            echo("\nCustomer relationship matrix (split at the median values)")
            echo(result.relationship.table.to_string(index=False))
        for warning in result.warnings:
            echo(f"warning: {warning}")
