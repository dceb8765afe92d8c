"""A survey's whole analysis: construct scores, KPIs, tracker, reliability and drivers.

This module only translates a questionnaire's constructs into the specs the pure
statistics in :mod:`surveyapp.analysis` take; every number comes from there, so the CLI,
the web and the API report the same figures by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..analysis.careless import FLAGS as CARELESS_FLAGS
from ..analysis.drivers import DriverAnalyses, driver_analyses
from ..analysis.intervals import design_effect
from ..analysis.kpis import DEFAULT_MIN_N, breakdown, kpi_summary, net_promoter_score, tracker
from ..analysis.relationship_matrix import RelationshipMatrix, customer_relationship_matrix
from ..analysis.reliability import ReliabilityReport, construct_reliability
from ..analysis.scoring import construct_scores
from ..questionnaire import Questionnaire
from .dataset import analysis_table, construct_definitions
from .kpi_definitions import (
    AnsweredVersion,
    KpiDefinition,
    describe_change,
    group_definitions,
    kpi_constructs,
)

#: The outcome that combines all loyalty outcomes (each rescaled to 0-100, then averaged).
LOYALTY_INDEX = "loyalty_index"
GROUP_COLUMNS = ("segment", "channel", "persona", "language")
#: The column of stored raking weights (surveyapp survey weights).
WEIGHT = "weight"
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
    #: KPI name -> its definitions over the questionnaire versions answered, oldest first; more
    #: than one means the KPI changed and is not compared across the break.
    definitions: dict[str, list[KpiDefinition]] = field(default_factory=dict)
    #: Per KPI whose definition changed: a row per definition (``kpi, definition, versions, kind,
    #: value, se, ci_low, ci_high, n, moe, mdc``). ``summary`` holds the newest definition of such a KPI.
    kpi_versions: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: KPI name -> what changed between its definitions (sentences), only for changed KPIs.
    definition_changes: dict[str, list[str]] = field(default_factory=dict)
    #: Careless-response flags of every response analysed or excluded: index response id, a bool
    #: column per flag (speeder, straightliner, duplicate, inconsistent) and ``flagged`` (any).
    flags: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: True when flagged responses were left out of every KPI and driver analysis.
    excluded_flagged: bool = False
    #: True when the KPIs, tracker, breakdowns and drivers use the stored raking weights.
    weighted: bool = False

    @property
    def flag_counts(self) -> dict[str, int]:
        """How many responses carry each flag, and ``flagged``: how many carry any."""
        if self.flags.empty:
            return {name: 0 for name in (*CARELESS_FLAGS, "flagged")}
        return {name: int(self.flags[name].sum()) for name in (*CARELESS_FLAGS, "flagged")}

    def comparable(self, kpi: str) -> bool:
        """Whether every response measured ``kpi`` the same way."""
        return len(self.definitions.get(kpi, [])) <= 1
    #: Promoters, passives and detractors (shares 0..1) with NPS, interval and n: a row "all",
    #: then a row per wave in time order (suppressed waves: NaN, ``suppressed`` True).
    nps_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_n: int = DEFAULT_MIN_N
    #: The attribute filters these figures were computed for ({} = all responses).
    filters: dict = field(default_factory=dict)
    #: The values segment, channel and persona take in the wave, before the filters: what a
    #: dashboard can offer to filter by.
    attribute_values: dict = field(default_factory=dict)

    #: The number of responses analysed (len(scores), also when the scores are not loaded).
    responses: int | None = None

    @property
    def n(self) -> int:
        return self.responses if self.responses is not None else len(self.scores)

    def without_scores(self) -> SurveyAnalysis:
        """A copy without the per-respondent scores (for storing them apart)."""
        from dataclasses import replace

        return replace(self, scores=None, responses=self.n)

    def attach_scores(self, load) -> None:
        """Read the scores with ``load()`` the first time ``scores`` is used."""
        if self.__dict__.get("scores") is None:
            del self.__dict__["scores"]
            self.__dict__["_load_scores"] = load

    def __getattr__(self, name):
        # Only reached when normal lookup fails: "scores" after attach_scores().
        if name == "scores" and "_load_scores" in self.__dict__:
            self.__dict__["scores"] = self.__dict__.pop("_load_scores")()
            return self.__dict__["scores"]
        raise AttributeError(name)

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
    return table, warnings


def version_groups(table: pd.DataFrame, questionnaire: Questionnaire,
                   versions: dict[int, AnsweredVersion] | None) -> list[tuple[int | None, pd.Index, Questionnaire]]:
    """The responses per questionnaire version they answered: ``(version id, index, questionnaire)``.

    Without ``versions`` (or without a version column) every response counts as answering
    ``questionnaire``.
    """
    if not versions or "questionnaire_version_id" not in table.columns:
        return [(None, table.index, questionnaire)]
    groups = []
    for version_id, part in table.groupby("questionnaire_version_id", sort=False):
        answered = versions.get(int(version_id))
        groups.append((int(version_id), part.index, answered.questionnaire if answered else questionnaire))
    return groups


def scores_frame(table: pd.DataFrame, questionnaire: Questionnaire, *, min_share: float = 0.5,
                 versions: dict[int, AnsweredVersion] | None = None) -> pd.DataFrame:
    """Construct scores and the loyalty index, with wave and attributes alongside.

    Each response is scored with the questionnaire version it answered (``versions``: version
    id -> :class:`AnsweredVersion`): its items, reverse coding and scales; the loyalty index
    rescales each outcome with that version's scale and averages the outcomes of that version.
    """
    parts = []
    for _, index, answered in version_groups(table, questionnaire, versions):
        part, _ = with_construct_items(table.loc[index], answered)
        definitions = construct_definitions(answered)
        scores = construct_scores(part, definitions, min_share=min_share)
        outcomes = [c.id for c in answered.constructs_by_role("outcome") if c.id in scores.columns]
        if outcomes:
            rescaled = pd.DataFrame({
                name: (scores[name] - definitions[name]["scale_min"])
                / (definitions[name]["scale_max"] - definitions[name]["scale_min"]) * 100
                for name in outcomes
            })
            scores[LOYALTY_INDEX] = rescaled.mean(axis=1, skipna=False)
        parts.append(scores)
    order = [*construct_definitions(questionnaire), LOYALTY_INDEX]
    scores = pd.concat(parts) if len(parts) > 1 else (parts[0] if parts else pd.DataFrame(index=table.index))
    columns = [c for c in order if c in scores.columns] + [c for c in scores.columns if c not in order]
    scores = scores.reindex(index=table.index, columns=columns)
    context = [c for c in ("wave", "wave_opens_at", *GROUP_COLUMNS, "customer_value", "potential_value",
                           "questionnaire_version_id", WEIGHT) if c in table.columns]
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
            specs[construct.id] = {"kind": "mean", "column": construct.id, **_bounds(questionnaire, construct)}
            specs[f"{construct.id}_low_effort"] = {
                "kind": "low_effort", "column": construct.id, "threshold": LOW_EFFORT_THRESHOLD,
                "scale_max": item.scale.max,
            }
        elif construct.role == "outcome" and single and item.scale is not None:
            specs[f"{construct.id}_top2box"] = {
                "kind": "top2box", "column": construct.id, "scale_max": item.scale.max, "scale_min": item.scale.min,
            }
        else:
            specs[construct.id] = {"kind": "mean", "column": construct.id, **_bounds(questionnaire, construct)}
    if LOYALTY_INDEX in scores.columns:
        specs[LOYALTY_INDEX] = {"kind": "mean", "column": LOYALTY_INDEX, "scale_min": 0, "scale_max": 100}
    return specs


def _bounds(questionnaire: Questionnaire, construct) -> dict:
    """The construct's scale, so that its mean's interval stays inside it."""
    scale = construct_definitions(questionnaire)[construct.id]
    if scale["scale_min"] is None:
        return {}
    return {"scale_min": scale["scale_min"], "scale_max": scale["scale_max"]}


def kpi_definitions(table: pd.DataFrame, questionnaire: Questionnaire, scores: pd.DataFrame,
                    versions: dict[int, AnsweredVersion] | None) -> dict[str, list[KpiDefinition]]:
    """Each KPI's definitions over the versions the responses answered (see :mod:`.kpi_definitions`)."""
    per_kpi: dict[str, list] = {}
    for version_id, _, answered in version_groups(table, questionnaire, versions):
        version = (versions or {}).get(version_id) or AnsweredVersion(0, answered)
        for name, spec in kpi_specs(answered, scores).items():
            constructs = kpi_constructs(spec, answered, LOYALTY_INDEX)
            per_kpi.setdefault(name, []).append((version_id, version, spec, constructs))
    return {name: group_definitions(entries) for name, entries in per_kpi.items()}


