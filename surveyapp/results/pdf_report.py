"""The meeting report (PDF): a cover with the key figures, then one page per chart with what it shows.

Drawn with matplotlib's ``PdfPages`` (no other PDF library): the charts are the dashboard's
(:mod:`.charts`), each with its description and the figures behind it as a table, in Dutch or
English. Text is embedded as TrueType, so it can be searched and copied.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from typing import TYPE_CHECKING, BinaryIO

from flask_babel import gettext as _
from flask_babel import ngettext

from .charts import INK, MUTED, STYLE, build_charts
from .labels import Labels, kpi_style

if TYPE_CHECKING:
    from .reports import ReportScope
    from .survey_analysis import SurveyAnalysis

A4_LANDSCAPE = (11.69, 8.27)
MAX_TABLE_ROWS = 16


def write_pdf(scope: ReportScope, analysis: SurveyAnalysis, labels: Labels, out: BinaryIO) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    title = labels.text(scope.questionnaire.title, scope.survey.title)
    charts = build_charts(analysis, labels)
    with matplotlib.rc_context(STYLE), PdfPages(out, metadata={"Title": title, "Creator": "surveyapp",
                                                               "CreationDate": None}) as pdf:
        cover = Figure(figsize=A4_LANDSCAPE)
        _cover(cover, scope, analysis, labels, title)
        pdf.savefig(cover)
        for number, chart in enumerate(charts, start=2):
            page = Figure(figsize=A4_LANDSCAPE)
            top, bottom = page.subfigures(2, 1, height_ratios=[0.64, 0.36])
            top.suptitle(chart.title, x=0.04, ha="left", fontsize=15, fontweight="bold", color=INK)
            chart.draw(top)
            _text_and_table(bottom, chart)
            page.text(0.96, 0.02, f"{title} · {number}", ha="right", fontsize=7.5, color=MUTED)
            pdf.savefig(page)


def _cover(figure, scope: ReportScope, analysis: SurveyAnalysis, labels: Labels, title: str) -> None:
    from .survey_analysis import LOYALTY_INDEX

    figure.text(0.06, 0.88, title, fontsize=22, fontweight="bold", color=INK, wrap=True)
    scope_lines = [scope.wave.name if scope.wave else _("All waves")]
    if scope.filters:
        scope_lines.append(", ".join(f"{labels.attribute(k)} = {v}" for k, v in scope.filters.items()))
    scope_lines.append(_("%(n)s completed responses", n=labels.number(len(analysis.scores), "count")))
    scope_lines.append(_("Made on %(date)s", date=datetime.now(UTC).strftime("%Y-%m-%d")))
    figure.text(0.06, 0.80, " · ".join(scope_lines), fontsize=11, color=MUTED)
    figure.text(0.06, 0.70, _("Key figures"), fontsize=14, fontweight="bold", color=INK)
    y = 0.64
    for name, row in analysis.summary.iterrows():
        spec = analysis.kpis[name]
        style = kpi_style(name, spec)
        figure.text(0.06, y, labels.kpi(name, spec) + ("" if analysis.comparable(name) else " †"), fontsize=10,
                    color=INK)
        figure.text(0.62, y, labels.number(row["value"], style), fontsize=10, color=INK, ha="right",
                    fontweight="bold")
        figure.text(0.64, y, f"({_('95% interval')} {labels.interval(row['ci_low'], row['ci_high'], style)}, "
                    f"n = {labels.number(int(row['n']), 'count')})", fontsize=9, color=MUTED)
        y -= 0.036
        for version in analysis.kpi_versions[analysis.kpi_versions["kpi"] == name].itertuples():
            figure.text(0.08, y, f"† {labels.versions(version.versions)}", fontsize=9, color=MUTED)
            figure.text(0.62, y, labels.number(version.value, style), fontsize=9, color=MUTED, ha="right")
            figure.text(0.64, y, f"({_('95% interval')} {labels.interval(version.ci_low, version.ci_high, style)}, "
                        f"n = {labels.number(int(version.n), 'count')})", fontsize=9, color=MUTED)
            y -= 0.03
    if len(analysis.kpi_versions):
        figure.text(0.06, y, _("† Measured differently in earlier questionnaire versions (another scale or other "
                               "items): its change across that break is not tested."), fontsize=8, color=MUTED)
        y -= 0.03
    counts = analysis.flag_counts
    if counts["flagged"]:
        text = (ngettext("%(num)s careless response is left out of every figure",
                         "%(num)s careless responses are left out of every figure", counts["flagged"])
                if analysis.excluded_flagged else
                ngettext("%(num)s response is flagged as careless and included",
                         "%(num)s responses are flagged as careless and included", counts["flagged"]))
        figure.text(0.06, y, text, fontsize=9, color=MUTED)
        y -= 0.03
    result = analysis.drivers.results.get((LOYALTY_INDEX, None)) if analysis.drivers else None
    if result is not None:
        figure.text(0.06, y - 0.02, _("The drivers explain R² = %(r2)s of the loyalty index (n = %(n)s).",
                                      r2=labels.number(result.r2, "coefficient"), n=labels.number(result.n, "count")),
                    fontsize=10, color=INK)


def _text_and_table(figure, chart) -> None:
    wrapped = "\n".join(textwrap.wrap(chart.description, 150))
    figure.text(0.04, 0.95, wrapped, va="top", fontsize=9, color=INK)
    rows = chart.table.rows
    if not rows or len(rows) > MAX_TABLE_ROWS:
        return
    lines = wrapped.count("\n") + 1
    height = min(0.85 - 0.07 * lines, 0.065 * (len(rows) + 1))
    ax = figure.add_axes((0.04, 0.84 - 0.07 * lines - height, 0.92, height))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=chart.table.columns, loc="upper left", cellLoc="right",
                     colLoc="right", bbox=(0, 0, 1, 1))
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    for (row, column), cell in table.get_celld().items():
        cell.set_edgecolor("#d9e2ec")
        if column == 0:
            cell.set_text_props(ha="left")
            cell._loc = "left"
        if row == 0:
            cell.set_text_props(fontweight="bold")
