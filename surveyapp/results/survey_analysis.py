"""A survey's whole analysis: construct scores, KPIs, tracker, reliability and drivers.

This module only translates a questionnaire's constructs into the specs the pure
statistics in :mod:`surveyapp.analysis` take; every number comes from there, so the CLI,
the web and the API report the same figures by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis.drivers import DriverAnalyses, driver_analyses
from ..analysis.kpis import DEFAULT_MIN_N, breakdown, kpi_summary, tracker
from ..analysis.relationship_matrix import RelationshipMatrix, customer_relationship_matrix
from ..analysis.reliability import ReliabilityReport, construct_reliability
from ..analysis.scoring import construct_scores
from ..questionnaire import Questionnaire
from .dataset import construct_definitions, response_table

#: The outcome that combines all loyalty outcomes (each rescaled to 0-100, then averaged).
LOYALTY_INDEX = "loyalty_index"
GROUP_COLUMNS = ("segment", "channel", "persona", "language")
#: CES answers at or above this (of 7) count as low effort.
LOW_EFFORT_THRESHOLD = 5


@dataclass
class SurveyAnalysis:
    scores: pd.DataFrame  # a row per response: construct scores, loyalty index, wave and attributes
    kpis: dict  # name -> spec, see surveyapp.analysis.kpis
    summary: pd.DataFrame
    breakdowns: pd.DataFrame
    tracker: pd.DataFrame
    reliability: ReliabilityReport
    drivers: DriverAnalyses | None
    relationship: RelationshipMatrix | None = None
    warnings: list[str] = field(default_factory=list)

    def importance_performance(self, outcome: str = LOYALTY_INDEX):
        if self.drivers is None or (outcome, None) not in self.drivers.results:
            return None
        return self.drivers.results[(outcome, None)].importance_performance("lmg_share")


def with_construct_items(table: pd.DataFrame, questionnaire: Questionnaire) -> tuple[pd.DataFrame, list[str]]:
    """The table with a column for every construct item, and warnings about items nobody answered.

    Responses to another questionnaire version may lack an item (renamed, added): it counts as
    unanswered, so the construct is still scored when enough of its other items were answered.
    """
    warnings = []
    missing = [item for definition in construct_definitions(questionnaire).values()
               for item in definition["items"] if item not in table.columns]
    if missing:
        table = table.reindex(columns=[*table.columns, *dict.fromkeys(missing)])
        warnings.append(f"item(s) {', '.join(sorted(set(missing)))} have no answers in these responses "
                        "(not asked in the questionnaire version they answered); constructs are scored "
                        "from their other items")
    if "questionnaire_version_id" in table.columns and table["questionnaire_version_id"].nunique() > 1:
        warnings.append(f"these responses answered {table['questionnaire_version_id'].nunique()} questionnaire "
                        "versions; constructs are scored with the items of the survey's current version")
    return table, warnings


def scores_frame(table: pd.DataFrame, questionnaire: Questionnaire, *, min_share: float = 0.5) -> pd.DataFrame:
    """Construct scores and the loyalty index, with wave and attributes alongside."""
    table, _ = with_construct_items(table, questionnaire)
    definitions = construct_definitions(questionnaire)
    scores = construct_scores(table, definitions, min_share=min_share)
    outcomes = [c.id for c in questionnaire.constructs_by_role("outcome") if c.id in scores.columns]
    if outcomes:
        rescaled = pd.DataFrame({
            name: (scores[name] - definitions[name]["scale_min"])
            / (definitions[name]["scale_max"] - definitions[name]["scale_min"]) * 100
            for name in outcomes
        })
        scores[LOYALTY_INDEX] = rescaled.mean(axis=1, skipna=False)
    context = [c for c in ("wave", "wave_opens_at", *GROUP_COLUMNS, "customer_value", "potential_value")
               if c in table.columns]
    return scores.join(table[context])


def kpi_specs(questionnaire: Questionnaire, scores: pd.DataFrame) -> dict:
    """The KPIs a questionnaire measures, named after its constructs."""
    specs = {}
    for construct in questionnaire.constructs.values():
        if construct.id not in scores.columns:
            continue
        item = questionnaire.item(construct.items[0])
        single = len(construct.items) == 1
        if single and item.type == "nps":
            specs["nps"] = {"kind": "nps", "column": construct.id}
        elif single and item.type == "ces":
            specs[construct.id] = {"kind": "mean", "column": construct.id}
            specs[f"{construct.id}_low_effort"] = {
                "kind": "low_effort", "column": construct.id, "threshold": LOW_EFFORT_THRESHOLD,
                "scale_max": item.scale.max,
            }
        elif construct.role == "outcome" and single and item.scale is not None:
            specs[f"{construct.id}_top2box"] = {
                "kind": "top2box", "column": construct.id, "scale_max": item.scale.max, "scale_min": item.scale.min,
            }
        else:
            specs[construct.id] = {"kind": "mean", "column": construct.id}
    if LOYALTY_INDEX in scores.columns:
        specs[LOYALTY_INDEX] = {"kind": "mean", "column": LOYALTY_INDEX}
    return specs


def analyze_survey(table: pd.DataFrame, questionnaire: Questionnaire, *, min_n: int = DEFAULT_MIN_N,
                   segment: str | None = "segment", n_boot: int = 0, seed: int | None = 2026) -> SurveyAnalysis:
    """Everything a manager's report holds, from the response table of one survey."""
    table, warnings = with_construct_items(table, questionnaire)
    scores = scores_frame(table, questionnaire)
    kpis = kpi_specs(questionnaire, scores)
    summary = kpi_summary(scores, kpis) if len(scores) else pd.DataFrame()
    groups = [c for c in GROUP_COLUMNS if c in scores.columns and scores[c].notna().any()]
    breakdowns = breakdown(scores, kpis, groups, min_n=min_n) if groups and len(scores) else pd.DataFrame()
    waves = None
    if "wave" in scores.columns and len(scores):
        waves = list(scores.sort_values("wave_opens_at")["wave"].drop_duplicates())
    trend = tracker(scores, kpis, waves=waves, min_n=min_n) if waves else pd.DataFrame()

    definitions = {name: d for name, d in construct_definitions(questionnaire).items() if len(d["items"]) > 1}
    reliability = construct_reliability(table, definitions)
    warnings.extend(reliability.warnings)

    drivers_list = [c.id for c in questionnaire.constructs_by_role("driver") if c.id in scores.columns]
    outcomes = [c.id for c in questionnaire.constructs_by_role("outcome") if c.id in scores.columns]
    if LOYALTY_INDEX in scores.columns:
        outcomes.append(LOYALTY_INDEX)
    drivers = None
    if drivers_list and outcomes:
        use_segment = segment if segment in scores.columns and scores[segment].notna().any() else None
        try:
            drivers = driver_analyses(scores, outcomes, drivers_list, segment=use_segment, n_boot=n_boot, seed=seed)
        except ValueError as error:
            warnings.append(f"driver analysis not possible: {error}")

    relationship = None
    if {"customer_value", "potential_value"} <= set(scores.columns):
        values = scores[["customer_value", "potential_value"]].apply(pd.to_numeric, errors="coerce")
        if values.notna().all(axis=1).sum() >= 4:
            loyalty = [c for c in ("nps" if "nps" in scores.columns else None, LOYALTY_INDEX, *outcomes)
                       if c and c in scores.columns]
            frame = scores.assign(customer_value=values["customer_value"], potential_value=values["potential_value"])
            relationship = customer_relationship_matrix(
                frame, "customer_value", "potential_value", list(dict.fromkeys(loyalty))
            )
    return SurveyAnalysis(scores=scores, kpis=kpis, summary=summary, breakdowns=breakdowns, tracker=trend,
                          reliability=reliability, drivers=drivers, relationship=relationship,
                          warnings=warnings)


