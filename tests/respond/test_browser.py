"""A Dutch respondent on a phone, in a real browser, through the standard loyalty tracker.

Runs headless Debian chromium through Playwright against a live server on the test's
database, checks every page type with axe-core (no serious or critical violation), and
writes screenshots to ``screenshots/`` at the repository root. Skips when chromium or
axe-core is missing, unless ``SURVEYAPP_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from .conftest import ROOT, stored

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "screenshots"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "nl-NL"}

pytestmark = pytest.mark.browser


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"{AXE.relative_to(ROOT)} (npm install)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    return missing


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        message = "browser test needs " + ", ".join(missing)
        if os.environ.get("SURVEYAPP_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (SURVEYAPP_REQUIRE_BROWSER=1)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 and a free port, on the test's database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def check_accessibility(page, what: str) -> None:
    """axe-core on the current page: fail on any serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    for violation in bad:
        print(f"[{what}] {violation['impact']}: {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            print("   ", node["target"], node.get("failureSummary", "").replace("\n", " "))
    assert not bad, f"axe found {len(bad)} serious/critical violation(s) on the {what} page"


def check_fits_phone(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the {what} page scrolls sideways on a 360px phone ({width}px)"


def choose(page, item_id: str, value) -> None:
    page.click(f"label[for='q-{item_id}-{value}']")


def test_dutch_respondent_on_a_phone_leaves_returns_switches_to_english_and_finishes(
        app, browser, live_server, loyalty):
    SCREENSHOTS.mkdir(exist_ok=True)
    path = loyalty.invite(name="Anna de Vries", attributes={"segment": "large"})
    link = live_server + path

    # --- first visit ----------------------------------------------------------------------------
    context = browser.new_context(**PHONE, bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    page.goto(link)
    assert page.get_attribute("html", "lang") == "nl"
    assert page.locator("h1").inner_text() == "Hoe ervaart u onze samenwerking?"
    assert "Beste Anna de Vries," in page.locator(".intro").inner_text()
    assert page.locator("label[for=progress]").inner_text() == "Pagina 1 van 6"
    check_fits_phone(page, "NPS")
    page.screenshot(path=str(SCREENSHOTS / "respondent-first-page.png"), full_page=True)
    check_accessibility(page, "intro / NPS")

    page.click("button:has-text('Volgende')")  # nothing chosen: the error state
    assert page.locator(".error-summary").is_visible()
    assert page.evaluate("document.activeElement.id") == "q-nps-0"  # focus on the first invalid field
    assert page.get_attribute("#q-nps-0", "aria-invalid") == "true"
    page.screenshot(path=str(SCREENSHOTS / "respondent-error.png"), full_page=True)
    check_accessibility(page, "error state")

    page.keyboard.press("ArrowRight")  # keyboard only: arrows move through the radio group
    assert page.is_checked("#q-nps-1")
    choose(page, "nps", 8)
    page.click("button:has-text('Volgende')")

    assert page.locator("label[for=progress]").inner_text() == "Pagina 2 van 6"
    check_fits_phone(page, "likert matrix")
    check_accessibility(page, "likert matrix")
    page.screenshot(path=str(SCREENSHOTS / "respondent-matrix.png"), full_page=True)
    for row, value in (("product_quality", 4), ("product_fit", 5), ("product_value", 3),
                       ("processes_speed", 4), ("processes_promises", "dk"), ("processes_waiting", 2)):
        choose(page, row, value)
    page.click("button:has-text('Volgende')")

    assert page.locator("label[for=progress]").inner_text() == "Pagina 3 van 6"
    check_fits_phone(page, "rating")  # large customers get a 1-10 mark for their account manager
    for item, value in (("infrastructure_expertise", 5), ("infrastructure_systems", 4),
                        ("infrastructure_reachable", 3), ("interaction_information", 4),
                        ("interaction_invoices", 4), ("interaction_attention", 5), ("account_manager", 9)):
        choose(page, item, value)
    page.click("button:has-text('Volgende')")
    assert page.locator("label[for=progress]").inner_text() == "Pagina 4 van 6"
    choose(page, "atmosphere_pleasant", 4)  # answered, but not sent: the browser is closed now
    context.close()

    halfway = stored(app, path)
    assert halfway.current_page == "relationship" and halfway.status == "in_progress"
    assert halfway.answers["nps"] == 8 and halfway.answers["account_manager"] == 9

    # --- back later, same link, another "device"; switches to English -----------------------------
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(link)
    assert page.locator("label[for=progress]").inner_text() == "Pagina 4 van 6"
    choose(page, "atmosphere_pleasant", 5)
    page.click("button[name=language][value=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("label[for=progress]").inner_text() == "Page 4 of 6"
    assert page.is_checked("#q-atmosphere_pleasant-5")  # the page's input survived the switch
    for item, value in (("atmosphere_trust", 5), ("atmosphere_not_serious", 1), ("brand_reliable", 4),
                        ("brand_quality", 4), ("brand_reputation", 5), ("engagement_involved", 3),
                        ("engagement_follow", 2), ("engagement_ideas", 3)):
        choose(page, item, value)
    page.click("button:has-text('Next')")

    assert page.locator("label[for=progress]").inner_text() == "Page 5 of 6"
    check_fits_phone(page, "CES")
    choose(page, "ces", 6)
    for row, value in (("keep_spending", 5), ("spend_more", 3), ("do_more", 2)):
        choose(page, row, value)
    page.click("button:has-text('Next')")

    assert page.locator("label[for=progress]").inner_text() == "Page 6 of 6"
    check_accessibility(page, "open text")
    page.fill("#q-needs-input", "Faster delivery <script>alert(1)</script>")
    page.click("button:has-text('Submit')")

    assert "Thank you for taking part!" in page.locator(".closing").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "respondent-thank-you.png"), full_page=True)
    check_accessibility(page, "thank-you")
    context.close()

    # --- the link is used now -----------------------------------------------------------------------
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    result = page.goto(link)
    assert result.status == 410
    assert page.get_attribute("html", "lang") == "en"
    check_accessibility(page, "refusal")
    page.screenshot(path=str(SCREENSHOTS / "respondent-link-used.png"), full_page=True)
    context.close()

    final = stored(app, path)
    assert final.status == "completed" and final.language == "en"
    assert final.answers["nps"] == 8
    assert final.answers["processes_promises"] == "dk"
    assert final.answers["atmosphere_pleasant"] == 5
    assert final.answers["ces"] == 6 and final.answers["do_more"] == 2
    assert final.answers["needs"] == "Faster delivery <script>alert(1)</script>"
    assert "detractor_reason" not in final.answers  # an 8 is no detractor
    assert len(final.answers) == 28


def test_nps_and_seven_point_scales_fit_a_360px_screen(browser, live_server, all_types):
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + all_types.invite())
    check_fits_phone(page, "all item types")
    # The 11 NPS points sit on one row, each a target of at least 24px (WCAG 2.2 target size).
    boxes = [page.locator(f"label[for='q-nps-{point}']").bounding_box() for point in range(11)]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in boxes)
    check_accessibility(page, "all item types")
    page.set_viewport_size({"width": 1024, "height": 800})
    check_accessibility(page, "all item types, wide")
    page.screenshot(path=str(SCREENSHOTS / "all-item-types-wide.png"), full_page=True)
    context.close()


def test_a_detractor_finishes_with_javascript_switched_off(app, browser, live_server, loyalty):
    """Everything works without JavaScript; the follow-up for detractors appears (server-side logic)."""
    path = loyalty.invite(email="nojs@example.com", name="Bram Jansen")
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + path)
    for _ in range(10):
        if page.locator(".closing").count():
            break
        groups = page.eval_on_selector_all("input[type=radio]", "els => [...new Set(els.map(e => e.name))]")
        for name in groups:
            if name == "nps":
                page.click("label[for='q-nps-3']")
                continue
            options = page.locator(f"input[type=radio][name='{name}']")
            page.click(f"label[for='{options.nth(min(3, options.count() - 1)).get_attribute('id')}']")
        for field in page.locator("textarea").all():
            field.fill("Sneller reageren op vragen.")
        page.locator("button[name=action]").first.click()
    assert "Hartelijk dank" in page.locator(".closing").inner_text()
    context.close()

    final = stored(app, path)
    assert final.status == "completed"
    assert final.answers["nps"] == 3
    assert final.answers["detractor_reason"] == "Sneller reageren op vragen."
