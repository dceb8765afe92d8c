"""Reading and checking contact files (CSV or XLSX); no writes here.

Columns (header in row 1, names case-insensitive): ``email`` and ``language`` are
required, ``name`` and ``crm_id`` optional; every further column (segment,
customer_value, potential_value, channel, persona, ...) is kept as a contact attribute.
Rows are numbered as a spreadsheet shows them: the header is row 1, the first contact row 2.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..models import Contact

REQUIRED_COLUMNS = ("email", "language")
KNOWN_COLUMNS = ("email", "language", "name", "crm_id")
#: The database's limits, so an over-long value is a rejected row, not a failed import.
MAX_LENGTHS = {column: Contact.__table__.c[column].type.length for column in ("email", "name", "crm_id")}


class ContactFileError(Exception):
    """The file cannot be read at all (unknown type, no header, unreadable)."""


@dataclass
class ContactFile:
    columns: list[str]
    #: (spreadsheet row number, {column: value}), empty rows left out
    rows: list[tuple[int, dict]]


@dataclass
class ContactRow:
    row_number: int
    email: str
    language: str
    name: str | None
    crm_id: str | None
    attributes: dict


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    #: problems with the file as a whole (missing columns); nothing is imported then
    file_errors: list[str] = field(default_factory=list)
    #: (row number, reason) for every rejected row
    errors: list[tuple[int, str]] = field(default_factory=list)
    good_rows: list[ContactRow] = field(default_factory=list)
    #: rows of people who were erased earlier: not imported again
    suppressed: list[int] = field(default_factory=list)

    def reject(self, row_number: int, reason: str) -> None:
        self.errors.append((row_number, reason))
        self.errors.sort()

    @property
    def rejected(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors


def read_contact_file(path: str | Path) -> ContactFile:
    """The rows of a ``.csv`` (comma, semicolon or tab separated, UTF-8) or ``.xlsx`` file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records = _csv_records(path)
    elif suffix in (".xlsx", ".xlsm"):
        records = _xlsx_records(path)
    else:
        raise ContactFileError(f"{path.name}: unknown file type {suffix or '(none)'}; use .csv or .xlsx")
    if not records or all(_blank(v) for v in records[0][1]):
        raise ContactFileError(f"{path.name}: no header row (row 1 must name the columns)")
    columns = [_column_name(v) for v in records[0][1]]
    rows = []
    for row_number, values in records[1:]:
        if all(_blank(v) for v in values):
            continue
        row = {column: value for column, value in zip(columns, values, strict=False) if column}
        rows.append((row_number, row))
    return ContactFile([c for c in columns if c], rows)


def _csv_records(path: Path) -> list[tuple[int, list]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ContactFileError(f"{path.name}: not UTF-8 text; save the file as CSV UTF-8") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    return [(index + 1, record) for index, record in enumerate(reader)]


def _xlsx_records(path: Path) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ContactFileError(f"{path.name}: cannot read as an Excel workbook ({error})") from None
    sheet = workbook.active
    return [(cells[0].row, [cell.value for cell in cells]) for cells in sheet.iter_rows() if cells]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_name(value) -> str:
    return "" if _blank(value) else str(value).strip().lower().replace(" ", "_")


def _text(value) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an Excel cell holding CRM id 1234 reads as 1234.0
    return str(value).strip()


#: "1200,50" or "1.200,50": a number written the Dutch way.
DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")


def _attribute(value):
    """A JSON-safe attribute value: numbers stay numbers (Dutch decimal commas too), dates and
    times become ISO text, anything else from a spreadsheet becomes its text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()  # Excel stores a date as a datetime at midnight
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    if DECIMAL_COMMA.match(text):
        return float(text.replace(".", "").replace(",", "."))
    return text


def _too_long(column: str, value: str | None) -> str | None:
    limit = MAX_LENGTHS[column]
    if value is not None and len(value) > limit:
        return f"{column} is longer than {limit} characters"
    return None


def validate_rows(contact_file: ContactFile, *, languages: tuple[str, ...]) -> ImportReport:
    """Check every row; the report holds the good rows and the reason for each bad one."""
    report = ImportReport()
    missing = [c for c in REQUIRED_COLUMNS if c not in contact_file.columns]
    if missing:
        report.file_errors.append(
            f"missing column(s): {', '.join(missing)} (row 1 must name the columns; found: "
            f"{', '.join(contact_file.columns) or 'none'})"
        )
        return report
    seen_emails: dict[str, int] = {}
    seen_crm_ids: dict[str, int] = {}
    for row_number, row in contact_file.rows:
        reasons = []
        raw_email = _text(row.get("email"))
        email = None
        if raw_email is None:
            reasons.append("email is empty")
        else:
            try:
                email = validate_email(raw_email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                reasons.append(f"email {raw_email!r} is not valid: {error}")
        language = (_text(row.get("language")) or "").lower()
        if not language:
            reasons.append(f"language is empty (use one of: {', '.join(languages)})")
        elif language not in languages:
            reasons.append(f"language {language!r} is not offered by this survey (use one of: {', '.join(languages)})")
        crm_id = _text(row.get("crm_id"))
        if email and email in seen_emails:
            reasons.append(f"email {email} is also on row {seen_emails[email]}")
        if crm_id and crm_id in seen_crm_ids:
            reasons.append(f"crm_id {crm_id} is also on row {seen_crm_ids[crm_id]}")
        name = _text(row.get("name"))
        reasons.extend(r for r in (_too_long("email", raw_email), _too_long("name", name),
                                   _too_long("crm_id", crm_id)) if r)
        if reasons:
            report.reject(row_number, "; ".join(reasons))
            continue
        seen_emails[email] = row_number
        if crm_id:
            seen_crm_ids[crm_id] = row_number
        attributes = {column: _attribute(value) for column, value in row.items()
                      if column not in KNOWN_COLUMNS and not _blank(value)}
        report.good_rows.append(ContactRow(row_number, email, language, name, crm_id, attributes))
    return report
