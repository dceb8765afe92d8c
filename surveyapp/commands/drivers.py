"""``surveyapp drivers FILE``: driver analysis of a CSV or XLSX file from the command line.

The command needs no application and no database: ``surveyapp drivers`` is dispatched before
Flask's command group starts (see :func:`surveyapp.cli.run`), and ``python -m
surveyapp.commands.drivers`` runs it on its own. A CSV file is read in chunks of rows and
analysed in one pass, so memory does not grow with the number of rows.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import click

#: Rows per chunk when reading a CSV file.
CHUNK_ROWS = 250_000


def _single_threaded_blas():
    """One BLAS thread (unless the user chose otherwise), set before NumPy is first imported.

    The analysis multiplies row blocks by p × p matrices (p = the number of drivers): too small to
    share among threads, and the idle threads of a threaded BLAS spin, which doubled the CPU time of
    the HC3 pass on the benchmark (bench/README.md).
    """
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


def _read_ahead(chunks):
    """The items of ``chunks``, the next one read in a second thread while the caller works on this
    one: pandas' parser releases the GIL while it tokenizes and converts, NumPy while it computes, so
    on two cores reading and the first pass over the rows overlap. An error while reading is raised
    here, unchanged, at the chunk where it happened.
    """
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drivers-read")
    try:
        ahead = pool.submit(next, chunks, done)
        while True:
            chunk = ahead.result()
            if chunk is done:
                return
            ahead = pool.submit(next, chunks, done)
            yield chunk
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _import_in_background(module: str) -> None:
    """Import ``module`` in a second thread, while this one reads the file: the regression's p-values
    need ``scipy.special``, whose import (about 0.3 s of CPU) would otherwise come on top of the
    reading. Python's import lock makes a later ``import`` wait for this one to finish."""
    import importlib
    import threading

    if module not in sys.modules:
        threading.Thread(target=importlib.import_module, args=(module,), name=f"import-{module}", daemon=True).start()


def _split_names(text):
    return [name.strip() for name in text.split(",") if name.strip()]


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
@click.option(
    "--header-row",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Row holding the column names (rows above it, e.g. a title, are skipped).",
)
def drivers(file, outcome, driver_names, weight, n_boot, seed, output_format, output, header_row):
    """Driver analysis of FILE (CSV or XLSX): which drivers move OUTCOME, and how much.

    Prints coefficients with HC3 robust standard errors, standardized coefficients, VIF, and the
    relative importance of each driver (LMG/Shapley and Johnson's relative weights) as a table,
    JSON, or an xlsx workbook.
    """
    _single_threaded_blas()
    # In a fresh process, importing pandas and NumPy creates some hundred thousand long-lived objects
    # and no garbage, yet the cyclic garbage collector would run 140 times over them (0.05-0.09 s of
    # CPU, a tenth of the command on a million rows: bench/README.md). Collect nothing while importing,
    # then freeze what is there (gc.freeze: later collections skip it; objects are still freed as usual).
    fresh = "pandas" not in sys.modules and gc.isenabled()
    if fresh:
        gc.disable()
    try:
        from ..analysis.driver_export import format_table, write_workbook
        from ..analysis.drivers import DriverAnalysisError, driver_analysis_of_chunks
        from ..tabular import TabularFileError, read_columns
    finally:
        if fresh:
            gc.freeze()
            gc.enable()

    _import_in_background("scipy.special")
    names = _split_names(driver_names)
    if not names:
        raise click.ClickException("--drivers names no columns.")
    if output_format == "xlsx" and output is None:
        raise click.ClickException("--format xlsx writes a workbook: give its path with -o FILE.")
    columns = list(dict.fromkeys([outcome, *names] + ([weight] if weight else [])))
    try:
        chunks = _read_ahead(read_columns(file, columns, header_row=header_row, chunk_rows=CHUNK_ROWS))
        result = driver_analysis_of_chunks(chunks, outcome, names, weight, n_boot=n_boot, seed=seed)
    except (DriverAnalysisError, TabularFileError) as error:
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
