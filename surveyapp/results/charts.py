"""Charts of a survey's analysis, drawn on the server with matplotlib, as SVG, PNG or PDF pages.

Every chart is built from a :class:`~surveyapp.results.survey_analysis.SurveyAnalysis` in one
language: a :class:`Chart` holds its title, a one-line alternative text, a short description
("what this shows", with the engine's figures) and the figures as a table (the text
alternative next to the image), plus a function that draws it. :func:`render` turns a chart
into bytes. matplotlib is imported only when a chart is drawn (it costs ~0.3 s), with the Agg
backend and without pyplot, so no global figure state is shared between requests.

Charts (``CHART_NAMES``): ``nps`` (NPS over waves with its interval, and the promoter /
passive / detractor split), ``kpis`` (every KPI over waves, significant changes marked),
``drivers`` (share of R² per driver with bootstrap intervals), ``importance-performance``
(the quadrant scatter), ``segments`` (NPS and loyalty index per segment side by side) and
``relationship`` (the customer relationship matrix).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from .labels import Labels, kpi_style

if TYPE_CHECKING:
    from .survey_analysis import SurveyAnalysis

CHART_NAMES = ("nps", "kpis", "drivers", "importance-performance", "segments", "relationship")
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}

# One look for every chart: a calm palette, readable type, no chart junk.
INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#d9e2ec"
BLUE = "#1f5f99"
LIGHT_BLUE = "#9fc3e7"
PROMOTER = "#2f855a"
PASSIVE = "#c9cdd2"
DETRACTOR = "#c53030"
UP = "#2f855a"
DOWN = "#c53030"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "svg.fonttype": "none",  # text stays text: smaller, searchable, crisp
    "svg.hashsalt": "surveyapp",  # the same chart gives the same bytes
    "pdf.fonttype": 42,  # TrueType: the PDF's text can be read back and searched
}


@dataclass
class ChartTable:
    """The figures behind a chart: the first column names the row, the others are formatted numbers."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Chart:
    name: str
    title: str
    alt: str  # one sentence for <img alt>
    description: str  # what the chart shows, with the main figures
    table: ChartTable
    draw: Callable = field(repr=False)  # draw(figure_or_subfigure)
    size: tuple[float, float] = (8.0, 4.5)  # inches


def build_charts(analysis: SurveyAnalysis, labels: Labels) -> list[Chart]:
    """Every chart the analysis has data for, in reading order (inside :func:`.labels.in_language`)."""
    charts = []
    for name in CHART_NAMES:
        chart = build_chart(name, analysis, labels)
        if chart is not None:
            charts.append(chart)
    return charts


