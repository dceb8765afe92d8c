"""``surveyapp drivers FILE``: driver analysis of a CSV or XLSX file from the command line.

The command needs no application context: the app registers it with
``app.cli.add_command(drivers)``, and ``python -m surveyapp.analysis.drivers_command`` runs it
on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}

TABLE_COLUMNS = (
    ("beta", "beta", "{:.3f}"),
    ("beta_std", "beta std", "{:.3f}"),
    ("se", "HC3 se", "{:.3f}"),
    ("p", "p", None),
    ("vif", "VIF", "{:.2f}"),
    ("lmg", "LMG", "{:.4f}"),
    ("lmg_share", "LMG %", "{:.1%}"),
    ("relative_weight", "RW", "{:.4f}"),
    ("relative_weight_share", "RW %", "{:.1%}"),
    ("mean", "mean", "{:.2f}"),
)


def _split_names(text):
    return [name.strip() for name in text.split(",") if name.strip()]


def _csv_separator(path):
    # Spreadsheets in Dutch locales save CSV with semicolons; a header with semicolons and no
    # commas is read that way.
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    return ";" if ";" in header and "," not in header else ","


def read_responses(path, columns, engine="c"):
    """Read only ``columns`` (None: all) of a CSV or XLSX file into a DataFrame.

    CSV is read with pandas' C parser by default: on the benchmark (bench/README.md, 1M rows,
    2 cores) ``engine="pyarrow"`` was no faster once its import is counted and nearly doubled
    peak memory, because its buffers live outside NumPy's allocator. A column missing from the
    file raises ``click.ClickException`` naming it.
    """
    import pandas as pd

    path = Path(path)
    excel = path.suffix.lower() in EXCEL_SUFFIXES
    if excel:
        header = list(pd.read_excel(path, nrows=0, engine="openpyxl").columns)
    else:
        sep = _csv_separator(path)
        header = list(pd.read_csv(path, nrows=0, sep=sep).columns)
    columns = header if columns is None else columns
    missing = [c for c in columns if c not in header]
    if missing:
        shown = ", ".join(map(str, header[:12])) + (" ..." if len(header) > 12 else "")
        names = ", ".join(f"'{c}'" for c in missing)
        raise click.ClickException(f"{names} not found in {path.name} (columns: {shown}).")
    if excel:
        return pd.read_excel(path, usecols=columns, engine="openpyxl")
    frame = pd.read_csv(path, usecols=columns, sep=sep, engine=engine)
    if sep == ";":
        frame = _decimal_commas(frame)
    return frame


def _decimal_commas(frame):
    """Semicolon CSV from a Dutch (or most European) spreadsheet writes 3.5 as "3,5": a text column
    that is entirely such numbers becomes numeric; anything else stays as it is."""
    import pandas as pd

    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):
            continue
        numbers = pd.to_numeric(values.astype("string").str.strip().str.replace(",", ".", regex=False),
                                errors="coerce")
        if numbers.notna().sum() == values.notna().sum():
            frame[column] = numbers
    return frame


def _format_p(value):
    if value != value:  # NaN
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def format_table(result):
    """The result as a plain-text table for the terminal."""
    boot = result.n_boot > 0
    header = ["driver", *(label for _, label, _ in TABLE_COLUMNS)]
    if boot:
        header += [f"LMG {result.conf_level:.0%} CI", f"RW {result.conf_level:.0%} CI"]
    rows = []
    for name, row in result.table.iterrows():
        cells = [str(name)]
        for key, _, fmt in TABLE_COLUMNS:
            value = row[key]
            cells.append(_format_p(value) if fmt is None else ("-" if value != value else fmt.format(value)))
        if boot:
            for key in ("lmg", "relative_weight"):
                cells.append(f"[{row[f'{key}_ci_low']:.4f}, {row[f'{key}_ci_high']:.4f}]")
        rows.append(cells)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    weighted = f", weighted by '{result.weights}'" if result.weights else ""
    lines = [
        f"Driver analysis of '{result.outcome}'{weighted}",
        f"n = {result.n} ({result.n_dropped} dropped for missing values)   "
        f"R² = {result.r2:.4f}   adjusted R² = {result.adj_r2:.4f}   intercept = {result.intercept:.4f}",
        "",
        line(header),
        line(["-" * w for w in widths]),
        *(line(r) for r in rows),
        "",
        "beta: unstandardized coefficient; HC3 se: heteroskedasticity-robust standard error;",
        "LMG / RW: Shapley (LMG) and Johnson's relative weights in units of R² (% = share of R²).",
    ]
    if boot:
        lines.append(f"CI: percentile bootstrap, {result.n_boot} resamples, seed {result.seed}.")
    lines += [f"Warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def write_workbook(result, path):
    """Write the result to an xlsx workbook with sheets "drivers" and "model summary"."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "drivers"
    table = result.table.reset_index()
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([None if (isinstance(v, float) and v != v) else v for v in row])
    summary = workbook.create_sheet("model summary")
    data = result.to_dict()
    summary.append(["statistic", "value"])
    for key in (
        "outcome",
        "n",
        "n_dropped",
        "r2",
        "adj_r2",
        "intercept",
        "intercept_se",
        "weights",
        "n_boot",
        "seed",
        "conf_level",
    ):
        summary.append([key, data[key]])
    if data["r2_ci"] is not None:
        summary.append(["r2_ci_low", data["r2_ci"][0]])
        summary.append(["r2_ci_high", data["r2_ci"][1]])
    for warning in data["warnings"]:
        summary.append(["warning", warning])
    workbook.save(path)


