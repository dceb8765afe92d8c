"""Surveys, waves, contacts, sending and response rates in the back office.

Every write goes through the function the CLI calls; these tests check what the browser
sees and what the database then holds.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from surveyapp.extensions import db
from surveyapp.invitations.operations import open_wave
from surveyapp.models import Contact, Invitation, OutboxMail, Survey, Wave
from surveyapp.models.base import utcnow
from surveyapp.surveys import create_survey, get_survey, publish_questionnaire

from .conftest import SHORT, count, csrf_token, grant_researcher, post_form

CONTACTS_CSV = (
    "email,language,name,segment\n"
    "anna@example.com,nl,Anna de Vries,large\n"
    "not-an-address,nl,Bob,small\n"
    "carla@example.com,en,Carla,small\n"
    "dirk@example.com,fr,Dirk,large\n"
)


@pytest.fixture
def survey(app):
    """Survey "short" on the short questionnaire, with wave 2025-01 open."""
    with app.app_context():
        version = publish_questionnaire(SHORT).version
        item = create_survey("short", version)
        open_wave(item, "2025-01", opens_at=utcnow() - timedelta(days=1))
        grant_researcher(item.slug)
        return item.slug


def _survey(app, slug="short") -> dict:
    with app.app_context():
        item = get_survey(slug)
        return {"id": item.id, "open_token": item.open_token, "reminder_after_days": item.reminder_after_days,
                "retention_days": item.retention_days, "version_id": item.questionnaire_version_id,
                "waves": {w.name: (w.opens_at, w.closes_at) for w in item.waves}}


def test_create_a_survey_on_a_published_questionnaire(app, researcher):
    with app.app_context():
        publish_questionnaire(SHORT)
    page = researcher.get("/manage/surveys/new?questionnaire=short-check").data.decode()
    assert '<option selected value="short-check">' in page
    response = post_form(researcher, "/manage/surveys/new", {
        "slug": "customers-2025", "questionnaire": "short-check", "title": "Customers", "open_link": "y",
        "reminder_after_days": "5", "max_reminders": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/manage/surveys/customers-2025")
    stored = _survey(app, "customers-2025")
    assert stored["open_token"] and stored["reminder_after_days"] == 5
    page = researcher.get("/manage/surveys/customers-2025").data.decode()
    assert f"http://localhost/o/{stored['open_token']}" in page  # the open link, shown


def test_a_bad_slug_or_a_taken_one_is_explained_on_the_form(app, researcher, survey):
    bad = post_form(researcher, "/manage/surveys/new", {"slug": "Not OK", "questionnaire": "short-check"})
    assert bad.status_code == 422
    assert "Use lower-case letters, digits and hyphens." in bad.data.decode()
    taken = post_form(researcher, "/manage/surveys/new", {"slug": "short", "questionnaire": "short-check"})
    assert taken.status_code == 422
    assert "A survey with this short name exists already." in taken.data.decode()
    assert count(app, Survey) == 1


def test_change_settings_and_switch_the_version(app, researcher, survey, tmp_path):
    url = "/manage/surveys/short"
    response = post_form(researcher, url + "/settings", {"reminder_after_days": "3", "max_reminders": "2",
                                                         "retention_days": "90"}, page=url)
    assert response.status_code == 303
    assert _survey(app)["reminder_after_days"] == 3 and _survey(app)["retention_days"] == 90
    assert _survey(app)["open_token"] is None
    negative = post_form(researcher, url + "/settings", {"reminder_after_days": "-1"}, page=url)
    assert negative.status_code == 422

    second = tmp_path / "short.yaml"
    second.write_text(SHORT.read_text(encoding="utf-8").replace("Any other remarks?", "Anything else?"),
                      encoding="utf-8")
    with app.app_context():
        new_version = publish_questionnaire(second).version.id
    assert post_form(researcher, url + "/version", {"version": str(new_version)}, page=url).status_code == 303
    assert _survey(app)["version_id"] == new_version


def test_open_and_close_waves(app, researcher, survey):
    url = "/manage/surveys/short"
    # Waves never overlap: the open one is named.
    clash = post_form(researcher, url + "/waves", {"name": "2025-02"}, page=url)
    assert clash.status_code == 422
    assert "Wave 2025-01 is still open" in clash.data.decode()
    with app.app_context():
        wave_id = db.session.scalar(db.select(Wave.id).where(Wave.name == "2025-01"))
    assert post_form(researcher, f"{url}/waves/{wave_id}/close", page=url).status_code == 303
    assert _survey(app)["waves"]["2025-01"][1] is not None
    tomorrow = (utcnow() + timedelta(days=1)).date()
    opened = post_form(researcher, url + "/waves", {"name": "2025-02", "closes": tomorrow.isoformat()}, page=url)
    assert opened.status_code == 303
    opens_at, closes_at = _survey(app)["waves"]["2025-02"]
    assert closes_at.date() == tomorrow + timedelta(days=1)  # through the whole last day, as the CLI does
    page = researcher.get(url).data.decode()
    assert "2025-02" in page and "Close wave 2025-02 now" in page


def _upload_contacts(client, data: bytes, name: str):
    url = "/manage/surveys/short/contacts"
    token = csrf_token(client.get(url).data)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_dry_run_writes_nothing_and_reports_rows_then_the_import_writes(app, researcher, survey):
    response = _upload_contacts(researcher, CONTACTS_CSV.encode(), "crm.csv")
    assert response.status_code == 303
    report = researcher.get(response.headers["Location"])
    page = report.data.decode()
    assert "Would create 2 and update 0 contact(s); 2 row(s) rejected." in page
    assert '<th scope="row" class="num">3</th>' in page and '<th scope="row" class="num">5</th>' in page
    assert "This was a dry run" in page
    assert count(app, Contact) == 0
    # Looking at the dry run again still writes nothing.
    researcher.get(response.headers["Location"])
    assert count(app, Contact) == 0

    imported = post_form(researcher, response.headers["Location"] + "/import", page=response.headers["Location"])
    assert imported.status_code == 200
    assert "Created 2 and updated 0 contact(s); 2 row(s) rejected." in imported.data.decode()
    assert count(app, Contact) == 2
    # The kept file is gone: the same import cannot run twice by a double click.
    assert researcher.get(response.headers["Location"]).status_code == 404


def test_an_xlsx_file_and_a_file_with_wrong_columns(app, researcher, survey):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["email", "language", "segment"])
    sheet.append(["erik@example.com", "nl", "small"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload_contacts(researcher, buffer.getvalue(), "crm.xlsx")
    assert "Would create 1 and update 0" in researcher.get(response.headers["Location"]).data.decode()

    response = _upload_contacts(researcher, b"mail,taal\nx@example.com,nl\n", "crm.csv")
    page = researcher.get(response.headers["Location"]).data.decode()
    assert "Nothing can be imported" in page
    assert "Import 0" not in page and "/import" not in page
    assert count(app, Contact) == 0

    refused = _upload_contacts(researcher, b"whatever", "crm.pdf")
    assert refused.status_code == 422
    assert "Upload a .csv or .xlsx file." in refused.data.decode()


def test_erase_a_person(app, researcher, survey):
    response = _upload_contacts(researcher, CONTACTS_CSV.encode(), "crm.csv")
    post_form(researcher, response.headers["Location"] + "/import", page=response.headers["Location"])
    url = "/manage/surveys/short/contacts"
    erased = post_form(researcher, url + "/erase", {"email": "Anna@example.com "}, page=url, follow_redirects=True)
    assert "Erased 1 contact(s)" in erased.data.decode()
    assert count(app, Contact, Contact.email == "anna@example.com") == 0
    assert count(app, Contact, Contact.erased_at.is_not(None)) == 1
    nobody = post_form(researcher, url + "/erase", {"email": "nobody@example.com"}, page=url, follow_redirects=True)
    assert "nothing was erased" in nobody.data.decode()


def test_queue_invitations_see_the_outbox_and_retry(app, researcher, survey):
    response = _upload_contacts(researcher, CONTACTS_CSV.encode(), "crm.csv")
    post_form(researcher, response.headers["Location"] + "/import", page=response.headers["Location"])
    url = "/manage/surveys/short/outbox"
    with app.app_context():
        wave_id = db.session.scalar(db.select(Wave.id).where(Wave.name == "2025-01"))
    queued = post_form(researcher, url + "/queue", {"wave": str(wave_id), "kind": "invitations"}, page=url,
                       follow_redirects=True)
    page = queued.data.decode()
    assert "Queued 2 invitation(s) for wave 2025-01." in page
    assert "anna@example.com" in page and "carla@example.com" in page
    assert "queued (2)" in page
    assert count(app, OutboxMail, OutboxMail.state == "queued") == 2

    with app.app_context():  # the sender gave up on one and crashed on the other
        mails = db.session.scalars(db.select(OutboxMail).order_by(OutboxMail.id)).all()
        mails[0].state, mails[0].attempts, mails[0].last_error = "failed", 5, "550 mailbox unavailable"
        mails[1].state = "uncertain"
        db.session.commit()
    page = researcher.get(url + "?state=failed").data.decode()
    assert "550 mailbox unavailable" in page and "carla@example.com" not in page
    retried = post_form(researcher, url + "/retry", page=url, follow_redirects=True)
    assert "2 failed or uncertain mail(s) queued again." in retried.data.decode()
    assert count(app, OutboxMail, OutboxMail.state == "queued", OutboxMail.attempts == 0) == 2

    reminders = post_form(researcher, url + "/queue", {"wave": str(wave_id), "kind": "reminders"}, page=url,
                          follow_redirects=True)
    assert "Queued 0 reminder(s)" in reminders.data.decode()  # nobody was mailed long enough ago


def test_retry_touches_only_this_surveys_mails(app, researcher, survey):
    with app.app_context():
        other = create_survey("other", get_survey("short").questionnaire_version)
        wave = open_wave(other, "w1")
        contact = Contact(survey_id=other.id, email="z@example.com", language="nl", attributes={})
        db.session.add(contact)
        db.session.flush()
        invitation = Invitation(wave_id=wave.id, contact_id=contact.id, token_nonce="n", token_hash="h",
                                language="nl")
        db.session.add(invitation)
        db.session.flush()
        db.session.add(OutboxMail(invitation_id=invitation.id, kind="invitation", state="failed", message_id="<m@x>"))
        db.session.commit()
    post_form(researcher, "/manage/surveys/short/outbox/retry", page="/manage/surveys/short/outbox")
    assert count(app, OutboxMail, OutboxMail.state == "failed") == 1


def test_response_rates_per_wave_and_segment(app, researcher, survey):
    response = _upload_contacts(researcher, CONTACTS_CSV.encode(), "crm.csv")
    post_form(researcher, response.headers["Location"] + "/import", page=response.headers["Location"])
    with app.app_context():
        wave_id = db.session.scalar(db.select(Wave.id).where(Wave.name == "2025-01"))
    post_form(researcher, "/manage/surveys/short/outbox/queue", {"wave": str(wave_id), "kind": "invitations"},
              page="/manage/surveys/short/outbox")
    page = researcher.get("/manage/surveys/short/rates?by=segment").data.decode()
    assert "Invitations by how far they got" in page
    rows = [row for row in page.split("<tr") if "<th scope=\"row\">2025-01</th>" in row]
    assert len(rows) == 3  # the wave's total, "large", "small"
    assert "(all)" in rows[0] and ">2<" in rows[0]
    assert ">large<" in rows[1] and ">1<" in rows[1]
    assert researcher.get("/manage/surveys/short/rates?by=email").status_code == 200  # ignored, never per person
    assert "anna@example.com" not in researcher.get("/manage/surveys/short/rates?by=email").data.decode()


def test_a_contact_list_of_tens_of_thousands_uploads_in_the_browser(app, researcher, survey):
    """A 3 MB file is more than a form may send (1 MB), not more than a contact list may be."""
    rows = "".join(f"person{number}@example.com,nl,Person {number},large\n" for number in range(80_000))
    data = ("email,language,name,segment\n" + rows).encode()
    assert len(data) > 3_000_000
    response = _upload_contacts(researcher, data, "crm.csv")
    assert response.status_code == 303, response.status_code
    page = researcher.get(response.headers["Location"]).data.decode()
    assert "Would create 80000 and update 0 contact(s)" in page
    assert count(app, Contact) == 0
