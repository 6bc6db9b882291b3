"""A new user's pass on a phone: tables that scroll sideways can be reached with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


async def test_wide_tables_on_a_phone_take_focus_and_pass_axe(page: Any) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/privatliv")
    scrollers = page.locator("main [data-pm-scroll]")
    assert await scrollers.count() >= 1
    assert await scrollers.first.get_attribute("tabindex") == "0"
    await assert_accessible(page)
    await page.goto("/login")
    await page.fill("#field-email", "sekretariat@demo.os2.dk")
    await page.fill("#field-password", DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()
    for path in ("/secretariat/fairness", "/secretariat/privacy", "/solutions"):
        await page.goto(path)
        await assert_accessible(page)
    # A visible caption stays readable on the screen while its wide table scrolls.
    await page.goto("/secretariat/fairness")
    right = await page.locator("main caption").first.evaluate(
        "el => el.getBoundingClientRect().right"
    )
    assert right <= 390
    # On a wide screen nothing scrolls, so nothing extra takes focus.
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto("/privatliv")
    assert await page.locator("main [data-pm-scroll]").count() == 0


async def test_facts_with_long_names_leave_room_for_their_values_on_a_phone(page: Any) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/login")
    await page.fill("#field-email", "koordinator@demo.os2.dk")
    await page.fill("#field-password", DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()
    await page.goto("/tasks/2/shortlist")
    value = page.locator("#fair-share")
    width = await value.evaluate("el => el.getBoundingClientRect().width")
    assert width > 100  # the value column is not squeezed to one character by a long name
    await assert_accessible(page)


async def test_table_cells_on_a_phone_do_not_break_short_words(page: Any) -> None:
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto("/tasks")
    broken = await page.evaluate(
        """() => [...document.querySelectorAll('main td')].filter((td) => {
            const text = td.innerText.trim();
            if (!text || /\\s/.test(text) || text.length > 20) return false;
            const range = document.createRange();
            range.selectNodeContents(td);
            return range.getClientRects().length > 1;
        }).map((td) => td.innerText)"""
    )
    assert broken == []  # 'OS2kitos' is not split over two lines: the table scrolls instead
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
