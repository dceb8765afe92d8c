"""The results workbook (xlsx): made for reading, in the reader's language, written in constant memory.

Sheets: summary, NPS, key figures, key figures per questionnaire version (when a KPI's definition
changed), trend over waves, segments, drivers, importance-performance, reliability (with item
statistics), codebook, and the scores per respondent (with each response's careless flags). Every number is
the engine's value, unrounded, with a display format (so 7.049072528883467 shows as 7.05 and
still sums exactly); the header row is frozen and the columns have widths. xlsxwriter's
``constant_memory`` mode writes each row to disk as soon as the next one starts, so 100,000
respondents cost no more memory than ten (see bench/bench_report.py).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, BinaryIO

from flask_babel import gettext as _

from .labels import Labels, excel_format, kpi_style

if TYPE_CHECKING:
    from .reports import ReportScope
    from .survey_analysis import SurveyAnalysis


def _exact_worksheet_class():
    """xlsxwriter's worksheet, writing every number with all its digits.

    xlsxwriter writes numbers as ``%.16G``, which loses the 17th significant digit of many
    doubles; Python's ``repr`` is the shortest text that reads back as the same double, so the
    engine's values are in the cells exactly.
    """
    from xlsxwriter.worksheet import Worksheet

    class ExactWorksheet(Worksheet):
        def _xml_number_element(self, number, attributes=()):
            attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
            self.fh.write(f"<c{attr}><v>{float(number)!r}</v></c>")

    return ExactWorksheet


class Sheet:
    """One worksheet with a frozen header row, column widths and a display format per number."""

    def __init__(self, book, name: str, columns: list[tuple[str, int]], formats: dict):
        self.sheet = book.add_worksheet(name[:31], worksheet_class=formats["worksheet_class"])
        self.formats = formats
        self.row = 1
        for index, (_title, width) in enumerate(columns):
            self.sheet.set_column(index, index, width)
        self.sheet.freeze_panes(1, 0)
        self.sheet.write_row(0, 0, [title for title, _width in columns], formats["header"])

    def append(self, values: list, styles: list | str | None = None) -> None:
        """One row; ``styles`` names the display format of each number (or one for all)."""
        sheet, row, formats = self.sheet, self.row, self.formats
        for column, value in enumerate(values):
            if value is None:
                continue
            style = styles if isinstance(styles, str) or styles is None else styles[column]
            if isinstance(value, bool):
                sheet.write_string(row, column, _("yes") if value else _("no"))
            elif isinstance(value, int | float):
                if math.isfinite(value):
                    sheet.write_number(row, column, value, formats.get(style) if style else None)
            elif isinstance(value, datetime):
                sheet.write_datetime(row, column, value.replace(tzinfo=None), formats["datetime"])
            else:
                sheet.write_string(row, column, str(value))
        self.row += 1


def _number(value):
    """A plain float (None for NaN/None), so numpy scalars are written as numbers."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def write_workbook(scope: ReportScope, analysis: SurveyAnalysis, labels: Labels, out: BinaryIO) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    formats = {style: book.add_format({"num_format": excel_format(style)})
               for style in ("percent", "share", "index", "coefficient", "score", "p", "count")}
    formats["header"] = book.add_format({"bold": True, "bg_color": "#E4ECF5", "bottom": 1, "text_wrap": True,
                                         "valign": "top"})
    formats["datetime"] = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    formats["worksheet_class"] = _exact_worksheet_class()
    book.set_properties({"title": labels.text(scope.questionnaire.title, scope.survey.slug),
                         "comments": "surveyapp"})
    _summary(book, formats, scope, analysis, labels)
    _nps(book, formats, analysis, labels)
    _kpis(book, formats, analysis, labels)
    _kpi_versions(book, formats, analysis, labels)
    _trend(book, formats, analysis, labels)
    _segments(book, formats, analysis, labels)
    _drivers(book, formats, analysis, labels)
    _importance_performance(book, formats, analysis, labels)
    _reliability(book, formats, analysis, labels)
    _codebook(book, formats, scope, labels)
    _scores(book, formats, scope, analysis, labels)
    book.close()