def _rows_of(scores: pd.DataFrame, definition: KpiDefinition) -> pd.DataFrame:
    if "questionnaire_version_id" not in scores.columns or None in definition.version_ids:
        return scores
    return scores[scores["questionnaire_version_id"].isin(definition.version_ids)]


def _comparable_tracker(scores, definitions, waves, min_n, weights=None) -> pd.DataFrame:
    """The tracker, tested only within one definition of each KPI (never across a break)."""
    frames = []
    for name, groups in definitions.items():
        for number, definition in enumerate(groups):
            rows = _rows_of(scores, definition)
            present = waves if len(groups) == 1 else [w for w in waves if (rows["wave"] == w).any()]
            if not present:
                continue
            trend = tracker(rows, {name: definition.spec}, waves=present, min_n=min_n, weights=weights)
            trend["definition"] = definition.label
            trend["comparable"] = len(groups) == 1
            # the first wave of a later definition: its change is not tested across the break
            trend["definition_changed"] = False
            if number > 0:
                trend.loc[trend.index[0], "definition_changed"] = True
            trend["_order"] = number
            frames.append(trend)
    if not frames:
        return pd.DataFrame()
    trend = pd.concat(frames, ignore_index=True)
    kpi_order = {name: i for i, name in enumerate(definitions)}
    wave_order = {wave: i for i, wave in enumerate(waves)}
    trend = trend.assign(_kpi=trend["kpi"].map(kpi_order), _wave=trend["wave"].map(wave_order))
    trend = trend.sort_values(["_kpi", "_wave", "_order"], kind="stable")
    return trend.drop(columns=["_kpi", "_wave", "_order"]).reset_index(drop=True)


