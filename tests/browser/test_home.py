"""The home page in both languages, with the design system, and no accessibility violations."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


async def test_home_in_danish_then_english_without_violations(page) -> None:
    await page.goto("/")
    assert await page.get_attribute("html", "lang") == "da"
    assert await page.locator("h1").inner_text() == "Partnermarkedet"
    # The design system's stylesheet is applied (IBM Plex Sans is its font).
    font = await page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "IBMPlexSans" in font.replace(" ", "")
    await assert_accessible(page)

    await page.get_by_role("button", name="English").click()
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "lang") == "en"
    assert await page.locator("h1").inner_text() == "Partner Market"
    await assert_accessible(page)

    await page.goto("/")  # the choice is remembered
    assert await page.get_attribute("html", "lang") == "en"
