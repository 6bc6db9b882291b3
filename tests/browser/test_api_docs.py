"""The API documentation page and the statistics page in a real browser: accessible."""

from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


async def test_the_api_page_is_accessible(page) -> None:
    await page.goto("/api/docs")
    assert await page.get_by_role("heading", level=1).count() == 1
    assert await page.get_by_text("/ocds/releases").count() >= 1
    await assert_accessible(page)


async def test_the_statistics_page_is_accessible_in_both_languages(page) -> None:
    await page.goto("/statistics")
    assert await page.get_by_role("heading", level=1).inner_text() == "Statistik"
    assert await page.locator("table#tasks-by-status tbody tr").count() == 5
    await assert_accessible(page)
    await page.goto("/statistics?lang=en")
    assert await page.get_by_role("heading", level=1).inner_text() == "Statistics"
    await assert_accessible(page)
