"""Downloads on the results blueprint: charts as SVG/PNG and the reports (xlsx, csv, sav, pdf, crm).

* ``/results/<slug>/charts/<name>.svg`` and ``.png``: one chart (see :mod:`.charts`);
* ``/results/<slug>/report.<fmt>`` for ``xlsx``, ``csv``, ``sav``, ``pdf`` and ``crm``;
* ``/results/<slug>/codebook.csv``: the codebook of ``report.csv``.

All take the dashboard's query string: ``?wave=NAME``, one ``ATTRIBUTE=VALUE`` per
filter (``?segment=large&channel=web``) and the careless switch ``?careless=exclude``
(careless responses left out of every figure and of the raw data); labels are in the reader's
language. The same roles
as the dashboard may read them (:data:`.views.READERS`). The templates get
``results_charts(survey, analysis, language)`` and
``results_download_args(wave, filters, exclude_flagged)``
for ``results/_charts.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO

from flask import abort, request, send_file
from flask_babel import get_locale

from ..access import role_required, survey_for_user
from .views import READERS, bp

#: Query parameters that are not filters (the page language, the wave, the careless switch).
NOT_FILTER_ARGS = ("wave", "lang", "careless")
#: ``?careless=exclude``: careless responses are left out (as on the dashboard).
CARELESS_ARG, EXCLUDE = "careless", "exclude"


def _scope(slug: str):
    from .reports import ReportError, filter_names, make_scope

    survey = survey_for_user(slug)  # 404 for a survey not granted, as for one that does not exist
    from ..extensions import db
    from ..models import QuestionnaireVersion

    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    allowed = filter_names(questionnaire)
    filters = {key: value for key, value in request.args.items()
               if key not in NOT_FILTER_ARGS and key in allowed and value}
    try:
        return make_scope(survey, wave_name=request.args.get("wave") or None, filters=filters,
                          language=str(get_locale()), exclude_flagged=request.args.get(CARELESS_ARG) == EXCLUDE)
    except ReportError:
        abort(404)


@bp.get("/<slug>/charts/<name>.<any(svg, png):ext>")
@role_required(*READERS)
def chart(slug: str, name: str, ext: str):
    from .charts import CHART_NAMES, FORMATS, build_chart, render
    from .labels import Labels
    from .reports import ReportError, load_analysis

    if name not in CHART_NAMES:
        abort(404)
    scope = _scope(slug)
    try:
        analysis = load_analysis(scope)
    except ReportError:
        abort(404)
    figure = build_chart(name, analysis, Labels(scope.questionnaire, scope.language))
    if figure is None:
        abort(404)
    data = render(figure, ext)
    return send_file(BytesIO(data), mimetype=FORMATS[ext], download_name=f"{scope.file_stem}-{name}.{ext}")


@bp.get("/<slug>/report.<any(xlsx, csv, sav, pdf, crm):fmt>")
@role_required(*READERS)
def report(slug: str, fmt: str):
    from .reports import EXTENSIONS, MIMETYPES, ReportError, write_report

    scope = _scope(slug)
    out = BytesIO()
    try:
        write_report(scope, fmt, out)
    except ReportError:
        abort(404)
    out.seek(0)
    suffix = "-crm" if fmt == "crm" else "-responses" if fmt == "csv" else ""
    return send_file(out, mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=f"{scope.file_stem}{suffix}.{EXTENSIONS[fmt]}")


@bp.get("/<slug>/codebook.csv")
@role_required(*READERS)
def codebook(slug: str):
    from .labels import Labels, in_language
    from .raw_data import write_codebook_csv
    from .reports import MIMETYPES, ReportError, load_responses

    scope = _scope(slug)
    try:
        table = load_responses(scope)
    except ReportError:
        abort(404)
    out = BytesIO()
    with in_language(scope.language):
        write_codebook_csv(table, scope.questionnaire, Labels(scope.questionnaire, scope.language), out)
    out.seek(0)
    return send_file(out, mimetype=MIMETYPES["csv"], as_attachment=True,
                     download_name=f"{scope.file_stem}-codebook.csv")


# --- for results/_charts.html ---------------------------------------------------------------------


@bp.app_template_global("results_charts")
def results_charts(survey, analysis, language: str | None = None):
    """The charts of ``analysis`` (with their tables), labelled in ``language`` (default: the page's)."""
    from ..extensions import db
    from ..models import QuestionnaireVersion
    from .charts import build_charts
    from .labels import Labels, in_language

    if analysis is None:
        return []
    language = str(language or get_locale())
    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    with in_language(language):
        return build_charts(analysis, Labels(questionnaire, language))


@bp.app_template_global("results_download_args")
def results_download_args(wave=None, filters=None, exclude_flagged: bool = False) -> dict:
    """The query arguments that repeat the page's wave, filters and careless switch on a chart or
    download link."""
    args = {}
    if wave is not None:
        args["wave"] = getattr(wave, "name", wave)
    if filters is not None and not isinstance(filters, Mapping):
        filters = getattr(filters, "active", None) or getattr(filters, "values", None) or {}
    for key, value in dict(filters or {}).items():
        if key not in NOT_FILTER_ARGS and value not in (None, ""):
            args[key] = value
    if exclude_flagged:
        args[CARELESS_ARG] = EXCLUDE
    return args
