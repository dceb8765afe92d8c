"""What managers see in the browser: the surveys, a survey's results, its driver analysis as xlsx.

Read-only. Every figure comes from :func:`.survey_analysis.analyze_survey`, the function
``surveyapp analyze`` prints, computed once per request; this module only arranges those
figures for the templates: labels in the reader's language, rows in display order, NaN as
None. The numbers are formatted in the templates with Babel, in the reader's locale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..access import accessible_surveys_query, role_required, survey_for_user
from ..extensions import db
from ..models import QuestionnaireVersion, Response, Survey, Wave
from ..models.base import utcnow
from ..questionnaire import Questionnaire, translate
from .labels import Labels, kpi_style

if TYPE_CHECKING:
    from ..analysis.drivers import DriverResult
    from .survey_analysis import SurveyAnalysis

# pandas, SciPy and statsmodels (behind .survey_analysis and ..analysis) are imported in the
# functions that need them: importing them here would add a second to every create_app(),
# which every CLI command pays.

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")

#: Roles that may read results (admins hold every role).
READERS = ("manager", "researcher")
#: Roles that may see who wrote an open answer (contact name and email): personal data.
PERSONAL_DATA_READERS = ("admin",)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The quadrants of :mod:`surveyapp.analysis.importance_performance`, as readers see them.
QUADRANT_LABELS = {
    "fix first": _l("Fix first"),
    "keep up": _l("Keep up"),
    "possible overkill": _l("Possible overkill"),
    "low priority": _l("Low priority"),
}
NPS_GROUP_LABELS = {"promoter": _l("Promoters"), "passive": _l("Passives"), "detractor": _l("Detractors")}


@bp.after_request
def no_store(response):
    # Results are confidential business figures: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.context_processor
def page_links():
    def this_page_with(**changes) -> str:
        """This page's URL with some query arguments changed (the language switch, the pager)."""
        args = {**request.args.to_dict(), **(request.view_args or {}), **changes}
        return url_for(request.endpoint, **{k: v for k, v in args.items() if v is not None})

    return {"this_page_with": this_page_with}


# --- views ----------------------------------------------------------------------------------------


@bp.get("/")
@role_required(*READERS)
def index():
    return render_template("results/index.html", surveys=survey_overview())


@bp.get("/<slug>")
@role_required(*READERS)
def survey(slug: str):
    from ..analysis.kpis import DEFAULT_MIN_N
    from .survey_analysis import analyze_stored_survey

    survey, wave = _survey_and_wave(slug)
    questionnaire = _questionnaire(survey)
    filters = requested_filters(questionnaire)
    # The switch for careless responses: kept (and counted) unless the reader leaves them out.
    from .downloads import CARELESS_ARG, EXCLUDE

    exclude_flagged = request.args.get(CARELESS_ARG) == EXCLUDE
    options = {"min_n": DEFAULT_MIN_N, **({"exclude_flagged": True} if exclude_flagged else {})}
    analysis = analyze_stored_survey(survey, wave, filters, **options)
    language = str(get_locale())
    return render_template(
        "results/survey.html", survey=survey, wave=wave, analysis=analysis, filters=filters, language=language,
        exclude_flagged=exclude_flagged, careless=careless_counts(analysis),
        flagged_responses=flagged_responses(analysis, Labels(questionnaire, language)),
        title=survey_title(survey, language), report=survey_report(survey, wave, analysis=analysis),
        filter_fields=filter_fields(survey, questionnaire, filters, language, analysis),
        text_questions=text_questions(questionnaire, language),
    )


def careless_counts(analysis: SurveyAnalysis | None) -> dict[str, int]:
    """How many responses carry each careless-response flag (and ``flagged``: any), for the page."""
    if analysis is None or getattr(analysis, "flags", None) is None:
        return {}
    return analysis.flag_counts


#: How many flagged responses the dashboard lists (all of them are in the raw data downloads).
FLAGGED_SHOWN = 100


def flagged_responses(analysis: SurveyAnalysis | None, labels: Labels) -> list[tuple[int, str]]:
    """The first flagged responses by number, each with its flags named: (response number, flags)."""
    from ..analysis.careless import FLAGS, flag_lists

    if analysis is None or analysis.flags is None or analysis.flags.empty:
        return []
    flagged = analysis.flags[analysis.flags["flagged"]].sort_index().head(FLAGGED_SHOWN)
    return [(int(response_id), labels.careless_flags(names))
            for response_id, names in flag_lists(flagged[list(FLAGS)]).items()]


