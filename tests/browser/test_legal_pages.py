"""The accessibility statement and the cookie notice, reached from the footer in both
languages, without accessibility violations."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


async def test_accessibility_statement_and_cookie_notice_from_the_footer(page) -> None:
    await page.goto("/")
    await page.locator("footer").get_by_role("link", name="Tilgængelighedserklæring").click()
    await page.wait_for_load_state()
    assert page.url.endswith("/tilgaengelighed")
    assert "Tilgængelighedserklæring" in await page.locator("h1").inner_text()
    for heading in ("Overensstemmelsesstatus", "Feedback og kontaktoplysninger"):
        await page.get_by_role("heading", name=heading).wait_for()
    assert await page.get_by_text("Digitaliseringsstyrelsen").count() >= 1
    await assert_accessible(page)

    await page.locator("footer").get_by_role("link", name="Cookies", exact=True).click()
    await page.wait_for_load_state()
    rows = await page.locator("table tbody tr").count()
    assert rows == 4
    await assert_accessible(page)

    await page.goto("/tilgaengelighed?lang=en")
    assert await page.locator("h1").inner_text() == "Accessibility statement for Partner Market"
    await assert_accessible(page)
    await page.goto("/cookies")
    assert await page.locator("h1").inner_text() == "Cookies on Partner Market"
    await assert_accessible(page)
