"""Reading users' spreadsheet files (CSV or XLSX): the one reader every import uses.

People export these files from Excel, LibreOffice or a CRM, in Dutch or English settings, so
the reader accepts what those programs write:

* **Encoding**: UTF-8 with or without a byte-order mark, and UTF-16 with one (Excel's "Unicode
  text"). Anything else is refused with a message saying how to save the file.
* **Separator**: comma, semicolon (Dutch and most European Excel settings) or tab, whichever
  the header row holds most of.
* **Decimal comma**: ``3,5`` and ``1.200,50`` are numbers, as a Dutch spreadsheet writes them.
* **Header row**: ``header_row`` (1-based, as the spreadsheet shows it) names the row with the
  column names; rows above it (a title, a date) are skipped. Row numbers in messages are the
  spreadsheet's own.
* **Excel dates**: a date cell read from a workbook is a :class:`datetime.date` (Excel stores it
  as a datetime at midnight), a date-time cell a :class:`datetime.datetime`.

Two ways in: :func:`read_records` gives every row as raw cell values with its row number (for
imports that check row by row); :func:`read_columns` gives named columns as a pandas DataFrame,
numbers parsed, optionally in chunks of rows so that a file of millions of rows is never held in
memory at once (for the driver analysis).
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
SEPARATORS = ",;\t"

#: "1200,50", "-3,5" or "1.200,50": a number written the Dutch way.
DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")


class TabularFileError(ValueError):
    """The file cannot be read as a table; the message names the file and says why."""


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    separator: str


@dataclass
class Records:
    """The rows of a file as its cells hold them."""

    #: the header row's cells
    header: list
    #: (spreadsheet row number, cells) for every row below the header, blank rows left out
    rows: list[tuple[int, list]]


def is_excel(path: str | Path) -> bool:
    return Path(path).suffix.lower() in EXCEL_SUFFIXES


def _check_type(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES and suffix not in CSV_SUFFIXES:
        raise TabularFileError(f"{path.name}: unknown file type {suffix or '(none)'}; use .csv or .xlsx")


def _check_header_row(header_row: int) -> None:
    if not isinstance(header_row, int) or header_row < 1:
        raise TabularFileError(f"header row {header_row!r}: rows are numbered from 1")


def _encoding(path: Path) -> str:
    with open(path, "rb") as handle:
        start = handle.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _not_text(path: Path) -> TabularFileError:
    return TabularFileError(f"{path.name}: not UTF-8 text; save the file as CSV UTF-8")


def sniff_csv(path: str | Path, header_row: int = 1) -> CsvFormat:
    """The encoding and the separator of a CSV file: the one of ``,;<tab>`` that its header
    row holds most of (a comma when there is none, e.g. a single column)."""
    path = Path(path)
    encoding = _encoding(path)
    try:
        with open(path, encoding=encoding, newline="") as handle:
            line = ""
            for _ in range(header_row):
                line = handle.readline()
    except UnicodeDecodeError:
        raise _not_text(path) from None
    return CsvFormat(encoding, max(SEPARATORS, key=line.count))


def read_records(path: str | Path, *, header_row: int = 1) -> Records:
    """Every row of a CSV or XLSX file as raw cells, numbered as the spreadsheet shows them.

    CSV cells are text; XLSX cells are what the workbook holds (numbers, text, dates, booleans).
    Raises :class:`TabularFileError` for an unknown type, an unreadable file or a missing header.
    """
    path = Path(path)
    _check_type(path)
    _check_header_row(header_row)
    records = _xlsx_records(path) if is_excel(path) else _csv_records(path)
    header: list | None = None
    rows = []
    for row_number, cells in records:
        if row_number < header_row:
            continue
        if row_number == header_row:
            header = list(cells)
            continue
        if not all(is_blank(v) for v in cells):
            rows.append((row_number, list(cells)))
    if header is None or all(is_blank(v) for v in header):
        raise TabularFileError(f"{path.name}: no header row (row {header_row} must name the columns)")
    return Records(header, rows)


def _csv_records(path: Path) -> Iterator[tuple[int, list]]:
    csv_format = sniff_csv(path)
    try:
        text = path.read_text(encoding=csv_format.encoding)
    except UnicodeDecodeError:
        raise _not_text(path) from None
    reader = csv.reader(text.splitlines(), delimiter=csv_format.separator)
    return ((index + 1, record) for index, record in enumerate(reader))


def _xlsx_records(path: Path) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.active
        rows = [[excel_value(v) for v in cells] for cells in sheet.iter_rows(values_only=True)]
        workbook.close()
    except Exception as error:  # openpyxl and zipfile raise many kinds for a damaged file
        raise TabularFileError(f"{path.name}: cannot read as an Excel workbook ({error})") from None
    return ((index + 1, cells) for index, cells in enumerate(rows))


def excel_value(value):
    """A workbook cell's value, with a date cell (a datetime at midnight) as a date."""
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date()
    return value


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value) -> str | None:
    """A cell as trimmed text, None when blank; an Excel number 1234.0 reads as "1234"."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def cell_value(value):
    """A JSON-safe value: numbers stay numbers (Dutch decimal commas too), dates and times
    become ISO text, anything else becomes its trimmed text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value if math.isfinite(value) else str(value)
    value = excel_value(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    number = decimal_comma_number(text)
    return text if number is None else number


def decimal_comma_number(text: str) -> float | None:
    """``"1.200,50"`` -> 1200.5; None when ``text`` is not a number written with a decimal comma."""
    if not DECIMAL_COMMA.match(text):
        return None
    return float(text.replace(".", "").replace(",", "."))


# --- named columns as a DataFrame ---------------------------------------------------------------


def read_header(path: str | Path, *, header_row: int = 1) -> list[str]:
    """The column names of a CSV or XLSX file."""
    import pandas as pd

    path = Path(path)
    _check_header_row(header_row)
    if is_excel(path):
        return [str(c) for c in pd.read_excel(path, nrows=0, header=header_row - 1, engine="openpyxl").columns]
    csv_format = sniff_csv(path, header_row)
    return [str(c) for c in pd.read_csv(path, nrows=0, sep=csv_format.separator, encoding=csv_format.encoding,
                                        skiprows=header_row - 1).columns]


def read_columns(path: str | Path, columns: list[str], *, header_row: int = 1, chunk_rows: int | None = None):
    """The named ``columns`` of an XLSX file, or of a CSV file (any other name) as a DataFrame, or with ``chunk_rows`` an
    iterator of DataFrames of at most that many rows.

    Text columns whose every value is a number written with a decimal comma become numbers.
    A column missing from the file raises :class:`TabularFileError` naming it and the columns
    there are. CSV is read with pandas' C parser: pyarrow's was no faster here once its import is
    counted and nearly doubled peak memory (bench/README.md).
    """
    import pandas as pd

    path = Path(path)
    header = read_header(path, header_row=header_row)
    missing = [c for c in columns if c not in header]
    if missing:
        shown = ", ".join(header[:12]) + (" ..." if len(header) > 12 else "")
        names = ", ".join(f"'{c}'" for c in missing)
        raise TabularFileError(f"{names} not found in {path.name} (columns: {shown}).")
    if is_excel(path):
        frame = _decimal_commas(pd.read_excel(path, usecols=columns, header=header_row - 1, engine="openpyxl"))
        return iter([frame]) if chunk_rows else frame
    csv_format = sniff_csv(path, header_row)
    options = dict(usecols=columns, sep=csv_format.separator, encoding=csv_format.encoding,
                   skiprows=header_row - 1)
    if chunk_rows:
        return (_decimal_commas(chunk) for chunk in pd.read_csv(path, chunksize=chunk_rows, **options))
    return _decimal_commas(pd.read_csv(path, **options))


def _decimal_commas(frame):
    """A text column that is entirely numbers, some written with a decimal comma, becomes numeric;
    anything else stays as it is."""
    import pandas as pd

    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        text = values.astype("string").str.strip()
        comma = text.str.fullmatch(DECIMAL_COMMA.pattern).fillna(False)
        text = text.where(~comma, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() == values.notna().sum():
            frame[column] = numbers.astype(float)
    return frame