def _summary(book, formats, scope: ReportScope, analysis: SurveyAnalysis, labels: Labels) -> None:
    from .survey_analysis import LOYALTY_INDEX

    sheet = Sheet(book, _("Summary"), [(_("Subject"), 42), (_("Value"), 60)], formats)
    sheet.append([_("Survey"), labels.text(scope.questionnaire.title, scope.survey.title)])
    sheet.append([_("Wave"), scope.wave.name if scope.wave else _("All waves")])
    filters = ", ".join(f"{labels.attribute(k)} = {v}" for k, v in scope.filters.items())
    sheet.append([_("Filters"), filters or _("none")])
    sheet.append([_("Completed responses"), len(analysis.scores)], "count")
    sheet.append([_("Made on"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")])
    summary = analysis.summary
    for name in ("nps", LOYALTY_INDEX):
        if name in summary.index:
            spec = analysis.kpis[name]
            style = kpi_style(name, spec)
            row = summary.loc[name]
            sheet.append([labels.kpi(name, spec), _number(row["value"])], style)
            sheet.append([_("%(label)s: 95%% interval", label=labels.kpi(name, spec)),
                          labels.interval(row["ci_low"], row["ci_high"], style)])
    result = analysis.drivers.results.get((LOYALTY_INDEX, None)) if analysis.drivers else None
    if result is not None:
        sheet.append([_("R² of the drivers of the loyalty index"), _number(result.r2)], "coefficient")
        sheet.append([_("Responses in the driver analysis"), result.n], "count")
    counts = analysis.flag_counts
    sheet.append([_("Flagged as careless (speeders, straightliners, duplicates, inconsistent)"),
                  _("%(flagged)s (%(speeder)s, %(straightliner)s, %(duplicate)s, %(inconsistent)s)", **counts)
                  + (" · " + _("left out") if analysis.excluded_flagged else " · " + _("included"))])
    for warning in analysis.warnings:
        sheet.append([_("Warning"), warning])


def _nps(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    from ..analysis.kpis import net_promoter_score

    spec = analysis.kpis.get("nps")
    if spec is None:
        return
    sheet = Sheet(book, _("NPS"), [(_("Wave"), 16), ("NPS", 10), (_("95% interval: low"), 12),
                                   (_("95% interval: high"), 12), (_("Promoters"), 12), (_("Passives"), 12),
                                   (_("Detractors"), 12), ("n", 9)], formats)
    styles = [None, "index", "index", "index", "share", "share", "share", "count"]
    scores = analysis.scores
    overall = analysis.summary.loc["nps"]
    split = net_promoter_score(scores[spec["column"]])
    sheet.append([_("All responses"), _number(overall["value"]), _number(overall["ci_low"]), _number(overall["ci_high"]),
                  split.promoters, split.passives, split.detractors, int(overall["n"])], styles)
    if "wave" in scores.columns and len(analysis.tracker):
        for wave in dict.fromkeys(analysis.tracker["wave"]):
            result = net_promoter_score(scores.loc[scores["wave"] == wave, spec["column"]])
            if result.n == 0:
                continue
            sheet.append([str(wave), result.nps, result.ci_low, result.ci_high, result.promoters, result.passives,
                          result.detractors, result.n], styles)


def _kpis(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    sheet = Sheet(book, _("Key figures"), [(_("Key figure"), 48), (_("Value"), 10), (_("95% interval: low"), 12),
                                           (_("95% interval: high"), 12), (_("Standard error"), 12), ("n", 9),
                                           (_("Margin of error"), 12), (_("Smallest detectable change"), 14),
                                           (_("Measured the same way in every version"), 14)]
                  + ([(_("Effective n (weighted)"), 12), (_("Design effect"), 10)] if analysis.weighted else []),
                  formats)
    for name, row in analysis.summary.iterrows():
        spec = analysis.kpis[name]
        style = kpi_style(name, spec)
        style = "share" if style == "percent" else style
        weighted = [_number(row.get("n_eff")), _number(row.get("design_effect"))] if analysis.weighted else []
        sheet.append([labels.kpi(name, spec), _number(row["value"]), _number(row["ci_low"]), _number(row["ci_high"]),
                      _number(row["se"]), int(row["n"]), _number(row.get("moe")), _number(row.get("mdc")),
                      _("yes") if analysis.comparable(name) else _("no"), *weighted],
                     [None, style, style, style, style, "count", style, style, None, "score", "score"])


def _kpi_versions(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    """A KPI whose definition changed between questionnaire versions, per definition."""
    if not len(analysis.kpi_versions):
        return
    sheet = Sheet(book, _("Per version"), [(_("Key figure"), 48), (_("Questionnaire version"), 16), (_("Value"), 10),
                                           (_("95% interval: low"), 12), (_("95% interval: high"), 12),
                                           (_("Standard error"), 12), ("n", 9), (_("Margin of error"), 12),
                                           (_("What changed"), 60)], formats)
    for row in analysis.kpi_versions.itertuples():
        spec = analysis.kpis[row.kpi]
        style = kpi_style(row.kpi, spec)
        style = "share" if style == "percent" else style
        changes = "; ".join(analysis.definition_changes.get(row.kpi, []))
        sheet.append([labels.kpi(row.kpi, spec), labels.versions(row.versions), _number(row.value),
                      _number(row.ci_low), _number(row.ci_high), _number(row.se), int(row.n),
                      _number(getattr(row, "moe", None)), changes],
                     [None, None, style, style, style, style, "count", style, None])


def _trend(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    sheet = Sheet(book, _("Trend"), [(_("Key figure"), 48), (_("Wave"), 12), (_("Value"), 10),
                                     (_("95% interval: low"), 12), (_("95% interval: high"), 12), ("n", 9),
                                     (_("Change from the previous wave"), 14), (_("p (change)"), 10),
                                     (_("Significant (at 5%)"), 12), (_("Note"), 24)], formats)
    for row in analysis.tracker.itertuples():
        spec = analysis.kpis[row.kpi]
        style = kpi_style(row.kpi, spec)
        style = "share" if style == "percent" else style
        significant = row.significant if row.significant is not None and row.significant == row.significant else None
        sheet.append([labels.kpi(row.kpi, spec), str(row.wave), _number(row.value), _number(row.ci_low),
                      _number(row.ci_high), int(row.n), _number(row.change), _number(row.p_change),
                      None if significant is None else bool(significant),
                      _("too few responses") if row.suppressed else None],
                     [None, None, style, style, style, "count", style, "p", None, None])


def _segments(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    frame = analysis.breakdowns
    sheet = Sheet(book, _("Segments"), [(_("Breakdown by"), 20), (_("Group"), 20), (_("Key figure"), 48),
                                        (_("Value"), 10), (_("95% interval: low"), 12),
                                        (_("95% interval: high"), 12), ("n", 9), (_("Note"), 24)], formats)
    for row in frame.itertuples():
        spec = analysis.kpis[row.kpi]
        style = kpi_style(row.kpi, spec)
        style = "share" if style == "percent" else style
        sheet.append([labels.attribute(row.group_by), str(row.group), labels.kpi(row.kpi, spec), _number(row.value),
                      _number(row.ci_low), _number(row.ci_high), int(row.n),
                      _("too few responses") if row.suppressed else None],
                     [None, None, None, style, style, style, "count", None])


def _drivers(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    columns = [(_("Outcome"), 30), (_("Segment"), 14), (_("Driver"), 34), ("n", 8), ("R²", 9), (_("Adjusted R²"), 10),
               (_("Coefficient (B)"), 11), (_("Standard error (HC3)"), 11), ("p", 9), (_("95% interval of B: low"), 11),
               (_("95% interval of B: high"), 11), (_("Standardized beta"), 11), ("VIF", 8),
               (_("Share of R² (LMG)"), 11), (_("Bootstrap 95% interval: low"), 11),
               (_("Bootstrap 95% interval: high"), 11), (_("Share of R² (relative weights)"), 12),
               (_("Mean (performance)"), 11)]
    sheet = Sheet(book, _("Drivers"), columns, formats)
    styles = [None, None, None, "count", "coefficient", "coefficient", "coefficient", "coefficient", "p",
              "coefficient", "coefficient", "coefficient", "score", "share", "share", "share", "share", "score"]
    if analysis.drivers is None:
        return
    results = sorted(analysis.drivers.results.items(), key=lambda kv: (kv[0][1] is not None, 0))
    for (outcome, segment), result in results:
        for name, row in result.table.iterrows():
            sheet.append([labels.construct(outcome), _("All") if segment is None else str(segment),
                          labels.construct(name), result.n, _number(result.r2), _number(result.adj_r2),
                          _number(row["beta"]), _number(row["se"]), _number(row["p"]), _number(row["ci_low"]),
                          _number(row["ci_high"]), _number(row["beta_std"]), _number(row["vif"]),
                          _number(row["lmg_share"]), _number(row.get("lmg_share_ci_low")),
                          _number(row.get("lmg_share_ci_high")), _number(row["relative_weight_share"]),
                          _number(row["mean"])], styles)


def _importance_performance(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    quadrants = analysis.importance_performance()
    sheet = Sheet(book, _("Importance-performance"), [(_("Driver"), 34), (_("Quadrant"), 20),
                                                      (_("Importance (share of R²)"), 14),
                                                      (_("Performance (mean)"), 14)], formats)
    if quadrants is None:
        return
    styles = [None, None, "share", "score"]
    for name, row in quadrants.table.sort_values("importance", ascending=False).iterrows():
        sheet.append([labels.construct(name), labels.quadrant(row["quadrant"]), _number(row["importance"]),
                      _number(row["performance"])], styles)
    sheet.append([_("Cut point (average)"), None, _number(quadrants.importance_cut), _number(quadrants.performance_cut)],
                 styles)


def _reliability(book, formats, analysis: SurveyAnalysis, labels: Labels) -> None:
    sheet = Sheet(book, _("Reliability"), [(_("Construct"), 30), (_("Item"), 50), (_("Cronbach's alpha"), 10),
                                           (_("Items"), 7), ("n", 8), (_("Alpha if item deleted"), 11),
                                           (_("Corrected item-total correlation"), 13), (_("Mean"), 9), ("SD", 9)],
                  formats)
    report = analysis.reliability
    items = report.items
    for name, row in report.constructs.iterrows():
        sheet.append([labels.construct(name), None, _number(row["alpha"]), int(row["k"]), int(row["n"])],
                     [None, None, "coefficient", "count", "count"])
        if len(items) and name in items.index.get_level_values(0):
            for item, stats in items.loc[name].iterrows():
                sheet.append([labels.construct(name), labels.item(item), None, None, None,
                              _number(stats["alpha_if_deleted"]), _number(stats["item_total_r"]),
                              _number(stats["mean"]), _number(stats["sd"])],
                             [None, None, None, None, None, "coefficient", "coefficient", "score", "score"])


def _codebook(book, formats, scope: ReportScope, labels: Labels) -> None:
    from .raw_data import codebook_header, codebook_rows, codebook_variables

    widths = (28, 60, 18, 60, 16)
    sheet = Sheet(book, _("Codebook"), list(zip(codebook_header(), widths, strict=True)), formats)
    for row in codebook_rows(codebook_variables(scope.questionnaire, labels)):
        sheet.append(row)


def _scores(book, formats, scope: ReportScope, analysis: SurveyAnalysis, labels: Labels) -> None:
    from .crm_export import nps_group
    from .survey_analysis import GROUP_COLUMNS, LOYALTY_INDEX

    scores = analysis.scores
    context = [c for c in ("wave", *GROUP_COLUMNS) if c in scores.columns]
    constructs = [c for c in scope.questionnaire.constructs if c in scores.columns]
    if LOYALTY_INDEX in scores.columns:
        constructs.append(LOYALTY_INDEX)
    nps_column = analysis.kpis.get("nps", {}).get("column")
    groups = {"promoter": _("promoter"), "passive": _("passive"), "detractor": _("detractor")}
    columns = [(_("Response number"), 11), *[(labels.attribute(c), 14) for c in context],
               (_("Careless (flags)"), 16)]
    if nps_column:
        columns.append((_("NPS group"), 12))
    columns += [(labels.construct(c), 14) for c in constructs]
    sheet = Sheet(book, _("Scores per respondent"), columns, formats)
    styles = [None] * (2 + len(context) + (1 if nps_column else 0)) + [
        "index" if c == LOYALTY_INDEX else "score" for c in constructs]
    # (a response without an attribute, e.g. answered before it was collected, has NaN there: no cell)
    texts = [[None if value is None or value != value else str(value) for value in scores[c].tolist()]
             for c in context]
    numbers = scores[constructs].to_numpy(dtype=float)
    recommend = scores[nps_column].to_numpy(dtype=float) if nps_column else None
    # The one sheet that grows with the responses: straight to xlsxwriter, no per-cell type checks.
    ws, first_number = sheet.sheet, len(styles) - len(constructs)
    number_formats = [formats[style] for style in styles[first_number:]]
    text_columns = list(texts)
    text_columns.append(_careless_texts(analysis, scores.index, labels))
    for index, response_id in enumerate(scores.index):
        row = index + 1
        ws.write_number(row, 0, int(response_id))
        for column, values in enumerate(text_columns, start=1):
            if values[index] is not None:
                ws.write_string(row, column, values[index])
        if recommend is not None:
            group = nps_group(recommend[index])
            if group:
                ws.write_string(row, first_number - 1, groups[group])
        for offset, value in enumerate(numbers[index]):
            if value == value:  # not NaN
                ws.write_number(row, first_number + offset, value, number_formats[offset])


def _careless_texts(analysis: SurveyAnalysis, index, labels: Labels) -> list[str | None]:
    """Per response in ``index`` its careless flags ("speeder, duplicate"), None when it has none."""
    from ..analysis.careless import FLAGS, flag_lists

    if analysis.flags is None or analysis.flags.empty:
        return [None] * len(index)
    names = flag_lists(analysis.flags.reindex(index, fill_value=False)[list(FLAGS)])
    return [labels.careless_flags(flagged) or None for flagged in names]