def analyze_survey(table: pd.DataFrame, questionnaire: Questionnaire, *, min_n: int = DEFAULT_MIN_N,
                   segment: str | None = "segment", n_boot: int = 0, seed: int | None = 2026,
                   versions: dict[int, AnsweredVersion] | None = None,
                   exclude_flagged: bool = False, flags: pd.DataFrame | None = None) -> SurveyAnalysis:
    """Everything a manager's report holds, from the response table of one survey.

    ``questionnaire`` is the survey's current version; ``versions`` (version id ->
    :class:`AnsweredVersion`) the versions the responses answered, so that each response is scored
    with its own. A KPI whose definition differs between those versions is reported per
    definition (``kpi_versions``) and its change across the break is not tested.

    Careless responses are flagged (``flags``: the survey's stored flags, see
    :func:`.quality.survey_flags`; computed on ``table`` when not given); ``exclude_flagged`` leaves
    them out of every KPI and driver analysis, else they are kept and counted in a warning. When the table has a
    ``weight`` column with values (stored raking weights), every KPI, tracker test, breakdown and
    driver analysis is weighted.
    """
    from .quality import quality_flags

    if flags is None:
        flags = quality_flags(table, questionnaire, versions)
    else:
        flags = flags.reindex(table.index, fill_value=False).astype(bool)
    pre_warnings = []
    n_flagged = int(flags["flagged"].sum()) if len(flags) else 0
    if n_flagged:
        counts = ", ".join(f"{int(flags[name].sum())} {name}" for name in CARELESS_FLAGS if flags[name].any())
        if exclude_flagged:
            table = table.loc[~flags["flagged"].reindex(table.index, fill_value=False)]
            pre_warnings.append(f"{n_flagged} careless response(s) left out ({counts})")
        else:
            pre_warnings.append(f"{n_flagged} response(s) flagged as careless ({counts}) are included; "
                                "--exclude-flagged leaves them out")
    weighted = WEIGHT in table.columns and pd.to_numeric(table[WEIGHT], errors="coerce").notna().any()
    if weighted:
        weights = pd.to_numeric(table[WEIGHT], errors="coerce")
        unweighted = int(weights.isna().sum())
        if unweighted:
            pre_warnings.append(f"{unweighted} response(s) have no weight (completed after the weights were "
                                "computed, or in a wave not weighted) and count with weight 1; run "
                                "surveyapp survey weights again")
        weights = weights.fillna(1.0)
        table = table.assign(**{WEIGHT: weights / weights.mean()})
        pre_warnings.append(f"weighted to the population: design effect {design_effect(table[WEIGHT]):.2f}, "
                            f"effective n {len(table) / design_effect(table[WEIGHT]):.0f} of {len(table)}")
    elif WEIGHT in table.columns:
        table = table.drop(columns=[WEIGHT])
    weight_column = WEIGHT if weighted else None
    table, warnings = with_construct_items(table, questionnaire)
    warnings = pre_warnings + warnings
    scores = scores_frame(table, questionnaire, versions=versions)
    definitions = kpi_definitions(table, questionnaire, scores, versions)
    kpis = {name: groups[-1].spec for name, groups in definitions.items()}
    changed = {name: groups for name, groups in definitions.items() if len(groups) > 1}
    definition_changes = {
        name: [describe_change(old, new) for old, new in zip(groups, groups[1:], strict=False)]
        for name, groups in changed.items()
    }
    if versions and len({int(v) for v in table.get("questionnaire_version_id", pd.Series(dtype=int))}) > 1:
        warnings.append(f"these responses answered {len(set(table['questionnaire_version_id']))} questionnaire "
                        "versions; each response is scored with the version it answered")
    for name, sentences in definition_changes.items():
        warnings.append(f"{name} is not comparable across questionnaire versions ({'; '.join(sentences)}): "
                        "shown per version, changes across the break are not tested")

    summary = pd.DataFrame()
    version_rows = []
    if len(scores):
        parts = []
        for name, groups in definitions.items():
            newest = groups[-1]
            row = kpi_summary(_rows_of(scores, newest), {name: newest.spec}, weights=weight_column)
            row["definition"] = newest.label
            row["comparable"] = len(groups) == 1
            parts.append(row)
            if len(groups) > 1:
                for definition in groups:
                    cell = kpi_summary(_rows_of(scores, definition), {name: definition.spec},
                                       weights=weight_column).iloc[0]
                    version_rows.append({"kpi": name, "definition": definition.label,
                                         "versions": list(definition.versions), **cell.to_dict()})
        summary = pd.concat(parts) if parts else pd.DataFrame()
    kpi_versions = pd.DataFrame(version_rows, columns=["kpi", "definition", "versions", "kind", "value", "se",
                                                       "ci_low", "ci_high", "n", "moe", "mdc"])

    groups_by = [c for c in GROUP_COLUMNS if c in scores.columns and scores[c].notna().any()]
    breakdowns = pd.DataFrame()
    if groups_by and len(scores):
        # a KPI that changed is broken down on the responses to its newest definition only
        parts = [breakdown(_rows_of(scores, groups[-1]), {name: groups[-1].spec}, groups_by, min_n=min_n,
                           weights=weight_column)
                 for name, groups in definitions.items()]
        breakdowns = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(breakdowns):
            breakdowns = breakdowns.sort_values("group_by", key=lambda c: c.map(groups_by.index), kind="stable")
            breakdowns = breakdowns.reset_index(drop=True)
    waves = None
    if "wave" in scores.columns and len(scores):
        waves = list(scores.sort_values("wave_opens_at")["wave"].drop_duplicates())
    trend = _comparable_tracker(scores, definitions, waves, min_n, weight_column) if waves else pd.DataFrame()

    reliability = _reliability(table, questionnaire, versions)
    warnings.extend(reliability.warnings)

    drivers_list = [c.id for c in questionnaire.constructs_by_role("driver") if c.id in scores.columns]
    outcomes = [c.id for c in questionnaire.constructs_by_role("outcome") if c.id in scores.columns]
    if LOYALTY_INDEX in scores.columns:
        outcomes.append(LOYALTY_INDEX)
    changed_constructs = _changed_constructs(table, questionnaire, versions, [*drivers_list, *outcomes])
    if changed_constructs:
        warnings.append(f"the driver analysis pools responses to questionnaire versions that measure "
                        f"{', '.join(changed_constructs)} differently; compare its results with care")
    drivers = None
    if drivers_list and outcomes:
        use_segment = segment if segment in scores.columns and scores[segment].notna().any() else None
        try:
            drivers = driver_analyses(scores, outcomes, drivers_list, weight_column, segment=use_segment,
                                      n_boot=n_boot, seed=seed)
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
                          warnings=warnings, definitions=definitions, kpi_versions=kpi_versions,
                          definition_changes=definition_changes, flags=flags, excluded_flagged=exclude_flagged,
                          weighted=bool(weighted),
                          nps_groups=nps_groups(scores, kpis, waves, min_n), min_n=min_n,
                          responses=len(scores))