@bp.get("/<slug>/drivers.xlsx")
@role_required(*READERS)
def drivers_workbook(slug: str):
    survey, wave = _survey_and_wave(slug)
    report = survey_report(survey, wave, filters=requested_filters(_questionnaire(survey)))
    if report.loyalty_drivers is None:
        abort(404)
    from ..analysis.driver_export import write_workbook

    workbook = BytesIO()
    write_workbook(report.loyalty_drivers, workbook)
    workbook.seek(0)
    name = f"{survey.slug}-{wave.name}-drivers.xlsx" if wave else f"{survey.slug}-drivers.xlsx"
    return send_file(workbook, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)


@bp.get("/<slug>/open/<item_id>")
@role_required(*READERS)
def open_answers(slug: str, item_id: str):
    from ..analysis.kpis import DEFAULT_MIN_N
    from .open_answers import NPS_GROUPS, nps_item
    from .open_answers import open_answers as find_answers
    from .survey_analysis import analyze_stored_survey

    survey, wave = _survey_and_wave(slug)
    questionnaire = _questionnaire(survey)
    language = str(get_locale())
    question = next((q for q in text_questions(questionnaire, language) if q.id == item_id), None)
    if question is None:
        abort(404)
    filters = requested_filters(questionnaire)
    group = request.args.get("group") or None
    if group is not None and (group not in NPS_GROUPS or nps_item(questionnaire) is None):
        abort(400, description=_("%(value)s is not a value of %(name)s.", value=group, name="group"))
    search = request.args.get("q", "")[:200]
    page = request.args.get("page", 1, type=int) or 1
    found = find_answers(survey, questionnaire, item_id, wave=wave, filters=filters, group=group, search=search,
                         page=page, with_contacts=current_user.has_role(*PERSONAL_DATA_READERS))
    return render_template(
        "results/open_answers.html", survey=survey, wave=wave, filters=filters, language=language,
        title=survey_title(survey, language), question=question, found=found, group=group, search=search,
        filter_fields=filter_fields(survey, questionnaire, filters, language,
                                    analyze_stored_survey(survey, wave, min_n=DEFAULT_MIN_N)),
        group_options=[(g, str(NPS_GROUP_LABELS[g])) for g in NPS_GROUPS] if nps_item(questionnaire) else [],
        show_contacts=current_user.has_role(*PERSONAL_DATA_READERS),
    )


@dataclass
class TextQuestion:
    id: str
    text: str


def text_questions(questionnaire: Questionnaire, language: str) -> list[TextQuestion]:
    from .open_answers import text_items

    return [TextQuestion(item.id, translate(item.text, language, questionnaire.default_language))
            for item in text_items(questionnaire)]


def _survey_and_wave(slug: str) -> tuple[Survey, Wave | None]:
    survey = survey_for_user(slug)  # 404 for a survey not granted, as for one that does not exist
    name = request.args.get("wave")
    if not name:
        return survey, None
    wave = next((w for w in survey.waves if w.name == name), None)
    if wave is None:
        abort(404)
    return survey, wave


def _questionnaire(survey: Survey) -> Questionnaire:
    return db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()


# --- filters --------------------------------------------------------------------------------------


def filter_attributes(questionnaire: Questionnaire, analysis: SurveyAnalysis | None = None
                      ) -> dict[str, tuple[str, ...] | None]:
    """What the results can be filtered by, with the values offered (None: not known yet).

    Every choice attribute (its declared values), the language, and the grouping attributes
    declared as free text (channel, persona: the values the responses hold).
    """
    from .dataset import GROUPING_ATTRIBUTES

    attributes: dict[str, tuple[str, ...] | None] = {}
    seen = analysis.attribute_values if analysis is not None else {}
    for name, attribute in questionnaire.attributes.items():
        if attribute.type == "choice" and attribute.values:
            attributes[name] = tuple(attribute.values)
        elif name in GROUPING_ATTRIBUTES and attribute.type == "text":
            attributes[name] = tuple(seen[name]) if name in seen else None
    attributes["language"] = tuple(questionnaire.languages)
    return attributes


