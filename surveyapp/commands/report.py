"""``surveyapp report``: a survey's results as a file: xlsx, csv, sav, pdf, crm (or one chart as png/svg)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..questionnaire import LANGUAGES
from ..results.reports import REPORT_FORMATS

CHART_FORMATS = ("png", "svg")


@click.command()
@click.option("--survey", "slug", help="Survey slug.")
@click.option("--wave", "wave_name", help="Only this wave (default: all waves).")
@click.option("--filter", "filters", multiple=True, metavar="ATTR=VALUE",
              help="Only responses with this attribute value, e.g. segment=large (repeatable).")
@click.option("--language", help=f"Language of the labels: {', '.join(LANGUAGES)} (default: the questionnaire's).")
@click.option("--format", "fmt", help=f"One of {', '.join(REPORT_FORMATS + CHART_FORMATS)}.")
@click.option("--chart", "chart_name", help="With --format png or svg: which chart (nps, kpis, drivers, ...).")
@click.option("-o", "--output", help="The file to write (csv: the codebook goes next to it as NAME.codebook.csv).")
@click.option("--exclude-flagged", is_flag=True,
              help="Leave careless responses (speeders, straightliners, duplicates, inconsistent) out of the "
                   "figures and the raw data, as the dashboard's switch does.")
@with_appcontext
def report(slug, wave_name, filters, language, fmt, chart_name, output, exclude_flagged):
    """Write the results of survey SLUG to a file, for a meeting, a spreadsheet, SPSS or the CRM."""
    from ..results.reports import ReportError, make_scope, parse_filters
    from ..surveys import get_survey

    if not slug:
        raise click.ClickException("name the survey: --survey SLUG")
    if not fmt or fmt not in REPORT_FORMATS + CHART_FORMATS:
        raise click.ClickException(f"--format must be one of {', '.join(REPORT_FORMATS + CHART_FORMATS)}"
                                   + (f", not '{fmt}'" if fmt else ""))
    if not output:
        raise click.ClickException("name the file to write: -o FILE")
    if language is not None and language not in LANGUAGES:
        raise click.ClickException(f"--language must be one of {', '.join(LANGUAGES)}, not '{language}'")
    path = Path(output)
    if not path.parent.is_dir():
        raise click.ClickException(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise click.ClickException(f"cannot write {path}: it is a folder")
    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey '{slug}'")
    try:
        scope = make_scope(survey, wave_name=wave_name, filters=parse_filters(filters), language=language,
                           exclude_flagged=exclude_flagged)
        if fmt in CHART_FORMATS:
            written = [_write_chart(scope, chart_name, fmt, path)]
        else:
            written = _write_report(scope, fmt, path)
    except ReportError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from None
    click.echo("wrote " + " and ".join(str(p) for p in written))


def codebook_path(path: Path) -> Path:
    """Where the codebook of a CSV download goes: ``responses.csv`` -> ``responses.codebook.csv``."""
    return path.with_name(f"{path.stem}.codebook.csv")


def _write_report(scope, fmt: str, path: Path) -> list[Path]:
    from ..results.reports import write_report

    if fmt != "csv":
        with _atomic(path) as out:
            write_report(scope, fmt, out)
        return [path]
    second = codebook_path(path)
    with _atomic(path) as out, _atomic(second) as codebook:
        write_report(scope, fmt, out, codebook=codebook)
    return [path, second]


def _write_chart(scope, chart_name: str | None, fmt: str, path: Path) -> Path:
    from ..results.charts import CHART_NAMES, build_chart, render
    from ..results.labels import Labels, in_language
    from ..results.reports import ReportError, load_analysis

    if chart_name not in CHART_NAMES:
        raise ReportError(f"--chart must be one of {', '.join(CHART_NAMES)}"
                          + (f", not '{chart_name}'" if chart_name else ""))
    analysis = load_analysis(scope)
    with in_language(scope.language):
        chart = build_chart(chart_name, analysis, Labels(scope.questionnaire, scope.language))
        if chart is None:
            raise ReportError(f"there is no data for the chart '{chart_name}' in these responses")
        data = render(chart, fmt)
    with _atomic(path) as out:
        out.write(data)
    return path


class _atomic:
    """A binary file that appears at ``path`` only when it was written completely."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        self.file = os.fdopen(handle, "wb")
        return self.file

    def __exit__(self, kind, error, traceback):
        self.file.close()
        if kind is None:
            os.replace(self.temporary, self.path)
        else:
            os.unlink(self.temporary)
        return False
