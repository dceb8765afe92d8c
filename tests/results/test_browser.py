"""A manager in a real browser: signs in, filters the demo dashboard, switches to English and
reads what the detractors said; axe-core checks every results page at 360 and 1280 px.

Headless Debian chromium through Playwright, as in tests/respond/test_browser.py (whose
fixtures this reuses). Screenshots of the dashboard go to docs/ (shown in the README).
"""

from __future__ import annotations

import openpyxl
import pytest

from tests.respond.test_browser import ROOT, browser, check_accessibility, check_fits_phone, live_server  # noqa: F401

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL", "bypass_csp": True}  # axe is injected
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "nl-NL", "bypass_csp": True}
DOCS = ROOT / "docs"


def sign_in(page, server: str, demo: dict) -> None:
    # The first view of each scope computes its figures (imports SciPy and statsmodels on the
    # first one): generous on a busy shared machine.
    page.set_default_timeout(180_000)
    page.goto(f"{server}/login")
    page.fill("input[name=email]", demo["email"])
    page.fill("input[name=password]", demo["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state()


def check_tables_fit(page, what: str) -> None:
    """No data table is cut off: at desktop width every table fits its scroll box."""
    cut = page.evaluate("""[...document.querySelectorAll('.table-scroll')]
        .filter(box => box.scrollWidth > box.clientWidth + 1)
        .map(box => box.querySelector('caption')?.textContent)""")
    assert not cut, f"tables cut off on the {what} page at 1280px: {cut}"


def test_a_manager_filters_the_dashboard_and_reads_what_detractors_said(app, browser, live_server, demo,  # noqa: F811
                                                                         tmp_path):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, demo)
    page.goto(f"{live_server}/results/demo")
    assert page.locator("h1").inner_text() == "Hoe ervaart u onze samenwerking?"
    check_accessibility(page, "dashboard")
    check_tables_fit(page, "dashboard")
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "dashboard-1280.png"), full_page=True)

    page.select_option("#filter-segment", "large")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "segment=large" in page.url
    assert "Klantsegment: large" in page.locator("p.scope").inner_text()
    check_accessibility(page, "filtered dashboard")

    page.click(".language-switch a[lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "How do you experience working with us?"
    assert "Customer segment: large" in page.locator("p.scope").inner_text()

    page.click("text=What detractors said")
    page.wait_for_load_state()
    assert "group=detractor" in page.url and "segment=large" in page.url
    answers = page.locator("li.open-answer")
    assert answers.count() > 0
    meta = " ".join(answers.locator(".answer-meta").all_inner_texts())
    assert "(detractor)" in meta and "(promoter)" not in meta and "(passive)" not in meta
    assert "large" in meta
    check_accessibility(page, "open answers")

    # Back on the (English, filtered) dashboard: the workbook for the meeting, with the engine's figures.
    page.goto(f"{live_server}/results/demo?segment=large")
    with page.expect_download() as download_info:
        page.click("a[href*='report.xlsx']")
    path = tmp_path / "results.xlsx"
    download_info.value.save_as(path)
    context.close()
    engine = engine_figures(app, {"segment": "large"})
    cells = [(sheet.title, cell.value) for sheet in openpyxl.load_workbook(path, read_only=True).worksheets
             for row in sheet.iter_rows() for cell in row]
    assert any(sheet == "NPS" and value == engine["nps"] for sheet, value in cells), engine
    assert any("Driver" in sheet and value == engine["r2"] for sheet, value in cells), engine


def engine_figures(app, filters: dict) -> dict:
    """The NPS and the loyalty index's R² as the engine computes them for these filters."""
    from surveyapp.extensions import db
    from surveyapp.models import Survey
    from surveyapp.results.survey_analysis import LOYALTY_INDEX, analyze_stored_survey

    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.slug == "demo"))
        analysis = analyze_stored_survey(survey, filters=filters)
        return {"nps": float(analysis.summary.loc["nps", "value"]),
                "r2": float(analysis.drivers.results[(LOYALTY_INDEX, None)].r2)}


def test_every_results_page_is_accessible_and_fits_at_360_and_1280(browser, live_server, demo):  # noqa: F811
    first_wave = demo["waves"][0]
    paths = ["/results/", "/results/demo", f"/results/demo?wave={first_wave}&segment=small",
             f"/results/demo?wave={first_wave}&segment=large&language=en",  # suppressed: too few
             "/results/demo/open/needs", "/results/demo/open/detractor_reason?group=detractor&q=e",
             "/results/demo?lang=en"]
    for settings, width in ((PHONE, 360), (DESKTOP, 1280)):
        context = browser.new_context(**settings)
        page = context.new_page()
        sign_in(page, live_server, demo)
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, path
            check_accessibility(page, f"{path} at {width}px")
            if width == 360:
                check_fits_phone(page, path)
            else:
                check_tables_fit(page, path)
        if width == 360:
            page.goto(f"{live_server}/results/demo")
            page.screenshot(path=str(DOCS / "dashboard-360.png"), full_page=True)
        favicon = page.goto(f"{live_server}/favicon.ico")
        assert favicon.status == 200
        context.close()