def requested_filters(questionnaire: Questionnaire) -> dict[str, str]:
    """The attribute filters in the query string (``?segment=large&language=en``).

    A value the questionnaire does not allow is a 400 with the reason, never silently ignored.
    """
    filters = {}
    for name, values in filter_attributes(questionnaire).items():
        value = request.args.get(name, "").strip()[:100]
        if not value:
            continue
        if values is not None and value not in values:
            abort(400, description=_("%(value)s is not a value of %(name)s.", value=value, name=name))
        filters[name] = value
    return filters


@dataclass
class FilterField:
    name: str
    label: str
    options: list[tuple[str, str]]  # (value, label)
    selected: str | None


def filter_fields(survey: Survey, questionnaire: Questionnaire, filters: dict, language: str,
                  analysis: SurveyAnalysis | None = None) -> list[FilterField]:
    fields = []
    labels = Labels(questionnaire, language)
    for name, values in filter_attributes(questionnaire, analysis).items():
        values = tuple(values or ())
        if filters.get(name) and filters[name] not in values:
            values = (*values, filters[name])  # the chosen value stays on offer
        if not values:
            continue
        if name == "language":
            options = [(value, LANGUAGE_NAMES.get(value, value)) for value in values]
        else:
            options = [(value, value.replace("_", " ")) for value in values]
        fields.append(FilterField(name, labels.attribute(name), options, filters.get(name)))
    return fields


#: Languages by their own names (a language switch names each language in itself).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def survey_title(survey: Survey, language: str) -> str:
    """The survey's title in the reader's language (the questionnaire's title when it has one)."""
    from ..invitations.mails import survey_title as title_in

    return title_in(survey, language)


# --- the list of surveys --------------------------------------------------------------------------


@dataclass
class SurveyRow:
    survey: Survey
    open_wave: Wave | None
    completed: int


def survey_overview(user=None) -> list[SurveyRow]:
    """The surveys ``user`` (default: the signed-in user) may see, each with its open wave and
    number of completed responses, in two queries."""
    surveys = db.session.scalars(accessible_surveys_query(user).options(selectinload(Survey.waves))).all()
    completed = dict(db.session.execute(
        db.select(Response.survey_id, db.func.count(Response.id))
        .where(Response.status == "completed")
        .group_by(Response.survey_id)
    ).all())
    now = utcnow()
    return [SurveyRow(survey, survey.current_wave(now), completed.get(survey.id, 0)) for survey in surveys]


# --- one survey's report --------------------------------------------------------------------------


@dataclass
class KpiRow:
    label: str
    style: str  # how to format the value: "score", "index" or "percent"
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    moe: float | None = None  # margin of error (half the interval), in the value's units
    mdc: float | None = None  # the smallest change to the next wave this n can detect
    comparable: bool = True  # False: the questionnaire versions measured it differently
    n_eff: float | None = None  # weighted: Kish's effective sample size


@dataclass
class KpiVersionRow:
    """A KPI measured differently across questionnaire versions: its value under one definition."""

    label: str
    versions: str  # "version 1", "versions 2, 3"
    style: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    moe: float | None = None


@dataclass
class TrackerCell:
    value: float | None
    n: int
    change: float | None  # from the previous wave
    significant: bool


@dataclass
class TrackerRow:
    label: str
    style: str
    cells: list[TrackerCell]


@dataclass
class DriverRow:
    label: str
    beta_std: float | None
    p: float | None
    lmg_share: float | None
    relative_weight_share: float | None
    mean: float | None


@dataclass
class QuadrantGroup:
    key: str
    label: str
    drivers: list[tuple[str, float, float]]  # (label, importance, performance)


@dataclass
class ReliabilityItemRow:
    label: str
    alpha_if_deleted: float | None
    item_total_r: float | None


@dataclass
class ReliabilityRow:
    label: str
    alpha: float | None
    k: int
    n: int
    items: list[ReliabilityItemRow] = field(default_factory=list)


@dataclass
class NpsSplitRow:
    label: str  # "All waves" or a wave's name
    promoters: float | None
    passives: float | None
    detractors: float | None
    nps: float | None
    n: int


