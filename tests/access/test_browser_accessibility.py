"""The users-and-access page and the API-keys page in a real browser: axe-clean, fit a phone."""

import pytest

from tests.access.test_browser_keys_and_grants import _users
from tests.manage.conftest import PASSWORD
from tests.respond.test_browser import browser, check_accessibility, check_fits_phone, live_server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 360])
def test_users_and_api_keys_pages_are_accessible(app, browser, live_server, width):  # noqa: F811
    _users(app)
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    for path in ("/manage/users", "/account/api-keys"):
        page.goto(f"{live_server}{path}")
        if path == "/account/api-keys":  # with a new key and the list of keys on the page
            page.fill("input[name=name]", "dashboard")
            page.click("form:not([action]) button[type=submit]")
            page.wait_for_load_state()
            assert page.locator("code.new-api-key").count() == 1
        check_accessibility(page, f"{path} at {width}px")
        if width == 360:
            check_fits_phone(page, path)
    context.close()
