"""Reading and checking contact files (CSV or XLSX); no writes here.

Columns (header in row 1, names case-insensitive): ``email`` and ``language`` are
required, ``name`` and ``crm_id`` optional; every further column (segment,
customer_value, potential_value, channel, persona, ...) is kept as a contact attribute.
Rows are numbered as a spreadsheet shows them: the header is row 1, the first contact row 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..models import Contact
from ..tabular import TabularFileError, cell_text, cell_value, is_blank, read_records

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


def read_contact_file(path: str | Path, *, header_row: int = 1) -> ContactFile:
    """The rows of a ``.csv`` (comma, semicolon or tab separated, UTF-8) or ``.xlsx`` file."""
    try:
        records = read_records(path, header_row=header_row)
    except TabularFileError as error:
        raise ContactFileError(str(error)) from None
    columns = [_column_name(v) for v in records.header]
    rows = [(row_number, {column: value for column, value in zip(columns, values, strict=False) if column})
            for row_number, values in records.rows]
    return ContactFile([c for c in columns if c], rows)


def _column_name(value) -> str:
    return "" if is_blank(value) else str(value).strip().lower().replace(" ", "_")


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
        raw_email = cell_text(row.get("email"))
        email = None
        if raw_email is None:
            reasons.append("email is empty")
        else:
            try:
                email = validate_email(raw_email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                reasons.append(f"email {raw_email!r} is not valid: {error}")
        language = (cell_text(row.get("language")) or "").lower()
        if not language:
            reasons.append(f"language is empty (use one of: {', '.join(languages)})")
        elif language not in languages:
            reasons.append(f"language {language!r} is not offered by this survey (use one of: {', '.join(languages)})")
        crm_id = cell_text(row.get("crm_id"))
        if email and email in seen_emails:
            reasons.append(f"email {email} is also on row {seen_emails[email]}")
        if crm_id and crm_id in seen_crm_ids:
            reasons.append(f"crm_id {crm_id} is also on row {seen_crm_ids[crm_id]}")
        name = cell_text(row.get("name"))
        reasons.extend(r for r in (_too_long("email", raw_email), _too_long("name", name),
                                   _too_long("crm_id", crm_id)) if r)
        if reasons:
            report.reject(row_number, "; ".join(reasons))
            continue
        seen_emails[email] = row_number
        if crm_id:
            seen_crm_ids[crm_id] = row_number
        attributes = {column: cell_value(value) for column, value in row.items()
                      if column not in KNOWN_COLUMNS and not is_blank(value)}
        report.good_rows.append(ContactRow(row_number, email, language, name, crm_id, attributes))
    return report
