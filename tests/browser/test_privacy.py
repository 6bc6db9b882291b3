"""A vendor administrator reads and downloads their data and asks for erasure; the secretariat
sees the request. Every page is checked with axe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.test_accounts import sign_in

pytestmark = pytest.mark.browser

VENDOR_ADMIN = "limfjord-data@demo-vendor.dk"


async def test_export_and_erasure_request_in_the_browser(page) -> None:
    await page.goto("/privatliv")
    await assert_accessible(page)
    assert await page.get_by_role("heading", level=1).inner_text() == (
        "Privatliv: de personoplysninger, Partner Market behandler"
    )

    await sign_in(page, VENDOR_ADMIN)
    await page.goto("/account")
    await page.get_by_role("link", name="Dine data og sletning").click()
    await page.wait_for_load_state()
    await assert_accessible(page)

    await page.get_by_role("link", name="Læs dine data som en side").click()
    await page.wait_for_load_state()
    assert VENDOR_ADMIN in await page.locator("main").inner_text()
    await assert_accessible(page)
    await page.go_back()

    async with page.expect_download() as info:
        await page.get_by_role("link", name="Hent dine data som JSON").click()
    download = await info.value
    data = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == VENDOR_ADMIN

    # The last administrator must name a successor or close the company.
    await page.get_by_label("Hvorfor beder du om det?").fill("Vi lukker firmaet")
    await page.get_by_role("button", name="Bed om sletning").click()
    await page.wait_for_load_state()
    assert "sidste administrator" in await page.locator("#error-summary").inner_text()
    assert await page.get_by_label("Hvorfor beder du om det?").input_value() == "Vi lukker firmaet"
    await assert_accessible(page)
    await page.get_by_label("Luk i stedet min virksomhed på markedet").check()
    await page.get_by_role("button", name="Bed om sletning").click()
    await page.wait_for_load_state()
    assert "Din anmodning om sletning er sendt" in await page.locator(".pm-flash").inner_text()
    assert "Du bad om sletning" in await page.locator("main").inner_text()
    await assert_accessible(page)

    await page.context.clear_cookies()
    await sign_in(page, "sekretariat@demo.os2.dk")
    await page.goto("/secretariat/privacy")
    assert VENDOR_ADMIN in await page.locator("main").inner_text()
    await assert_accessible(page)
