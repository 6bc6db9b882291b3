"""Everyday pages in a real browser, Danish and English, axe clean: the partner register's
search, the secretariat's confirmation page (going back changes nothing) and the readable
audit log."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.test_bid_journey import _login

pytestmark = pytest.mark.browser

SECRETARIAT = "sekretariat@demo.os2.dk"


@pytest.mark.parametrize(
    ("language", "find", "confirm"), [("da", "Vis", "Suspendere"), ("en", "Show", "Suspend")]
)
async def test_register_confirmation_and_audit_log(
    page: Any, language: str, find: str, confirm: str
) -> None:
    await page.goto(f"/partners?lang={language}")
    first = await page.locator("table tbody tr td a").first.inner_text()
    await page.fill("#field-q", first[:5])
    await page.get_by_role("button", name=find).click()
    await page.wait_for_load_state()
    assert first in await page.locator("table").inner_text()
    assert await page.locator("a[href^='/partners.csv']").count() == 1
    await assert_accessible(page)

    await _login(page, SECRETARIAT)
    await page.goto("/secretariat/vendors")
    form = page.locator("form[action$='/suspend']").first
    await form.locator("input[name=reason], textarea[name=reason]").fill("Klage under behandling")
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert confirm in await page.locator("h1").inner_text()
    await assert_accessible(page)
    await page.locator(".pm-confirm-form a").click()  # go back: nothing happens
    await page.wait_for_url("**/secretariat/vendors")

    await page.goto("/secretariat/audit")
    assert await page.locator("table.pm-audit").count() == 1
    await assert_accessible(page)
    await page.context.clear_cookies()
