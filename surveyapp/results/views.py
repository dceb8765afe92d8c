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

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..access import accessible_surveys_query, role_required, survey_for_user
from ..extensions import db
from ..models import QuestionnaireVersion, Response, Survey, Wave
from ..models.base import utcnow
from ..questionnaire import Questionnaire, translate

if TYPE_CHECKING:
    from ..analysis.drivers import DriverResult
    from .survey_analysis import SurveyAnalysis

# pandas, SciPy and statsmodels (behind .survey_analysis and ..analysis) are imported in the
# functions that need them: importing them here would add a second to every create_app(),
# which every CLI command pays.

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")

#: Roles that may read results (admins hold every role).
READERS = ("manager", "researcher")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The quadrants of :mod:`surveyapp.analysis.importance_performance`, as readers see them.
QUADRANT_LABELS = {
    "fix first": _l("Fix first"),
    "keep up": _l("Keep up"),
    "possible overkill": _l("Possible overkill"),
    "low priority": _l("Low priority"),
}


@bp.after_request
def no_store(response):
    # Results are confidential business figures: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- views ----------------------------------------------------------------------------------------


@bp.get("/")
@role_required(*READERS)
def index():
    return render_template("results/index.html", surveys=survey_overview())


@bp.get("/<slug>")
@role_required(*READERS)
def survey(slug: str):
    survey, wave = _survey_and_wave(slug)
    return render_template("results/survey.html", survey=survey, wave=wave, report=survey_report(survey, wave))


@bp.get("/<slug>/drivers.xlsx")
@role_required(*READERS)
def drivers_workbook(slug: str):
    survey, wave = _survey_and_wave(slug)
    report = survey_report(survey, wave)
    if report.loyalty_drivers is None:
        abort(404)
    from ..analysis.drivers_command import write_workbook

    workbook = BytesIO()
    write_workbook(report.loyalty_drivers, workbook)
    workbook.seek(0)
    name = f"{survey.slug}-{wave.name}-drivers.xlsx" if wave else f"{survey.slug}-drivers.xlsx"
    return send_file(workbook, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)


def _survey_and_wave(slug: str) -> tuple[Survey, Wave | None]:
    survey = survey_for_user(slug)  # 404 for a survey not granted, as for one that does not exist
    name = request.args.get("wave")
    if not name:
        return survey, None
    wave = next((w for w in survey.waves if w.name == name), None)
    if wave is None:
        abort(404)
    return survey, wave


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
class ReliabilityRow:
    label: str
    alpha: float | None
    k: int
    n: int


@dataclass
class SurveyReport:
    """A survey's results arranged for a page; ``n == 0`` means nothing to show yet."""

    n: int = 0
    min_n: int = 0  # smaller groups and waves are suppressed
    waves: list[str] = field(default_factory=list)
    kpis: list[KpiRow] = field(default_factory=list)
    tracker: list[TrackerRow] = field(default_factory=list)
    loyalty_drivers: DriverResult | None = None
    drivers: list[DriverRow] = field(default_factory=list)
    quadrants: list[QuadrantGroup] = field(default_factory=list)
    importance_cut: float | None = None
    performance_cut: float | None = None
    reliability: list[ReliabilityRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def survey_report(survey: Survey, wave: Wave | None = None) -> SurveyReport:
    """Analyse ``survey`` (one wave, or all) once and arrange the results for display."""
    from ..analysis.kpis import DEFAULT_MIN_N
    from .survey_analysis import analyze_stored_survey, finite

    analysis = analyze_stored_survey(survey, wave, min_n=DEFAULT_MIN_N)
    if analysis is None:
        return SurveyReport()
    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    labels = _Labels(questionnaire, str(get_locale()))
    report = SurveyReport(n=len(analysis.scores), min_n=DEFAULT_MIN_N, warnings=list(analysis.warnings))
    _add_kpis(report, analysis, labels)
    _add_tracker(report, analysis, labels)
    _add_drivers(report, analysis, labels)
    report.reliability = [
        ReliabilityRow(labels.construct(name), finite(row["alpha"]), int(row["k"]), int(row["n"]))
        for name, row in analysis.reliability.constructs.iterrows()
    ]
    return report


def _add_kpis(report: SurveyReport, analysis: SurveyAnalysis, labels: _Labels) -> None:
    from .survey_analysis import finite

    for name, row in analysis.summary.iterrows():
        spec = analysis.kpis[name]
        report.kpis.append(KpiRow(labels.kpi(name, spec), _style(name, spec), finite(row["value"]),
                                  finite(row["ci_low"]), finite(row["ci_high"]), int(row["n"])))


def _add_tracker(report: SurveyReport, analysis: SurveyAnalysis, labels: _Labels) -> None:
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
        report.tracker.append(TrackerRow(labels.kpi(name, spec), _style(name, spec), cells))


def _add_drivers(report: SurveyReport, analysis: SurveyAnalysis, labels: _Labels) -> None:
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


class _Labels:
    """Names of constructs and KPIs in the reader's language."""

    def __init__(self, questionnaire: Questionnaire, language: str):
        self.questionnaire = questionnaire
        self.language = language

    def construct(self, name: str) -> str:
        from .survey_analysis import LOYALTY_INDEX

        construct = self.questionnaire.constructs.get(name)
        if construct is None:
            return _("Loyalty index") if name == LOYALTY_INDEX else name
        return translate(construct.label, self.language, self.questionnaire.default_language)

    def kpi(self, name: str, spec: dict) -> str:
        from .survey_analysis import LOYALTY_INDEX

        if name == LOYALTY_INDEX:
            return _("Loyalty index (0–100)")
        label = self.construct(spec["column"])
        kind = spec["kind"]
        if kind == "nps":
            return _("Net Promoter Score (%(label)s)", label=label)
        if kind == "top2box":
            return _("%(label)s: top 2 box", label=label)
        if kind == "low_effort":
            return _("%(label)s: low effort (%(threshold)s or more of %(maximum)s)", label=label,
                     threshold=spec["threshold"], maximum=spec["scale_max"])
        return label


def _style(name: str, spec: dict) -> str:
    from .survey_analysis import LOYALTY_INDEX

    if spec["kind"] in ("top2box", "low_effort"):
        return "percent"
    if spec["kind"] == "nps" or name == LOYALTY_INDEX:
        return "index"
    return "score"


def _significant(value) -> bool:
    # None for a first wave, NaN around a suppressed one (NaN != NaN); only a real True counts.
    return value is not None and value == value and bool(value)
