"""Importing contacts from CSV and XLSX: good rows in, bad rows reported by row number."""

from __future__ import annotations

from openpyxl import Workbook

from surveyapp.extensions import db
from surveyapp.models import Contact

HEADER = "email,name,language,segment,customer_value,crm_id\n"


def contacts_by_email() -> dict[str, Contact]:
    return {c.email: c for c in db.session.scalars(db.select(Contact))}


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_import_reports_bad_rows_by_row_number(runner, survey, tmp_path):
    file = write_csv(tmp_path / "contacts.csv", HEADER + (
        "ann@example.org,Ann de Vries,nl,retain,1200,C1\n"      # row 2: good
        "not-an-address,Bob,en,expand,10,C2\n"                  # row 3: bad email
        "carl@example.org,Carl,de,develop,5,C3\n"               # row 4: language not offered
        ",Dora,nl,retain,1,C4\n"                                 # row 5: no email
        "eve@example.org,Eve,EN,wind down,,\n"                   # row 6: good (EN -> en)
        "ANN@example.org,Ann again,nl,retain,1,C9\n"             # row 7: same email as row 2
    ))
    result = runner.invoke(args=["contacts", "import", file, "--survey", "loyalty"])
    assert result.exit_code == 1
    assert "row 3: email 'not-an-address' is not valid" in result.output
    assert "row 4: language 'de' is not offered by this survey" in result.output
    assert "row 5: email is empty" in result.output
    assert "row 7: email ann@example.org is also on row 2" in result.output
    assert "row 2:" not in result.output and "row 6:" not in result.output
    assert "2 created, 0 updated, 4 rejected" in result.output

    contacts = contacts_by_email()
    assert set(contacts) == {"ann@example.org", "eve@example.org"}
    ann = contacts["ann@example.org"]
    assert (ann.name, ann.language, ann.crm_id) == ("Ann de Vries", "nl", "C1")
    assert ann.attributes == {"segment": "retain", "customer_value": "1200"}
    assert contacts["eve@example.org"].language == "en"
    assert contacts["eve@example.org"].crm_id is None


def test_xlsx_import_with_bad_rows(runner, survey, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Email", "Name", "Language", "Segment", "Customer value", "CRM id", "Channel"])
    sheet.append(["ann@example.org", "Ann", "nl", "retain", 1200.5, 1001, "web"])   # row 2
    sheet.append(["bob@@example.org", "Bob", "en", "expand", 10, 1002, "shop"])    # row 3
    sheet.append([None, None, None, None, None, None, None])                      # row 4: empty, skipped
    sheet.append(["carl@example.org", "Carl", None, "develop", 3, 1003, "web"])   # row 5: no language
    sheet.append(["dora@example.org", "Dora", "en", None, None, 1004, None])     # row 6
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)

    result = runner.invoke(args=["contacts", "import", str(path), "--survey", "loyalty"])
    assert result.exit_code == 1
    assert "row 3: email 'bob@@example.org' is not valid" in result.output
    assert "row 5: language is empty" in result.output
    assert "2 created, 0 updated, 2 rejected" in result.output
    ann = contacts_by_email()["ann@example.org"]
    assert ann.crm_id == "1001", "a numeric Excel cell becomes the CRM id as text"
    assert ann.attributes == {"segment": "retain", "customer_value": 1200.5, "channel": "web"}
    assert contacts_by_email()["dora@example.org"].attributes == {}


def test_dry_run_writes_nothing(runner, survey, tmp_path):
    file = write_csv(tmp_path / "c.csv", HEADER + "ann@example.org,Ann,nl,retain,1,C1\nbad,Bob,nl,x,1,C2\n")
    result = runner.invoke(args=["contacts", "import", file, "--survey", "loyalty", "--dry-run"])
    assert "1 created, 0 updated, 1 rejected (dry run: nothing was written)" in result.output
    assert "row 3:" in result.output
    assert result.exit_code == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 0


