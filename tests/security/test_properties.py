"""Property tests (hypothesis): whatever comes in, the expression language, the contact import
and answer validation give a result or a clean error, never anything else.
(The YAML loader's are in tests/questionnaire/test_robustness.py.)"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from surveyapp.invitations.importing import ContactFileError, read_contact_file, validate_rows
from surveyapp.questionnaire import ExpressionError, load_questionnaire, parse_expression

from ..respond.conftest import ALL_TYPES, LOYALTY

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])
TOKENS = ["nps", "segment", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "in", "(", ")", "[", "]",
          ",", '"large"', "'x'", "3", "-1", "2.5", "null", "true", "false", "dk", "answered", "\\", '"', "1e400"]
VALUES = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.text(max_size=20),
                   st.lists(st.text(max_size=5), max_size=3), st.just("dk"), st.booleans())


@FUZZ
@given(st.one_of(st.text(max_size=120), st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)),
       st.dictionaries(st.sampled_from(["nps", "segment", "employees", "x"]), VALUES, max_size=4))
def test_expressions_parse_and_evaluate_or_raise_expression_error(source, values):
    try:
        expression = parse_expression(source)
    except ExpressionError as error:
        assert 0 <= error.position <= len(source)
        return
    assert isinstance(expression.evaluate(values), bool)


CELL = st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                 st.none(), st.sampled_from(["en", "nl", "NL", "anna@example.com", "=cmd|' /C calc'!A0",
                                             "\ufeffemail", "a" * 300]))
HEADER = st.lists(st.sampled_from(["email", "language", "name", "crm_id", "segment", "", "Email ", "language",
                                   "\x00", "é"]), max_size=6)


def _check(path: Path) -> None:
    try:
        contact_file = read_contact_file(path)
    except ContactFileError as error:
        assert str(error)
        return
    report = validate_rows(contact_file, languages=("nl", "en"))
    for row_number, reason in report.errors:
        assert isinstance(row_number, int) and row_number >= 2 and reason


@FUZZ
@given(HEADER, st.lists(st.lists(CELL, max_size=7), max_size=6), st.sampled_from([",", ";", "\t"]))
def test_csv_import_reports_rows_or_refuses_the_file(header, rows, delimiter):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows([["" if c is None else c for c in row] for row in rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
        _check(path)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["contacts.csv", "contacts.xlsx"]))
def test_contact_files_of_random_bytes_are_refused_cleanly(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        _check(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HEADER, st.lists(st.lists(CELL, max_size=7), max_size=5))
def test_xlsx_import_reports_rows_or_refuses_the_file(header, rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.xlsx"
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in [header, *rows]:
            # openpyxl cannot write control characters; a spreadsheet never holds them
            sheet.append(["".join(ch for ch in c if ch >= " ") if isinstance(c, str) else c for c in row])
        workbook.save(path)
        _check(path)


QUESTIONNAIRES = [load_questionnaire(LOYALTY), load_questionnaire(ALL_TYPES)]
FORM_VALUE = st.one_of(st.text(max_size=30), st.sampled_from(["dk", "other", "1_000", "١٠", "1e3", "-0", "nan",
                                                              "12,5", "3", "10", "", " ", "\u202e9"]))


@FUZZ
@given(st.sampled_from(QUESTIONNAIRES), st.data())
def test_answer_validation_gives_answers_or_messages(app, questionnaire, data):
    from surveyapp.respond.forms import read_page, require_answers

    page = data.draw(st.sampled_from(questionnaire.pages))
    items = [answer for item in page.items for answer in (item.rows or (item,))]
    fields = [f"a-{item.id}" for item in items] + [f"a-{item.id}-other" for item in items] + \
             [f"a-{item.id}-dk" for item in items]
    form = MultiDict([(name, value) for name in data.draw(st.lists(st.sampled_from(fields), max_size=12))
                      for value in data.draw(st.lists(FORM_VALUE, min_size=1, max_size=3))])
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        result = read_page(items, form)
        require_answers(items, result)
    ids = {item.id for item in items}
    assert set(result.answers) <= ids and set(result.errors) <= ids
    assert not set(result.answers) & set(result.errors)
    assert all(isinstance(message, str) and message for message in result.errors.values())
    for value in result.answers.values():
        assert value is not None
        if isinstance(value, str):
            assert not any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in value)