@click.command("drivers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--outcome", required=True, help="Outcome column, e.g. the 0-10 recommendation score.")
@click.option(
    "--drivers", "driver_names", required=True, help="Comma-separated driver columns, e.g. Q1,Q2,Q3,Q4,Q5."
)
@click.option("--weight", default=None, help="Column of non-negative case weights.")
@click.option(
    "--bootstrap",
    "n_boot",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Bootstrap resamples for confidence intervals of the importances.",
)
@click.option("--seed", type=int, default=None, help="Seed of the bootstrap, for reproducible intervals.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "xlsx"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of the terminal (required for xlsx).",
)
def drivers(file, outcome, driver_names, weight, n_boot, seed, output_format, output):
    """Driver analysis of FILE (CSV or XLSX): which drivers move OUTCOME, and how much.

    Prints coefficients with HC3 robust standard errors, standardized coefficients, VIF, and the
    relative importance of each driver (LMG/Shapley and Johnson's relative weights) as a table,
    JSON, or an xlsx workbook.
    """
    from .drivers import DriverAnalysisError, driver_analysis

    names = _split_names(driver_names)
    if not names:
        raise click.ClickException("--drivers names no columns.")
    if output_format == "xlsx" and output is None:
        raise click.ClickException("--format xlsx writes a workbook: give its path with -o FILE.")
    columns = list(dict.fromkeys([outcome, *names] + ([weight] if weight else [])))
    try:
        frame = read_responses(file, columns)
        result = driver_analysis(frame, outcome, names, weight, n_boot=n_boot, seed=seed)
    except click.ClickException:
        raise
    except DriverAnalysisError as error:
        raise click.ClickException(str(error)) from None
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {file.name}: {error}") from None
    except Exception as error:  # openpyxl and zipfile raise their own kinds for a damaged workbook
        raise click.ClickException(f"Cannot read {file.name} as a spreadsheet: {error}") from None

    if output_format == "xlsx":
        try:
            write_workbook(result, output)
        except OSError as error:
            raise click.ClickException(f"Cannot write {output}: {error}") from None
        click.echo(f"Wrote {output}", err=True)
        return
    text = json.dumps(result.to_dict(), indent=2) if output_format == "json" else format_table(result)
    if output is None:
        click.echo(text)
    else:
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise click.ClickException(f"Cannot write {output}: {error}") from None


if __name__ == "__main__":
    drivers(prog_name="surveyapp drivers")
