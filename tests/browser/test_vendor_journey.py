"""The vendor journey in a real browser: register, sign, countersign, listed as a partner."""

from __future__ import annotations

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible
from tests.factories_conduct import valid_cvr

pytestmark = pytest.mark.browser


async def _submit(page, form_selector: str) -> None:
    async with page.expect_navigation():
        await page.locator(f"{form_selector} button[type=submit]").first.click()


async def test_register_sign_countersign_and_appear_on_the_partner_register(page) -> None:
    name = "Browsertest Kodeværksted ApS"
    cvr = valid_cvr()
    email = "browsertest@kodevaerksted.example.dk"

    await page.goto("/vendors/register")
    await assert_accessible(page)
    # A wrong CVR number is named and the right values stay filled in.
    await page.fill("#field-name", name)
    await page.fill("#field-cvr", "12345678")
    await page.fill("#field-employees", "6")
    await page.fill("#field-contact_name", "Birgitte Browser")
    await page.fill("#field-email", email)
    await page.fill("#field-password", "Grøn-Hest-Spiser-Kage-2026")
    await _submit(page, "form.pm-form")
    assert await page.locator("#field-cvr-error").is_visible()
    assert await page.input_value("#field-name") == name
    await assert_accessible(page)
    await page.fill("#field-cvr", cvr)
    await page.fill("#field-password", "Grøn-Hest-Spiser-Kage-2026")
    await _submit(page, "form.pm-form")
    assert page.url.endswith("/my-company")
    await assert_accessible(page)

    await page.goto("/my-company/conduct")
    await assert_accessible(page)
    assert "MPL-2.0" in await page.locator("main").inner_text()
    await page.fill("#field-signer_title", "Direktør")
    await page.check("#field-accept")
    await _submit(page, "form.pm-form")
    assert "/my-company/signatures/" in page.url
    await assert_accessible(page)
    await _submit(page, "form[action='/logout']")

    await page.goto("/partners")
    assert name not in await page.locator("main").inner_text()

    await page.goto("/login")
    await page.fill("#field-email", "sekretariat@demo.os2.dk")
    await page.fill("#field-password", DEMO_PASSWORD)
    await _submit(page, "main form")
    await page.goto("/secretariat/conduct")
    await assert_accessible(page)
    row = page.locator("tr", has_text=name)
    async with page.expect_navigation():
        await row.locator("form[action$='/countersign'] button").click()
    await assert_accessible(page)
    await page.goto("/secretariat/vendors")
    await assert_accessible(page)

    await page.goto("/partners")
    assert name in await page.locator("main").inner_text()
    await assert_accessible(page)
    await page.goto("/conduct")
    await assert_accessible(page)