def _changed_constructs(table, questionnaire, versions, names) -> list[str]:
    """Constructs among ``names`` that the answered versions define differently."""
    seen: dict[str, list] = {}
    for _, _, answered in version_groups(table, questionnaire, versions):
        for name, definition in construct_definitions(answered).items():
            if name in names and definition not in seen.setdefault(name, []):
                seen[name].append(definition)
    return [name for name in names if len(seen.get(name, [])) > 1]


def _reliability(table: pd.DataFrame, questionnaire: Questionnaire,
                 versions: dict[int, AnsweredVersion] | None) -> ReliabilityReport:
    """Cronbach's alpha of each multi-item construct of ``questionnaire``, on the responses to the
    versions that define the construct the same way (other items or scales are not pooled)."""
    current = {name: d for name, d in construct_definitions(questionnaire).items() if len(d["items"]) > 1}
    groups = version_groups(table, questionnaire, versions)
    if len(groups) == 1:
        return construct_reliability(table, current)
    reports = []
    for name, definition in current.items():
        same = [index for _, index, answered in groups
                if construct_definitions(answered).get(name) == definition]
        rows = table.loc[same[0].append(same[1:])] if same else table.iloc[:0]
        reports.append(construct_reliability(rows, {name: definition}))
    items = [r.items for r in reports if not r.items.empty]
    return ReliabilityReport(
        constructs=pd.concat([r.constructs for r in reports]) if reports else pd.DataFrame(),
        items=pd.concat(items) if items else pd.DataFrame(),
        warnings=[w for r in reports for w in r.warnings],
    )