@dataclass
class SegmentTable:
    """One attribute's groups side by side: a row per KPI, a column per group."""

    name: str
    label: str
    groups: list[tuple[str, int]]  # (group, n)
    rows: list[TrackerRow]  # TrackerCell per group; value None when suppressed


@dataclass
class SurveyReport:
    """A survey's results arranged for a page; ``n == 0`` means nothing to show yet."""

    n: int = 0
    min_n: int = 0  # smaller groups and waves are suppressed
    waves: list[str] = field(default_factory=list)
    kpis: list[KpiRow] = field(default_factory=list)
    #: KPIs whose definition changed between questionnaire versions: a row per definition.
    kpi_versions: list[KpiVersionRow] = field(default_factory=list)
    tracker: list[TrackerRow] = field(default_factory=list)
    loyalty_drivers: DriverResult | None = None
    drivers: list[DriverRow] = field(default_factory=list)
    quadrants: list[QuadrantGroup] = field(default_factory=list)
    importance_cut: float | None = None
    performance_cut: float | None = None
    reliability: list[ReliabilityRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suppressed: bool = False  # filtered to fewer than min_n responses: no figures shown
    weighted: bool = False  # the figures use the stored raking weights (n_eff beside n)
    nps_split: list[NpsSplitRow] = field(default_factory=list)
    segments: list[SegmentTable] = field(default_factory=list)


def survey_report(survey: Survey, wave: Wave | None = None, filters: dict | None = None, *,
                  analysis: SurveyAnalysis | None = None) -> SurveyReport:
    """Arrange the stored analysis of ``survey`` (one wave or all, filtered) for display.

    With fewer than ``min_n`` responses in scope only ``n`` and ``suppressed`` are set: the
    figures of so small a group are neither shown nor downloadable.
    """
    from ..analysis.kpis import DEFAULT_MIN_N
    from .survey_analysis import analyze_stored_survey

    if analysis is None:
        analysis = analyze_stored_survey(survey, wave, filters or {}, min_n=DEFAULT_MIN_N)
    if analysis is None:
        return SurveyReport()
    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    labels = Labels(questionnaire, str(get_locale()))
    report = SurveyReport(n=analysis.n, min_n=DEFAULT_MIN_N, warnings=list(analysis.warnings),
                          weighted=bool(getattr(analysis, "weighted", False)))
    if analysis.filters and analysis.n < DEFAULT_MIN_N:
        report.suppressed = True
        return report
    _add_kpis(report, analysis, labels)
    _add_nps_split(report, analysis)
    _add_segments(report, analysis, labels, questionnaire)
    _add_tracker(report, analysis, labels)
    _add_drivers(report, analysis, labels)
    _add_reliability(report, analysis, labels)
    return report


def _add_reliability(report: SurveyReport, analysis: SurveyAnalysis, labels: Labels) -> None:
    from .survey_analysis import finite

    items = analysis.reliability.items
    with_items = set(items.index.get_level_values(0)) if len(items) else set()
    for name, row in analysis.reliability.constructs.iterrows():
        reliability = ReliabilityRow(labels.construct(name), finite(row["alpha"]), int(row["k"]), int(row["n"]))
        if name in with_items:
            reliability.items = [
                ReliabilityItemRow(labels.item(item), finite(stats["alpha_if_deleted"]), finite(stats["item_total_r"]))
                for item, stats in items.loc[name].iterrows()
            ]
        report.reliability.append(reliability)


def _add_kpis(report: SurveyReport, analysis: SurveyAnalysis, labels: Labels) -> None:
    from .survey_analysis import finite

    for name, row in analysis.summary.iterrows():
        spec = analysis.kpis[name]
        report.kpis.append(KpiRow(labels.kpi(name, spec), kpi_style(name, spec), finite(row["value"]),
                                  finite(row["ci_low"]), finite(row["ci_high"]), int(row["n"]),
                                  moe=finite(row.get("moe")), mdc=finite(row.get("mdc")),
                                  comparable=analysis.comparable(name),
                                  n_eff=finite(row.get("n_eff")) if analysis.weighted else None))
    for row in analysis.kpi_versions.itertuples():
        spec = analysis.kpis[row.kpi]
        report.kpi_versions.append(KpiVersionRow(
            labels.kpi(row.kpi, spec), labels.versions(row.versions), kpi_style(row.kpi, spec), finite(row.value),
            finite(row.ci_low), finite(row.ci_high), int(row.n), moe=finite(getattr(row, "moe", None)),
        ))


def _add_nps_split(report: SurveyReport, analysis: SurveyAnalysis) -> None:
    from .survey_analysis import finite

    for group, row in analysis.nps_groups.iterrows():
        label = _("All responses") if group == "all" else str(group)
        if group != "all" and len(analysis.nps_groups) <= 2:
            continue  # one wave: its row repeats "all"
        report.nps_split.append(NpsSplitRow(label, finite(row["promoters"]), finite(row["passives"]),
                                            finite(row["detractors"]), finite(row["nps"]), int(row["n"])))


def _add_segments(report: SurveyReport, analysis: SurveyAnalysis, labels: Labels,
                  questionnaire: Questionnaire) -> None:
    from .survey_analysis import finite

    frame = analysis.breakdowns
    if not len(frame):
        return
    for name, part in frame.groupby("group_by", sort=False):
        groups = list(dict.fromkeys(part["group"].astype(str)))
        if len(groups) < 2:
            continue  # filtered to one group: nothing side by side
        sizes = part.groupby(part["group"].astype(str), sort=False)["n"].max()
        table = SegmentTable(name, labels.attribute(name), [(g, int(sizes.get(g, 0))) for g in groups], [])
        for kpi, rows in part.groupby("kpi", sort=False):
            spec = analysis.kpis[kpi]
            by_group = {str(row.group): row for row in rows.itertuples()}
            cells = []
            for group in groups:
                row = by_group.get(group)
                if row is None:
                    cells.append(TrackerCell(None, 0, None, False))
                else:
                    cells.append(TrackerCell(None if row.suppressed else finite(row.value), int(row.n), None, False))
            table.rows.append(TrackerRow(labels.kpi(kpi, spec), kpi_style(kpi, spec), cells))
        report.segments.append(table)


def _add_tracker(report: SurveyReport, analysis: SurveyAnalysis, labels: Labels) -> None:
    from .survey_analysis import finite

    trend = analysis.tracker
    if not len(trend) or trend["wave"].nunique() < 2:
        return
    report.waves = list(dict.fromkeys(trend["wave"]))
    for name, rows in trend.groupby("kpi", sort=False):
        spec = analysis.kpis[name]
        by_wave = {row.wave: row for row in rows.itertuples()}
        cells = []
        for wave in report.waves:
            row = by_wave.get(wave)
            if row is None:
                cells.append(TrackerCell(None, 0, None, False))
                continue
            cells.append(TrackerCell(None if row.suppressed else finite(row.value), int(row.n),
                                     finite(row.change), _significant(row.significant)))
        report.tracker.append(TrackerRow(labels.kpi(name, spec), kpi_style(name, spec), cells))


def _add_drivers(report: SurveyReport, analysis: SurveyAnalysis, labels: Labels) -> None:
    from ..analysis.importance_performance import QUADRANTS
    from .survey_analysis import LOYALTY_INDEX, finite

    if analysis.drivers is None or (LOYALTY_INDEX, None) not in analysis.drivers.results:
        return
    result = analysis.drivers.results[(LOYALTY_INDEX, None)]
    report.loyalty_drivers = result
    report.warnings.extend(w for w in result.warnings if w not in report.warnings)
    report.drivers = [
        DriverRow(labels.construct(name), finite(row["beta_std"]), finite(row["p"]), finite(row["lmg_share"]),
                  finite(row["relative_weight_share"]), finite(row["mean"]))
        for name, row in result.table.iterrows()
    ]
    quadrants = analysis.importance_performance()
    if quadrants is None:
        return
    report.importance_cut = quadrants.importance_cut
    report.performance_cut = quadrants.performance_cut
    for key in QUADRANTS:
        members = quadrants.table[quadrants.table["quadrant"] == key].sort_values("importance", ascending=False)
        report.quadrants.append(QuadrantGroup(key, str(QUADRANT_LABELS[key]), [
            (labels.construct(name), float(row["importance"]), float(row["performance"]))
            for name, row in members.iterrows()
        ]))


def _significant(value) -> bool:
    # None for a first wave, NaN around a suppressed one (NaN != NaN); only a real True counts.
    return value is not None and value == value and bool(value)
