"""A researcher in a real browser, from a questionnaire file with a mistake to invitations in the outbox.

Headless Debian chromium through Playwright against a live server on the test's database
(the fixtures of ``tests/respond/test_browser.py``); every page type is checked with axe-core
(no serious or critical violation) at 1280 and at 360 px wide. Skips like that test when
chromium or axe-core is missing, unless ``SURVEYAPP_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import pytest

from surveyapp.models import Contact, OutboxMail, QuestionnaireVersion, Response, Survey

from ..respond import test_browser as respond_browser
from .conftest import PASSWORD, SHORT, add_user, count

pytestmark = pytest.mark.browser

# The respondent test's browser and live server, registered for this module too.
browser = respond_browser.browser
live_server = respond_browser.live_server
check_accessibility = respond_browser.check_accessibility
SCREENSHOTS = respond_browser.SCREENSHOTS

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
MISTAKE = SHORT.read_text(encoding="utf-8").replace("scale: nps\n        required", "scale: npx\n        required")
CONTACTS = (
    "email,language,name,segment\n"
    "anna@example.com,nl,Anna de Vries,large\n"
    "geen-adres,nl,Bob,small\n"
    "carla@example.com,en,Carla,small\n"
)


def check_both_widths(page, what: str) -> None:
    """axe at 1280 px and at 360 px; at 360 px the page itself must not scroll sideways."""
    page.set_viewport_size({"width": 1280, "height": 900})
    check_accessibility(page, f"{what} (1280 px)")
    page.set_viewport_size({"width": 360, "height": 740})
    check_accessibility(page, f"{what} (360 px)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the {what} page scrolls sideways on a 360px phone ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})


def upload(page, selector: str, name: str, text: str, mime: str) -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": text.encode("utf-8")}])


def test_researcher_from_a_faulty_file_to_invitations_in_the_outbox(app, browser, live_server):
    SCREENSHOTS.mkdir(exist_ok=True)
    add_user(app, "rita@example.com", "researcher")
    context = browser.new_context(**DESKTOP, bypass_csp=True)  # axe is injected as a script
    page = context.new_page()

    page.goto(live_server + "/manage/")
    assert "/login" in page.url
    page.fill("#email", "rita@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/manage/")
    assert page.locator("h1").inner_text() == "Beheer"
    check_both_widths(page, "back office")

    # --- a questionnaire with a mistake: the line is shown, marked, beside the text -------------
    page.click("nav >> text=Vragenlijsten")
    check_both_widths(page, "questionnaires")
    upload(page, "#file", "klanten.yaml", MISTAKE, "application/yaml")
    page.click("button:has-text('Uploaden en controleren')")
    assert page.locator("#problems h2").inner_text() == "1 probleem in dit bestand"
    problem = page.locator(".problem-list li").first
    assert problem.inner_text().startswith("Regel 30, kolom 9: pages[0].items[0].scale: unknown scale")
    assert page.locator("#line-30").get_attribute("class") == "has-problem"
    assert page.locator("#line-30 mark").inner_text() == "s"
    problem.locator("a").click()
    assert page.url.endswith("#line-30")
    assert page.locator(".source-problem").inner_text().startswith("Regel 30, kolom 9")
    assert page.locator("text=Wijzigingen bekijken en publiceren").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "manage-questionnaire-problem.png"), full_page=True)
    check_both_widths(page, "questionnaire with a problem")

    # --- fixed and uploaded again ------------------------------------------------------------------
    upload(page, "#file", "klanten.yaml", SHORT.read_text(encoding="utf-8"), "application/yaml")
    page.click("button:has-text('Uploaden en opnieuw controleren')")
    assert "Geen problemen gevonden" in page.locator(".flash-success").inner_text()
    assert page.locator(".has-problem").count() == 0
    check_both_widths(page, "checked questionnaire")

    # --- previewed in Dutch, with the display logic working, nothing stored ----------------------
    page.select_option("#preview-language", "nl")
    page.click("button:has-text('Voorbeeld')")
    assert page.get_attribute("html", "lang") == "nl"
    assert page.locator("h1").inner_text() == "Korte peiling"
    assert "Voorbeeld" in page.locator(".preview-banner").inner_text()
    check_both_widths(page, "preview, first page")
    page.click("label[for='q-nps-3']")
    page.click("button:has-text('Volgende')")
    assert page.locator("text=Wat is de belangrijkste reden voor uw cijfer?").is_visible()  # nps <= 6
    assert page.locator("text=contactpersoon").count() == 0  # segment is not "large"
    check_both_widths(page, "preview, second page")
    page.click("button:has-text('Vorige')")
    page.click("label[for='q-nps-9']")
    page.click("button:has-text('Volgende')")
    assert page.locator("text=Wat is de belangrijkste reden").count() == 0  # a promoter is not asked
    assert page.locator("text=Heeft u nog opmerkingen?").is_visible()
    page.click("button:has-text('Versturen')")
    assert "Dank u wel!" in page.locator(".closing").inner_text()
    assert count(app, Response) == 0

    # --- published, after the change report ----------------------------------------------------
    page.click(".preview-banner a")
    page.click("text=Wijzigingen bekijken en publiceren")
    assert "Dit is de eerste versie van deze vragenlijst." in page.locator("main").inner_text()
    check_both_widths(page, "publish")
    page.click("button:has-text('Publiceren')")
    assert "short-check versie 1 gepubliceerd." in page.locator(".flash").inner_text()
    assert count(app, QuestionnaireVersion) == 1

    # --- a survey, and a wave opened ---------------------------------------------------------------
    page.click("main >> text=Nieuw onderzoek")
    assert page.locator("#questionnaire").input_value() == "short-check"
    check_both_widths(page, "new survey")
    page.fill("#slug", "klanten")
    page.fill("#title", "Klantpeiling")
    page.check("#open_link")
    page.click("button:has-text('Onderzoek aanmaken')")
    assert page.locator("h1").inner_text() == "Klantpeiling"
    assert "/o/" in page.locator("#open-link").inner_text()
    page.fill("#name", "2025-voorjaar")
    page.click("button:has-text('Meting openen')")
    assert "Meting 2025-voorjaar is open." in page.locator(".flash").inner_text()
    check_both_widths(page, "survey and waves")

    # --- contacts: the dry run first, then the import ----------------------------------------------
    page.click(".survey-nav >> text=Contacten")
    check_both_widths(page, "contacts")
    upload(page, "#file", "crm.csv", CONTACTS, "text/csv")
    page.click("button:has-text('Controleren (proefrun)')")
    assert "Zou 2 contact(en) aanmaken en 0 bijwerken; 1 rij(en) afgewezen." in page.locator(".summary").inner_text()
    assert page.locator("table.data tbody th").inner_text() == "3"  # the bad row, by spreadsheet row number
    assert count(app, Contact) == 0
    check_both_widths(page, "dry run")
    page.click("button:has-text('2 contacten importeren')")
    assert "2 contact(en) aangemaakt" in page.locator(".summary").inner_text()
    assert count(app, Contact) == 2

    # --- invitations queued, and seen in the outbox -----------------------------------------------
    page.click(".survey-nav >> text=Versturen")
    assert page.locator("#wave option:checked").inner_text() == "2025-voorjaar"
    page.check("input[value=invitations]")
    page.click("button:has-text('Mails klaarzetten')")
    assert "2 uitnodiging(en) klaargezet voor meting 2025-voorjaar." in page.locator(".flash").inner_text()
    outbox = page.locator("table.outbox tbody").inner_text()
    assert "anna@example.com" in outbox and "carla@example.com" in outbox and "geen-adres" not in outbox
    assert outbox.count("klaargezet") == 2
    page.screenshot(path=str(SCREENSHOTS / "manage-outbox.png"), full_page=True)
    check_both_widths(page, "outbox")
    assert count(app, OutboxMail, OutboxMail.state == "queued") == 2
    assert count(app, Survey) == 1

    page.click(".survey-nav >> text=Respons")
    check_both_widths(page, "response rates")
    context.close()
