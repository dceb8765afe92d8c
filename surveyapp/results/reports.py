"""Downloads of a survey's results: one entry point for the CLI (``surveyapp report``) and the web.

A :class:`ReportScope` names what is reported (survey, wave, attribute filters, language);
:func:`write_report` writes one format to a binary file. The figures come from
:func:`.survey_analysis.analyze_stored_survey` (the same as the dashboard's); the raw-data
formats (csv, sav) read the same filtered response rows.

Formats (``REPORT_FORMATS``):

* ``xlsx``: a workbook for reading (:mod:`.workbook`);
* ``csv``: raw responses, one row per response; the codebook is a second CSV file
  (:mod:`.raw_data`);
* ``sav``: SPSS with variable and value labels (:mod:`.raw_data`);
* ``pdf``: a meeting report with the charts (:mod:`.pdf_report`);
* ``crm``: one row per contact for the CRM system, as CSV (:mod:`.crm_export`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from ..models import Survey, Wave
from ..questionnaire import LANGUAGES, Questionnaire

REPORT_FORMATS = ("xlsx", "csv", "sav", "pdf", "crm")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "sav": "application/x-spss-sav",
    "pdf": "application/pdf",
    "crm": "text/csv; charset=utf-8",
}
#: What a download of each format is called (the CRM file is a CSV file).
EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "sav": "sav", "pdf": "pdf", "crm": "csv"}
#: Attributes never offered as a filter (personal data).
NOT_FILTERS = ("name", "email")


class ReportError(ValueError):
    """What the reader asked for cannot be reported; the message says why in one line."""


@dataclass
class ReportScope:
    survey: Survey
    questionnaire: Questionnaire
    wave: Wave | None = None
    filters: dict[str, str] = field(default_factory=dict)
    language: str = "nl"
    #: Leave careless responses (speeders, straightliners, duplicates, inconsistent) out.
    exclude_flagged: bool = False

    @property
    def file_stem(self) -> str:
        parts = [self.survey.slug]
        if self.wave is not None:
            parts.append(self.wave.name)
        parts += [f"{key}-{value}" for key, value in self.filters.items()]
        if self.exclude_flagged:
            parts.append("without-careless")
        return "-".join(_safe(part) for part in parts)

    @property
    def options(self) -> dict:
        """The analysis options of this scope (as the dashboard passes them)."""
        return {"exclude_flagged": True} if self.exclude_flagged else {}


def filter_names(questionnaire: Questionnaire) -> list[str]:
    """The attributes a report can be filtered on: the questionnaire's attributes (except personal data)
    and the response language."""
    return [name for name in questionnaire.attributes if name not in NOT_FILTERS] + ["language"]


def make_scope(survey: Survey, *, wave_name: str | None = None, filters: dict[str, str] | None = None,
               language: str | None = None, exclude_flagged: bool = False) -> ReportScope:
    """Check the request against the survey; :class:`ReportError` when a wave or filter does not exist."""
    from ..extensions import db
    from ..models import QuestionnaireVersion

    questionnaire = db.session.get(QuestionnaireVersion, survey.questionnaire_version_id).questionnaire()
    wave = None
    if wave_name:
        wave = next((w for w in survey.waves if w.name == wave_name), None)
        if wave is None:
            names = ", ".join(w.name for w in survey.waves) or "none"
            raise ReportError(f"survey '{survey.slug}' has no wave '{wave_name}' (waves: {names})")
    filters = dict(filters or {})
    allowed = filter_names(questionnaire)
    for name in filters:
        if name not in allowed:
            raise ReportError(f"cannot filter on '{name}': choose from {', '.join(allowed)}")
    language = language or questionnaire.default_language
    if language not in LANGUAGES:
        raise ReportError(f"language must be one of {', '.join(LANGUAGES)}, not '{language}'")
    return ReportScope(survey=survey, questionnaire=questionnaire, wave=wave, filters=filters, language=language,
                       exclude_flagged=exclude_flagged)


def parse_filters(pairs) -> dict[str, str]:
    """``["segment=large", "channel=web"]`` as a dict; :class:`ReportError` for a pair without ``=``."""
    filters = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ReportError(f"a filter is ATTRIBUTE=VALUE, e.g. segment=large; not '{pair}'")
        filters[name.strip()] = value.strip()
    return filters


def load_analysis(scope: ReportScope):
    """The stored analysis of the scope (the dashboard's); :class:`ReportError` when no response matches."""
    from .survey_analysis import analyze_stored_survey

    analysis = analyze_stored_survey(scope.survey, wave=scope.wave, filters=scope.filters, **scope.options)
    if analysis is None:
        raise ReportError(_nothing(scope))
    return analysis


def load_responses(scope: ReportScope):
    """The completed responses of the scope as one table (a column per answer), with each
    response's careless-response flags (``careless_<flag>``, 0/1; see :mod:`.quality`)."""
    from .dataset import filter_rows, response_table
    from .quality import FLAG_COLUMNS, survey_flags

    table = filter_rows(response_table(scope.survey, wave=scope.wave), scope.filters)
    if not table.empty:
        flags = survey_flags(scope.survey).reindex(table.index, fill_value=False)
        if scope.exclude_flagged:
            table, flags = table.loc[~flags["flagged"]], flags.loc[~flags["flagged"]]
        table = table.assign(**{column: flags[name].astype(int) for name, column in FLAG_COLUMNS.items()})
    if table.empty:
        raise ReportError(_nothing(scope))
    return table


def write_report(scope: ReportScope, fmt: str, out: BinaryIO, *, codebook: BinaryIO | None = None) -> None:
    """Write the report in ``fmt`` to ``out`` (a binary file); for csv also the codebook to ``codebook``."""
    from .labels import Labels, in_language

    if fmt not in REPORT_FORMATS:
        raise ReportError(f"format must be one of {', '.join(REPORT_FORMATS)}, not '{fmt}'")
    with in_language(scope.language):
        labels = Labels(scope.questionnaire, scope.language)
        if fmt == "xlsx":
            from .workbook import write_workbook

            write_workbook(scope, load_analysis(scope), labels, out)
        elif fmt == "pdf":
            from .pdf_report import write_pdf

            write_pdf(scope, load_analysis(scope), labels, out)
        elif fmt == "crm":
            from .crm_export import write_crm

            write_crm(scope, load_analysis(scope), out)
        elif fmt == "csv":
            from .raw_data import write_codebook_csv, write_responses_csv

            table = load_responses(scope)
            write_responses_csv(table, scope.questionnaire, out)
            if codebook is not None:
                write_codebook_csv(table, scope.questionnaire, labels, codebook)
        else:
            from .raw_data import write_sav

            write_sav(load_responses(scope), scope.questionnaire, labels, out)


def _nothing(scope: ReportScope) -> str:
    where = f" in wave {scope.wave.name}" if scope.wave else ""
    if scope.filters:
        where += " with " + ", ".join(f"{k}={v}" for k, v in scope.filters.items())
    if scope.exclude_flagged:
        where += " that are not flagged as careless"
    return f"survey '{scope.survey.slug}' has no completed responses{where}"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(text))
