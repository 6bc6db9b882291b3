"""A phone (390 px wide): the design system's menu button opens the menu, and no page is wider
than the screen, for every role, in Danish and English."""

from __future__ import annotations

from typing import Any

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGES: dict[str | None, list[str]] = {
    None: ["/", "/tasks", "/partners", "/conduct", "/directory", "/statistics", "/wishes"],
    "koordinator@demo.os2.dk": ["/tasks/1", "/tasks/1/shortlist", "/tasks/2/evaluation"],
    "sekretariat@demo.os2.dk": [
        "/secretariat/audit",
        "/secretariat/conduct",
        "/secretariat/vendors",
        "/secretariat/taxonomy",
    ],
    "aarhus-kodevaerksted@demo-vendor.dk": ["/opportunities", "/my-bids", "/my-company"],
}


@pytest.fixture
async def phone(browser: Any, live_server: str) -> Any:
    context = await browser.new_context(base_url=live_server, viewport=PHONE, locale="da-DK")
    tab = await context.new_page()
    yield tab
    await context.close()


async def _sign_in(page: Any, email: str) -> None:
    await page.goto("/login")
    await page.fill("#field-email", email)
    await page.fill("#field-password", DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()


async def test_the_menu_button_opens_the_menu_in_both_languages(phone: Any) -> None:
    for language, button, tasks in (("da", "Menu", "Opgaver"), ("en", "Menu", "Tasks")):
        await phone.goto(f"/?lang={language}")
        menu_button = phone.get_by_role("button", name=button)
        assert await menu_button.is_visible()
        assert await menu_button.get_attribute("aria-expanded") == "false"
        assert not await phone.locator("#main-menu").is_visible()
        await assert_accessible(phone)
        await menu_button.click()
        assert await menu_button.get_attribute("aria-expanded") == "true"
        link = phone.locator("#main-menu").get_by_role("link", name=tasks, exact=True)
        assert await link.is_visible()  # the public menu has the tasks and the Code of Conduct
        assert await phone.locator("#main-menu a[href='/conduct']").is_visible()
        await assert_accessible(phone)
        await phone.keyboard.press("Escape")
        assert not await phone.locator("#main-menu").is_visible()
    await phone.goto("/?lang=da")


async def test_no_page_is_wider_than_the_phone(phone: Any) -> None:
    too_wide = []
    for user, paths in PAGES.items():
        await phone.context.clear_cookies()
        if user:
            await _sign_in(phone, user)
        for path in paths:
            response = await phone.goto(path)
            assert response is not None and response.status == 200, path
            width = await phone.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append((path, width))
    assert not too_wide, too_wide
    await phone.goto("/tasks/2/evaluation?lang=en")
    await assert_accessible(phone)