def test_reimport_updates_instead_of_duplicating(runner, survey, tmp_path):
    first = write_csv(tmp_path / "1.csv", HEADER + "ann@example.org,Ann,nl,retain,1,C1\nbob@example.org,Bob,en,expand,2,\n")
    assert runner.invoke(args=["contacts", "import", first, "--survey", "loyalty"]).exit_code == 0
    # Ann changed her address (matched by CRM id); Bob is matched by email.
    second = write_csv(tmp_path / "2.csv", HEADER + "ann.new@example.org,Ann,en,expand,5,C1\nBob@Example.org,Bob B.,en,retain,3,\n")
    result = runner.invoke(args=["contacts", "import", second, "--survey", "loyalty"])
    assert result.exit_code == 0, result.output
    assert "0 created, 2 updated, 0 rejected" in result.output
    contacts = contacts_by_email()
    assert set(contacts) == {"ann.new@example.org", "bob@example.org"}
    assert contacts["ann.new@example.org"].language == "en"
    assert contacts["ann.new@example.org"].attributes["segment"] == "expand"
    assert contacts["bob@example.org"].name == "Bob B."


def test_row_conflicting_with_another_contact_is_rejected(runner, survey, tmp_path):
    first = write_csv(tmp_path / "1.csv", HEADER + "ann@example.org,Ann,nl,retain,1,C1\nbob@example.org,Bob,en,x,2,C2\n")
    runner.invoke(args=["contacts", "import", first, "--survey", "loyalty"])
    second = write_csv(tmp_path / "2.csv", HEADER + "bob@example.org,Ann,nl,retain,1,C1\n")
    result = runner.invoke(args=["contacts", "import", second, "--survey", "loyalty"])
    assert result.exit_code == 1
    assert "row 2: email bob@example.org already belongs to another contact" in result.output
    assert contacts_by_email()["ann@example.org"].crm_id == "C1"


def test_semicolon_csv_and_questionnaire_languages(runner, survey, tmp_path):
    survey.questionnaire_version.definition = {**survey.questionnaire_version.definition, "languages": ["nl"]}
    db.session.commit()
    file = write_csv(tmp_path / "c.csv", "\ufeffemail;language\nann@example.org;nl\nbob@example.org;en\n")
    result = runner.invoke(args=["contacts", "import", file, "--survey", "loyalty"])
    assert "row 3: language 'en' is not offered by this survey (use one of: nl)" in result.output
    assert "1 created, 0 updated, 1 rejected" in result.output


def test_missing_columns_import_nothing(runner, survey, tmp_path):
    file = write_csv(tmp_path / "c.csv", "e-mail,name\nann@example.org,Ann\n")
    result = runner.invoke(args=["contacts", "import", file, "--survey", "loyalty"])
    assert result.exit_code == 1
    assert "missing column(s): email, language" in result.output
    assert "Nothing imported" in result.output
    assert contacts_by_email() == {}


def test_unknown_survey_and_file_type(runner, survey, tmp_path):
    file = write_csv(tmp_path / "c.txt", "email,language\n")
    result = runner.invoke(args=["contacts", "import", file, "--survey", "loyalty"])
    assert result.exit_code == 1 and "use .csv or .xlsx" in result.output
    result = runner.invoke(args=["contacts", "import", file, "--survey", "nope"])
    assert result.exit_code == 1 and "no survey 'nope'" in result.output


def test_odd_cells_are_stored_or_rejected_per_row_never_crash(runner, survey, tmp_path):
    from datetime import date, time

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["email", "name", "language", "customer_value", "last_visit", "opens_at", "crm_id"])
    sheet.append(["ann@example.org", "Ann", "nl", "1.200,50", date(2026, 3, 1), time(9, 30), "C1"])  # row 2
    sheet.append(["bob@example.org", "B" * 201, "en", 10, None, None, "C2"])                         # row 3
    sheet.append(["carl@example.org", "Carl", "en", 3, None, None, "X" * 101])                       # row 4
    sheet.append(["dora@example.org", "Dora", "en", "7,5", None, None, "C4"])                         # row 5
    path = tmp_path / "odd.xlsx"
    workbook.save(path)

    dry = runner.invoke(args=["contacts", "import", str(path), "--survey", "loyalty", "--dry-run"])
    assert dry.exit_code == 1 and "Traceback" not in dry.output
    assert db.session.scalar(db.select(db.func.count(Contact.id))) == 0

    result = runner.invoke(args=["contacts", "import", str(path), "--survey", "loyalty"])
    assert result.exit_code == 1, result.output
    assert "row 3: name is longer than 200 characters" in result.output
    assert "row 4: crm_id is longer than 100 characters" in result.output
    assert "2 created, 0 updated, 2 rejected" in result.output
    contacts = contacts_by_email()
    assert contacts["ann@example.org"].attributes == {
        "customer_value": 1200.5, "last_visit": "2026-03-01", "opens_at": "09:30:00"}
    assert contacts["dora@example.org"].attributes["customer_value"] == 7.5