def filter_rows(table: pd.DataFrame, filters: dict | None) -> pd.DataFrame:
    """The rows whose attributes match every filter: ``{column: value or list of values}``.

    Values are compared as text (``"3"`` matches 3 and 3.0), so query-string values work; a
    column the table lacks matches nothing.
    """
    for column, wanted in (filters or {}).items():
        values = wanted if isinstance(wanted, list | tuple | set | frozenset) else [wanted]
        wanted_text = {_as_text(value) for value in values}
        if column not in table.columns:
            return table.iloc[0:0]
        table = table[table[column].map(_as_text).isin(wanted_text)]
    return table


def _as_text(value) -> str | None:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def analyze_stored_survey(survey, wave=None, *, filters: dict | None = None, **options) -> SurveyAnalysis | None:
    """The analysis of a survey's completed responses (one wave, or all; only the rows matching
    ``filters``, see :func:`filter_rows`); None when there are none.

    The one path from the database to the figures, used by ``surveyapp analyze``, the
    results pages and the API alike; ``options`` go to :func:`analyze_survey`.
    """
    from ..extensions import db
    from ..models import QuestionnaireVersion

    table = filter_rows(response_table(survey, wave=wave), filters)
    if table.empty:
        return None
    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    return analyze_survey(table, questionnaire, **options)


def finite(value) -> float | None:
    """A float for reports, None for NaN/inf."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None