def build_chart(name: str, analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    """One chart, or None when the analysis has no data for it (or no such chart exists)."""
    builder = {
        "nps": _nps_chart,
        "kpis": _kpi_chart,
        "drivers": _driver_chart,
        "importance-performance": _importance_performance_chart,
        "segments": _segment_chart,
        "relationship": _relationship_chart,
    }.get(name)
    return builder(analysis, labels) if builder else None


def render(chart: Chart, fmt: str) -> bytes:
    """The chart as SVG or PNG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"charts are rendered as {', '.join(FORMATS)}, not {fmt!r}")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=chart.size, layout="constrained")
        chart.draw(figure)
        buffer = BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=144, metadata=metadata)
    return buffer.getvalue()


# --- data helpers ---------------------------------------------------------------------------------


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _waves(analysis: SurveyAnalysis) -> list:
    if len(analysis.tracker):
        return list(dict.fromkeys(analysis.tracker["wave"]))
    return []


def _nps_by_wave(analysis: SurveyAnalysis, by_wave: bool = True) -> list[dict]:
    """Per wave (or for all responses when there are no waves): NPS, interval, n and the split."""
    from ..analysis.kpis import net_promoter_score

    spec = analysis.kpis.get("nps")
    if spec is None:
        return []
    scores = analysis.scores
    rows = []
    waves = _waves(analysis) if by_wave else []
    trend = analysis.tracker[analysis.tracker["kpi"] == "nps"] if waves else None
    for wave in waves or [None]:
        values = scores[spec["column"]] if wave is None else scores.loc[scores["wave"] == wave, spec["column"]]
        result = net_promoter_score(values)
        suppressed = False
        change = significant = None
        if trend is not None:
            row = trend[trend["wave"] == wave].iloc[0]
            suppressed = bool(row["suppressed"])
            change = row["change"] if _finite(row["change"]) else None
            significant = row["significant"] is True or row["significant"] == True  # noqa: E712 (numpy bool)
        rows.append({"wave": wave, "nps": result.nps, "ci_low": result.ci_low, "ci_high": result.ci_high,
                     "n": result.n, "promoters": result.promoters, "passives": result.passives,
                     "detractors": result.detractors, "suppressed": suppressed, "change": change,
                     "significant": bool(significant)})
    return rows


def _wave_label(wave) -> str:
    return _("All responses") if wave is None else str(wave)


def _change_text(labels: Labels, row: dict, style: str) -> str:
    if not row.get("significant") or row.get("change") is None:
        return ""
    word = _("significant increase") if row["change"] > 0 else _("significant decrease")
    return f" ({word}: {labels.number(row['change'], style)})"


# --- NPS ------------------------------------------------------------------------------------------


def _nps_chart(analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    rows = _nps_by_wave(analysis)
    shown = [row for row in rows if not row["suppressed"] and row["n"]]
    if not shown and rows:  # every wave too small on its own: the NPS of all these responses together
        rows = shown = [row for row in _nps_by_wave(analysis, by_wave=False) if row["n"]]
    if not shown:
        return None
    last = shown[-1]
    table = ChartTable(
        caption=_("Net Promoter Score per wave, with its 95% interval and the share of promoters, "
                  "passives and detractors"),
        columns=[_("Wave"), "NPS", _("95% interval"), _("Promoters"), _("Passives"), _("Detractors"), "n"],
        rows=[[_wave_label(row["wave"]),
               (labels.number(row["nps"], "index") + _change_text(labels, row, "index")) if not row["suppressed"]
               else _("too few responses"),
               labels.interval(row["ci_low"], row["ci_high"], "index") if not row["suppressed"] else "–",
               labels.number(row["promoters"], "percent"), labels.number(row["passives"], "percent"),
               labels.number(row["detractors"], "percent"), labels.number(row["n"], "count")]
              for row in rows],
    )
    description = _(
        "The Net Promoter Score is the share of promoters (9 or 10) minus the share of detractors (0 to 6), "
        "from -100 to 100. %(wave)s: NPS %(nps)s (95%% interval %(low)s to %(high)s, n = %(n)s), with "
        "%(promoters)s promoters, %(passives)s passives and %(detractors)s detractors.",
        wave=_wave_label(last["wave"]), nps=labels.number(last["nps"], "index"),
        low=labels.number(last["ci_low"], "index"), high=labels.number(last["ci_high"], "index"),
        n=labels.number(last["n"], "count"), promoters=labels.number(last["promoters"], "percent"),
        passives=labels.number(last["passives"], "percent"), detractors=labels.number(last["detractors"], "percent"),
    )
    names = {"promoters": _("Promoters"), "passives": _("Passives"), "detractors": _("Detractors")}
    title = _("Net Promoter Score")
    subtitle = _("NPS per wave (95% interval)")
    split_title = _("Promoters, passives and detractors")

    def draw(figure):
        left, right = figure.subplots(1, 2, width_ratios=[3, 2])
        x = list(range(len(shown)))
        values = [row["nps"] for row in shown]
        low = [row["nps"] - row["ci_low"] for row in shown]
        high = [row["ci_high"] - row["nps"] for row in shown]
        left.errorbar(x, values, yerr=[low, high], color=BLUE, ecolor=LIGHT_BLUE, elinewidth=3, capsize=0,
                      marker="o", markersize=6, linewidth=2)
        for xi, row in zip(x, shown, strict=True):
            left.annotate(labels.number(row["nps"], "index"), (xi, row["nps"]), textcoords="offset points",
                          xytext=(8, 0), va="center", color=INK)
            if row["significant"]:
                left.plot(xi, row["nps"], marker="^" if row["change"] > 0 else "v", markersize=11,
                          color=UP if row["change"] > 0 else DOWN, linestyle="none")
        left.axhline(0, color=MUTED, linewidth=0.8)
        left.set_xticks(x, [_wave_label(row["wave"]) for row in shown])
        left.set_xlim(-0.5, len(shown) - 0.5)
        left.set_title(subtitle, loc="left")
        left.grid(axis="x", visible=False)

        y = list(range(len(shown)))[::-1]
        start = [0.0] * len(shown)
        for key, colour in (("detractors", DETRACTOR), ("passives", PASSIVE), ("promoters", PROMOTER)):
            widths = [row[key] * 100 for row in shown]
            right.barh(y, widths, left=start, color=colour, label=names[key], height=0.6)
            for yi, s, w in zip(y, start, widths, strict=True):
                if w >= 8:
                    right.text(s + w / 2, yi, labels.number(w / 100, "percent"), ha="center", va="center",
                               color="white" if colour != PASSIVE else INK, fontsize=8)
            start = [s + w for s, w in zip(start, widths, strict=True)]
        right.set_yticks(y, [_wave_label(row["wave"]) for row in shown])
        right.set_xlim(0, 100)
        right.set_xticks([0, 25, 50, 75, 100], [labels.number(v / 100, "percent") for v in (0, 25, 50, 75, 100)])
        right.set_title(split_title, loc="left")
        right.grid(False)
        right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, fontsize=8)

    alt = _("Chart: Net Promoter Score per wave and the split into promoters, passives and detractors; "
            "the figures are in the table below.")
    return Chart("nps", title, alt, description, table, draw)


# --- KPIs over waves ------------------------------------------------------------------------------


def _kpi_chart(analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    waves = _waves(analysis)
    if not waves or not len(analysis.summary):
        return None
    trend = analysis.tracker
    series = []
    for name in analysis.summary.index:
        spec = analysis.kpis[name]
        style = kpi_style(name, spec)
        rows = trend[trend["kpi"] == name]
        points = []
        for wave in waves:
            in_wave = rows[rows["wave"] == wave]
            if not len(in_wave):
                points.append(None)
                continue
            # a wave answered on two definitions of a changed KPI: the newest, as in the key figures
            row = in_wave.iloc[-1]
            if bool(row["suppressed"]) or not _finite(row["value"]):
                points.append(None)
                continue
            significant = row["significant"] is True or row["significant"] == True  # noqa: E712
            points.append({"value": float(row["value"]), "ci_low": float(row["ci_low"]),
                           "ci_high": float(row["ci_high"]), "n": int(row["n"]),
                           "change": float(row["change"]) if _finite(row["change"]) else None,
                           "significant": bool(significant), "definition": row.get("definition")})
        label = labels.kpi(name, spec) + ("" if analysis.comparable(name) else " †")
        series.append((label, style, points))

    table = ChartTable(
        caption=_("Key figures per wave; a significant change from the previous wave is named"),
        columns=[_("Key figure"), *[str(w) for w in waves]],
        rows=[[label, *[(labels.number(p["value"], style) + _change_text(labels, p, style)) if p else "–"
                        for p in points]]
              for label, style, points in series],
    )
    changes = [(label, wave, p) for label, style, points in series
               for wave, p in zip(waves, points, strict=True) if p and p["significant"]]
    if changes:
        listed = "; ".join(
            f"{label}, {wave}: {_('up') if p['change'] > 0 else _('down')}" for label, wave, p in changes)
        found = _("Significant changes from the previous wave: %(changes)s.", changes=listed)
    else:
        found = _("No key figure changed significantly from one wave to the next.")
    description = _("Each key figure per wave with its 95% interval (the band); a triangle marks a change from "
                    "the previous wave that is significant at 5%.") + " " + found
    if not all(analysis.comparable(name) for name in analysis.summary.index):
        description += " " + _("† Measured differently in earlier questionnaire versions (another scale or other "
                               "items): its change across that break is not tested.")
    columns = 3
    rows_needed = math.ceil(len(series) / columns)

    def draw(figure):
        axes = figure.subplots(rows_needed, columns, squeeze=False)
        for index, ax in enumerate(axes.flat):
            if index >= len(series):
                ax.set_visible(False)
                continue
            label, style, points = series[index]
            xs = [i for i, p in enumerate(points) if p]
            ps = [p for p in points if p]
            scale = 100 if style == "percent" else 1
            # one line per definition of the KPI: never drawn across a questionnaire break
            segments: list[list[int]] = []
            for position, p in enumerate(ps):
                if position and p["definition"] == ps[position - 1]["definition"]:
                    segments[-1].append(position)
                else:
                    segments.append([position])
            for number, segment in enumerate(segments):
                sx = [xs[i] for i in segment]
                ax.fill_between(sx, [ps[i]["ci_low"] * scale for i in segment],
                                [ps[i]["ci_high"] * scale for i in segment], color=LIGHT_BLUE, alpha=0.5, linewidth=0)
                ax.plot(sx, [ps[i]["value"] * scale for i in segment], color=BLUE, marker="o", markersize=4,
                        linewidth=1.8)
                if number:
                    ax.axvline(sx[0] - 0.5, color=MUTED, linestyle=":", linewidth=1)
            for x, p in zip(xs, ps, strict=True):
                if p["significant"]:
                    up = p["change"] > 0
                    ax.plot(x, p["value"] * scale, marker="^" if up else "v", markersize=10,
                            color=UP if up else DOWN, linestyle="none")
            if ps:
                ax.annotate(labels.number(ps[-1]["value"], style), (xs[-1], ps[-1]["value"] * scale),
                            textcoords="offset points", xytext=(6, 0), va="center", fontsize=8, color=INK)
            ax.set_title(_shorten(label, 42), loc="left", fontsize=8.5)
            ax.set_xticks(range(len(waves)), [str(w) for w in waves], fontsize=7.5)
            ax.set_xlim(-0.3, len(waves) - 0.5)
            ax.grid(axis="x", visible=False)
            ax.tick_params(axis="y", labelsize=7.5)

    alt = _("Chart: every key figure per wave, with significant changes marked; the figures are in the table below.")
    return Chart("kpis", _("Key figures over the waves"), alt, description, table, draw,
                 size=(9.0, 1.9 * rows_needed + 0.4))


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- drivers --------------------------------------------------------------------------------------


def _loyalty_result(analysis: SurveyAnalysis):
    from .survey_analysis import LOYALTY_INDEX

    if analysis.drivers is None:
        return None
    return analysis.drivers.results.get((LOYALTY_INDEX, None))


def _driver_chart(analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    result = _loyalty_result(analysis)
    if result is None or not result.table["lmg_share"].notna().any():
        return None
    frame = result.table.sort_values("lmg_share", ascending=True)
    has_ci = "lmg_share_ci_low" in frame.columns and frame["lmg_share_ci_low"].notna().any()
    rows = []
    for name, row in frame.iloc[::-1].iterrows():
        rows.append([labels.construct(name), labels.number(row["lmg_share"], "share"),
                     labels.interval(row.get("lmg_share_ci_low"), row.get("lmg_share_ci_high"), "share"),
                     labels.number(row["beta_std"], "coefficient"), labels.p_value(row["p"]),
                     labels.number(row["mean"], "score")])
    table = ChartTable(
        caption=_("Drivers of the loyalty index: share of R² (LMG) with its bootstrap interval"),
        columns=[_("Driver"), _("Share of R² (LMG)"), _("95% bootstrap interval"), _("Standardized beta"), "p",
                 _("Mean")],
        rows=rows,
    )
    top = frame.index[-1]
    description = _(
        "How much of the explained variance of the loyalty index each driver accounts for (LMG share of R²). "
        "Together the drivers explain R² = %(r2)s (n = %(n)s); %(top)s matters most (%(share)s).",
        r2=labels.number(result.r2, "coefficient"), n=labels.number(result.n, "count"),
        top=labels.construct(top), share=labels.number(frame.loc[top, "lmg_share"], "share"),
    )
    if has_ci:
        description += " " + _("The lines show 95%% bootstrap intervals (%(n_boot)s resamples).",
                               n_boot=labels.number(result.n_boot, "count"))
    names = [labels.construct(name) for name in frame.index]
    values = [float(v) * 100 for v in frame["lmg_share"]]
    errors = None
    if has_ci:
        errors = [[max(v - float(lo) * 100, 0) if _finite(lo) else 0 for v, lo in
                   zip(values, frame["lmg_share_ci_low"], strict=True)],
                  [max(float(hi) * 100 - v, 0) if _finite(hi) else 0 for v, hi in
                   zip(values, frame["lmg_share_ci_high"], strict=True)]]
    subtitle = _("Share of R² (%(r2)s) per driver", r2=f"R² = {labels.number(result.r2, 'coefficient')}")

    def draw(figure):
        ax = figure.subplots()
        y = range(len(names))
        ax.barh(y, values, color=BLUE, height=0.6, xerr=errors, error_kw={"ecolor": INK, "elinewidth": 1,
                                                                          "capsize": 3})
        for yi, value in zip(y, values, strict=True):
            ax.text(value + 0.8, yi + 0.32, labels.number(value / 100, "share"), va="center", fontsize=8, color=INK)
        ax.set_yticks(list(y), [_shorten(n, 40) for n in names])
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [labels.number(t / 100, "percent") for t in ticks])
        ax.set_xlim(0, max(max(values) * 1.25, 10))
        ax.set_title(subtitle, loc="left")
        ax.grid(axis="y", visible=False)

    alt = _("Chart: the share of R² of each driver of the loyalty index; the figures are in the table below.")
    return Chart("drivers", _("Drivers of loyalty"), alt, description, table, draw,
                 size=(8.0, 0.55 * len(names) + 1.4))


# --- importance-performance -----------------------------------------------------------------------


def _importance_performance_chart(analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    from ..analysis.importance_performance import QUADRANTS

    quadrants = analysis.importance_performance()
    if quadrants is None:
        return None
    frame = quadrants.table
    order = {key: index for index, key in enumerate(QUADRANTS)}
    ranked = frame.assign(order=frame["quadrant"].map(order)).sort_values(["order", "importance"],
                                                                          ascending=[True, False])
    table = ChartTable(
        caption=_("Drivers by importance (share of R²) and performance (mean)"),
        columns=[_("Driver"), _("Quadrant"), _("Importance (share of R²)"), _("Performance (mean)")],
        rows=[[labels.construct(name), labels.quadrant(row["quadrant"]), labels.number(row["importance"], "share"),
               labels.number(row["performance"], "score")] for name, row in ranked.iterrows()],
    )
    fix = [labels.construct(name) for name, row in ranked.iterrows() if row["quadrant"] == "fix first"]
    description = _(
        "Each driver placed by how much it matters for loyalty (share of R²) and how well it scores (mean). "
        "The lines are the averages (%(importance)s and %(performance)s). Important and below average: "
        "fix first.", importance=labels.number(quadrants.importance_cut, "share"),
        performance=labels.number(quadrants.performance_cut, "score"),
    ) + " " + (_("Fix first: %(drivers)s.", drivers=", ".join(fix)) if fix
               else _("No driver is in the fix-first quadrant."))
    points = [(labels.construct(name), float(row["importance"]) * 100, float(row["performance"]))
              for name, row in frame.iterrows()]
    corner = {key: labels.quadrant(key) for key in QUADRANTS}
    x_label, y_label = _("Importance (share of R²)"), _("Performance (mean)")
    icut, pcut = quadrants.importance_cut * 100, quadrants.performance_cut

    def draw(figure):
        ax = figure.subplots()
        xs = [p[1] for p in points]
        ys = [p[2] for p in points]
        x_span = max(max(xs) - min(xs), 1.0)
        y_span = max(max(ys) - min(ys), 0.1)
        x_lim = (max(min(xs) - 0.25 * x_span, 0), max(xs) + 0.35 * x_span)
        y_lim = (min(ys) - 0.3 * y_span, max(ys) + 0.3 * y_span)
        ax.axvline(icut, color=MUTED, linewidth=1, linestyle="--")
        ax.axhline(pcut, color=MUTED, linewidth=1, linestyle="--")
        ax.scatter(xs, ys, s=60, color=BLUE, zorder=3)
        for name, x, y in points:
            ax.annotate(_shorten(name, 32), (x, y), textcoords="offset points", xytext=(7, 4), fontsize=8, color=INK)
        ax.set_xlim(*x_lim)
        ax.set_ylim(*y_lim)
        box = {"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": GRID}
        ax.text(0.99, 0.02, corner["fix first"], transform=ax.transAxes, ha="right", va="bottom", color=DOWN,
                fontweight="bold", bbox=box)
        ax.text(0.99, 0.98, corner["keep up"], transform=ax.transAxes, ha="right", va="top", color=UP,
                fontweight="bold", bbox=box)
        ax.text(0.01, 0.98, corner["possible overkill"], transform=ax.transAxes, ha="left", va="top", color=MUTED,
                bbox=box)
        ax.text(0.01, 0.02, corner["low priority"], transform=ax.transAxes, ha="left", va="bottom", color=MUTED,
                bbox=box)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [labels.number(t / 100, "percent") for t in ticks])
        ax.set_xlim(*x_lim)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)

    alt = _("Chart: the drivers in the four quadrants of importance and performance; the figures are in the "
            "table below.")
    return Chart("importance-performance", _("Importance and performance"), alt, description, table, draw,
                 size=(8.0, 5.0))


# --- segments -------------------------------------------------------------------------------------


def _segment_chart(analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    from ..analysis.kpis import DEFAULT_MIN_N
    from .survey_analysis import LOYALTY_INDEX

    frame = analysis.breakdowns
    if not len(frame) or "segment" not in set(frame["group_by"]):
        return None
    frame = frame[frame["group_by"] == "segment"]
    kpis = [name for name in ("nps", LOYALTY_INDEX) if name in set(frame["kpi"])]
    if not kpis:
        return None
    groups = list(dict.fromkeys(frame["group"]))
    if len(groups) < 2:  # filtered to one segment: nothing to put side by side
        return None
    panels = []
    for name in kpis:
        spec = analysis.kpis[name]
        style = kpi_style(name, spec)
        # A KPI whose definition changed is broken down on its newest version's responses only,
        # so a segment may be missing for it: shown as too few (suppressed is NaN, taken as true).
        rows = frame[frame["kpi"] == name].set_index("group").reindex(groups)
        panels.append((labels.kpi(name, spec), style, [rows.loc[g] for g in groups]))
    columns = [labels.attribute("segment")]
    for label, _style, _cells in panels:
        columns += [label, _("95% interval")]
    columns.append("n")
    table_rows = []
    for index, group in enumerate(groups):
        row = [str(group)]
        for _label, style, cells in panels:
            cell = cells[index]
            if bool(cell["suppressed"]):
                row += [_("too few responses"), "–"]
            else:
                row += [labels.number(cell["value"], style), labels.interval(cell["ci_low"], cell["ci_high"], style)]
        row.append(labels.number(int(panels[0][2][index]["n"]), "count"))
        table_rows.append(row)
    table = ChartTable(caption=_("Key figures per segment, with their 95% interval"), columns=columns,
                       rows=table_rows)
    first_label, first_style, first_cells = panels[0]
    shown = [(g, c) for g, c in zip(groups, first_cells, strict=True) if not bool(c["suppressed"])]
    description = _("The segments side by side, each with its 95%% interval; segments with fewer than "
                    "%(min_n)s responses are not shown.", min_n=DEFAULT_MIN_N)
    if shown:
        best = max(shown, key=lambda gc: gc[1]["value"])
        worst = min(shown, key=lambda gc: gc[1]["value"])
        description += " " + _("%(kpi)s is highest in %(best)s (%(high)s) and lowest in %(worst)s (%(low)s).",
                               kpi=first_label, best=best[0], high=labels.number(best[1]["value"], first_style),
                               worst=worst[0], low=labels.number(worst[1]["value"], first_style))
    too_few = _("n too small")

    def draw(figure):
        axes = figure.subplots(1, len(panels), squeeze=False)[0]
        for ax, (label, style, cells) in zip(axes, panels, strict=True):
            x = range(len(groups))
            values = [0 if bool(c["suppressed"]) else float(c["value"]) for c in cells]
            errors = [[0 if bool(c["suppressed"]) else float(c["value"] - c["ci_low"]) for c in cells],
                      [0 if bool(c["suppressed"]) else float(c["ci_high"] - c["value"]) for c in cells]]
            ax.bar(x, values, color=BLUE, width=0.6, yerr=errors, error_kw={"ecolor": INK, "capsize": 3})
            for xi, c in zip(x, cells, strict=True):
                text = too_few if bool(c["suppressed"]) else labels.number(c["value"], style)
                ax.annotate(text, (xi, 0 if bool(c["suppressed"]) else float(c["value"])),
                            textcoords="offset points", xytext=(0, 4), ha="center", fontsize=8, color=INK,
                            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
            ax.axhline(0, color=MUTED, linewidth=0.8)
            ax.set_xticks(list(x), [str(g) for g in groups])
            ax.set_title(_shorten(label, 45), loc="left")
            ax.grid(axis="x", visible=False)

    alt = _("Chart: key figures per segment side by side; the figures are in the table below.")
    return Chart("segments", _("Segments side by side"), alt, description, table, draw, size=(8.0, 4.0))


# --- customer relationship matrix -----------------------------------------------------------------


def _relationship_chart(analysis: SurveyAnalysis, labels: Labels) -> Chart | None:
    from .survey_analysis import LOYALTY_INDEX

    matrix = analysis.relationship
    if matrix is None:
        return None
    frame = matrix.table
    loyalty = LOYALTY_INDEX if LOYALTY_INDEX in frame.columns else None
    columns = [_("Relationship"), _("Current value"), _("Potential value"), "n", _("Share")]
    if loyalty:
        columns.append(_("Loyalty index (0–100)"))
    levels = {"high": _("high"), "low": _("low")}
    rows = []
    for _index, row in frame.iterrows():
        cells = [labels.relationship_cell(row), levels[row["current_value"]], levels[row["potential_value"]],
                 labels.number(int(row["n"]), "count"), labels.number(row["share"], "percent")]
        if loyalty:
            cells.append(labels.number(row[loyalty], "index"))
        rows.append(cells)
    table = ChartTable(caption=_("Customers by current and potential value (split at the median)"),
                       columns=columns, rows=rows)
    description = _(
        "Customers split at the median of their current value (%(current)s) and of their potential value "
        "(%(potential)s): keep the valuable ones, develop those with potential. Each cell gives the number "
        "of customers and their loyalty.",
        current=labels.number(matrix.current_cut, "score"), potential=labels.number(matrix.potential_cut, "score"),
    )
    cells = {(row["current_value"], row["potential_value"]): row for _i, row in frame.iterrows()}
    x_label, y_label = _("Potential value"), _("Current value")
    loyalty_label = _("Loyalty index (0–100)")

    def draw(figure):
        from matplotlib.patches import Rectangle

        ax = figure.subplots()
        values = [float(r[loyalty]) for r in cells.values() if loyalty and _finite(r[loyalty])]
        low, high = (min(values), max(values)) if values else (0, 1)
        for (current, potential), row in cells.items():
            x = 1 if potential == "high" else 0
            y = 1 if current == "high" else 0
            level = (float(row[loyalty]) - low) / (high - low) if loyalty and _finite(row[loyalty]) and high > low \
                else 0.5
            colour = (0.62 - 0.45 * level, 0.76 - 0.38 * level, 0.91 - 0.31 * level)
            ax.add_patch(Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="white", linewidth=3))
            text_colour = "white" if level > 0.45 else INK
            ax.text(x + 0.5, y + 0.66, labels.relationship_cell(row), ha="center", va="center", fontsize=11,
                    fontweight="bold", color=text_colour)
            detail = f"n = {labels.number(int(row['n']), 'count')} ({labels.number(row['share'], 'percent')})"
            ax.text(x + 0.5, y + 0.46, detail, ha="center", va="center", fontsize=9, color=text_colour)
            if loyalty:
                ax.text(x + 0.5, y + 0.28, f"{loyalty_label}: {labels.number(row[loyalty], 'index')}",
                        ha="center", va="center", fontsize=8.5, color=text_colour)
        ax.set_xlim(0, 2)
        ax.set_ylim(0, 2)
        ax.set_xticks([0.5, 1.5], [levels["low"], levels["high"]])
        ax.set_yticks([0.5, 1.5], [levels["low"], levels["high"]])
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_aspect("equal")

    alt = _("Chart: the customer relationship matrix of current and potential value; the figures are in the "
            "table below.")
    return Chart("relationship", _("Customer relationship matrix"), alt, description, table, draw, size=(6.5, 5.5))
