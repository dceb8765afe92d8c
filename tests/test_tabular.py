"""The one reader of users' spreadsheet files (surveyapp/tabular.py)."""

from __future__ import annotations

import codecs
from datetime import date, datetime

import openpyxl
import pytest

from surveyapp.tabular import TabularFileError, cell_value, read_columns, read_records, sniff_csv

ROWS = [["email", "language", "score"], ["a@example.org", "nl", "3,5"], ["b@example.org", "en", "1.200,25"]]


def write(path, rows, separator, encoding="utf-8", above=()):
    lines = [*above, *(separator.join(row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_csv_in_every_separator_and_encoding_excel_writes(tmp_path, separator, encoding):
    rows = [[c.replace(",", "") if separator == "," and c[0].isdigit() else c for c in row] for row in ROWS]
    path = write(tmp_path / "people.csv", rows, separator, encoding)
    assert sniff_csv(path).separator == separator
    records = read_records(path)
    assert records.header == ["email", "language", "score"]  # no BOM glued to the first name
    assert [number for number, _ in records.rows] == [2, 3]
    assert records.rows[0][1][:2] == ["a@example.org", "nl"]
    frame = read_columns(path, ["email", "score"])
    assert list(frame.columns) == ["email", "score"]


def test_decimal_commas_are_numbers(tmp_path):
    path = write(tmp_path / "dutch.csv", ROWS, ";")
    assert read_columns(path, ["score"])["score"].tolist() == [3.5, 1200.25]
    assert cell_value("3,5") == 3.5 and cell_value("1.200,25") == 1200.25
    assert cell_value("1,2,3") == "1,2,3" and cell_value("Straat 3,5") == "Straat 3,5"


def test_a_header_below_a_title_is_found_and_row_numbers_are_the_spreadsheets(tmp_path):
    path = write(tmp_path / "titled.csv", ROWS, ";", above=["Klantenlijst;;", "3 december;;"])
    records = read_records(path, header_row=3)
    assert records.header == ["email", "language", "score"]
    assert [number for number, _ in records.rows] == [4, 5]
    assert read_columns(path, ["score"], header_row=3)["score"].tolist() == [3.5, 1200.25]
    with pytest.raises(TabularFileError, match="'score' not found"):
        read_columns(path, ["score"])


def test_xlsx_with_a_title_row_and_excel_dates(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Customers, December"])
    sheet.append(["email", "since", "called"])
    sheet.append(["a@example.org", datetime(2024, 5, 1), datetime(2024, 5, 1, 14, 30)])
    path = tmp_path / "titled.xlsx"
    workbook.save(path)
    records = read_records(path, header_row=2)
    assert records.header == ["email", "since", "called"]
    number, cells = records.rows[0]
    assert number == 3
    assert cells[1] == date(2024, 5, 1) and cell_value(cells[1]) == "2024-05-01"
    assert cell_value(cells[2]) == "2024-05-01T14:30:00"


def test_what_cannot_be_read_is_said_with_the_file_name(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("naam;taal\nJosé;nl\n".encode("latin-1"))
    with pytest.raises(TabularFileError, match="latin.csv: not UTF-8"):
        read_records(latin)
    with pytest.raises(TabularFileError, match="unknown file type .pdf"):
        read_records(tmp_path / "x.pdf")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(codecs.BOM_UTF8 + b"\n\n")
    with pytest.raises(TabularFileError, match="no header row"):
        read_records(empty)