def answered_versions(table: pd.DataFrame) -> dict[int, AnsweredVersion]:
    """The questionnaire versions the responses in ``table`` answered."""
    from ..extensions import db
    from ..models import QuestionnaireVersion

    ids = sorted({int(v) for v in table["questionnaire_version_id"].dropna()})
    stored = db.session.scalars(db.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(ids))).all()
    return {v.id: AnsweredVersion(v.version, v.questionnaire()) for v in stored}


def nps_groups(scores: pd.DataFrame, kpis: dict, waves: list | None, min_n: int) -> pd.DataFrame:
    """The promoter/passive/detractor split behind the NPS, overall and per wave."""
    spec = kpis.get("nps")
    if spec is None or not len(scores):
        return pd.DataFrame()
    parts = [("all", scores)] + [(w, scores[scores["wave"] == w]) for w in (waves or [])]
    rows = []
    for name, part in parts:
        result = net_promoter_score(part[spec["column"]])
        suppressed = result.n < min_n
        row = {"group": name, "nps": result.nps, "ci_low": result.ci_low, "ci_high": result.ci_high,
               "promoters": result.promoters, "passives": result.passives, "detractors": result.detractors,
               "n": result.n, "suppressed": suppressed}
        if suppressed:
            row.update({key: np.nan for key in ("nps", "ci_low", "ci_high", "promoters", "passives", "detractors")})
        rows.append(row)
    return pd.DataFrame(rows).set_index("group")


def analyze_stored_survey(survey, wave=None, filters: dict[str, str] | None = None,
                          **options) -> SurveyAnalysis | None:
    """The analysis of a survey's completed responses (one wave or all, optionally filtered by
    attributes such as ``{"segment": "large"}``); None when no response is in scope.

    The one path from the database to the figures, read by ``surveyapp analyze``, the
    dashboard, the downloads and the API: the figures are computed once per (wave, filters,
    options), stored, and recomputed only when a response was completed or the questionnaire
    version changed since (see :mod:`.stored`). ``options`` go to :func:`analyze_survey`.
    """
    from .stored import stored_analysis

    return stored_analysis(survey, wave, filters or {}, options)


def compute_survey_analysis(survey, wave=None, filters: dict[str, str] | None = None,
                            **options) -> SurveyAnalysis | None:
    """The analysis computed afresh from the answers (no stored figures read or written)."""
    from ..extensions import db
    from ..models import QuestionnaireVersion

    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    # Every numeric item answered (None): responses to earlier versions are scored with their own
    # items, and the careless-response flags look at every matrix row.
    table = analysis_table(survey, wave=wave, items=None, filters=filters)
    if table.empty:
        return None
    from .quality import survey_flags

    # A response's careless flags compare it with its whole wave, whatever the filters.
    flags = survey_flags(survey, table if wave is None and not filters else None)
    analysis = analyze_survey(table, questionnaire, versions=answered_versions(table), flags=flags, **options)
    analysis.filters = dict(filters or {})
    analysis.attribute_values = dict(table.attrs.get("attribute_values", {}))
    return analysis


def finite(value) -> float | None:
    """A float for reports, None for NaN/inf."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None
