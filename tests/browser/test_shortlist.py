"""The coordinator's shortlist in a real browser: ranked vendors with bars, inviting two."""

from __future__ import annotations

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

OPEN_TASK = "Eksport af kontraktoversigten til Excel"


async def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mailadresse").fill(email)
    await page.get_by_label("Adgangskode").fill(password)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()


async def test_coordinator_sees_the_ranked_shortlist_and_invites_two(page) -> None:
    await sign_in(page, "koordinator@demo.os2.dk")
    await page.goto("/tasks")
    await page.get_by_role("link", name=OPEN_TASK).first.click()
    await page.wait_for_load_state()
    await page.get_by_role("link", name="Se shortlisten over egnede leverandører").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == f"Shortliste: {OPEN_TASK}"

    # A compact table first: place, company, size, score and the strongest reasons.
    rows = page.locator("#ranked tbody tr")
    assert await rows.count() >= 3
    cells = await rows.first.locator("td, th").all_inner_texts()
    assert cells[0] == "1" and cells[1] and "," in cells[3]  # a Danish decimal comma
    page_height = await page.evaluate("document.documentElement.scrollHeight")
    assert page_height < 4000, page_height
    # The details come on demand.
    entries = page.locator(".pm-shortlist-entry")
    assert await entries.count() >= 3
    first = entries.first
    assert (await first.locator("h3").inner_text()).startswith("1. ")
    assert not await first.locator("table caption").is_visible()
    await first.locator("summary").click()
    assert await first.locator("svg.pm-bar rect").count() >= 2  # contribution bars
    assert await first.locator("table caption").inner_text()  # their values as text
    await assert_accessible(page)

    invited_before = await page.locator(".pm-invited").count()
    boxes = page.locator("input[name='vendor_id']")
    assert await boxes.count() >= 2
    names = []
    for n in range(2):
        box = boxes.nth(n)
        names.append(
            await page.locator(f"label[for='{await box.get_attribute('id')}']").inner_text()
        )
        await box.check()
    await page.get_by_role("button", name="Invitér de valgte leverandører").click()
    await page.wait_for_load_state()
    assert "2 leverandører er inviteret" in await page.locator(".pm-flash").inner_text()
    assert await page.locator(".pm-invited").count() == invited_before + 2
    await assert_accessible(page)


async def test_the_shortlist_reads_in_english_with_english_reasons(page) -> None:
    await sign_in(page, "koordinator@demo.os2.dk")
    await page.goto("/tasks?lang=en")
    await page.get_by_role("link", name=OPEN_TASK).first.click()
    await page.wait_for_load_state()
    await page.get_by_role("link", name="See the shortlist of suitable vendors").click()
    await page.wait_for_load_state()
    headers = await page.locator("#ranked thead th").all_inner_texts()
    assert headers[:5] == ["Place", "Company", "Size", "Score", "Strongest reasons"]
    assert "." in (await page.locator("#ranked tbody tr").first.locator("td").nth(2).inner_text())
    excluded = page.locator("#excluded")
    if await excluded.count():
        await page.locator(".pm-excluded summary").click()
        text = await excluded.inner_text()
        assert "underskrevet" not in text and "kapacitet" not in text, text
    await assert_accessible(page)
