"""A vendor builds a complete competency profile with the keyboard alone, without violations."""

from __future__ import annotations

import json
import secrets
import urllib.request

import pytest

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "Browser-Vendor-Profile-2026!"
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def _valid_cvr() -> str:
    """A CVR number that passes the modulus-11 check."""
    while True:
        base = str(secrets.randbelow(9_000_000) + 1_000_000)
        for last in range(10):
            cvr = base + str(last)
            if sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0:
                return cvr


def _register_vendor(base: str) -> str:
    email = f"profil-{secrets.token_hex(3)}@browser-test.dk"
    body = {
        "name": "Tastaturet ApS",
        "cvr": _valid_cvr(),
        "email": email,
        "password": PASSWORD,
        "contact_name": "Tove Tastatur",
        "employees": 6,
    }
    request = urllib.request.Request(
        f"{base}/api/v1/vendors",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
    return email


async def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has the focus (fails if never)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


async def pick(page, text: str, code: str) -> None:
    await tab_to(page, "#competency-search")
    await page.keyboard.type(text)
    option = page.locator("#competency-options [role=option]", has_text=code).first
    await option.wait_for()
    while await option.get_attribute("aria-selected") != "true":
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await page.locator(f'#competency-chosen li[data-code="{code}"]').wait_for()


async def test_vendor_builds_a_complete_profile_with_the_keyboard(page, live_server) -> None:
    email = _register_vendor(live_server)
    await page.goto("/login")
    await tab_to(page, "#field-email")
    await page.keyboard.type(email)
    await tab_to(page, "#field-password")
    await page.keyboard.type(PASSWORD)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")

    await tab_to(page, 'nav a[href="/vendor/profile"]')
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert await page.locator("#completeness-meter").get_attribute("value") != "100"
    await assert_accessible(page)

    await tab_to(page, "#field-profile_text")
    await page.keyboard.type(
        "Vi udvikler selvbetjeningsløsninger i Drupal og OS2forms til "
        "kommuner og tester altid for tilgængelighed."
    )
    await tab_to(page, "#field-hourly_rate_dkk")
    await page.keyboard.type("900")
    await tab_to(page, "#field-capacity_hours_per_month")
    await page.keyboard.type("160")
    await tab_to(page, "#field-team_size")
    await page.keyboard.type("5")
    await tab_to(page, "#language-da")
    await page.keyboard.press("Space")

    await tab_to(page, "#competency-search")
    await page.keyboard.type("applikationsprogrammel")
    await page.locator("#competency-options [role=option]").first.wait_for()
    await assert_accessible(page)  # with the list of options open
    await page.keyboard.press("Escape")
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Backspace")
    await pick(page, "applikationsprogrammel", "72212000")
    await pick(page, "django", "tech:django")
    await pick(page, "OS2forms", "os2:os2forms")
    # Level "expert" for the CPV code, with the arrow keys on its select.
    await tab_to(page, '#competency-chosen li[data-code="72212000"] select')
    await page.keyboard.press("ArrowDown")
    assert (
        await page.locator('#competency-chosen li[data-code="72212000"] select').input_value()
        == "expert"
    )

    await tab_to(page, "#field-ref-0-title")
    await page.keyboard.type("Selvbetjening til byggesager")
    await tab_to(page, "#field-ref-0-customer")
    await page.keyboard.type("Syddjurs Kommune")
    await tab_to(page, "#field-ref-0-year")
    await page.keyboard.type("2024")
    await tab_to(page, "#field-ref-0-codes")
    await page.keyboard.type("os2:os2forms")
    await assert_accessible(page)
    await tab_to(page, ".pm-profile-form button[type=submit]")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.endswith("/vendor/profile")

    assert await page.locator("#completeness-meter").get_attribute("value") == "100"
    chosen = page.locator("#competency-chosen li[data-code]")
    assert await chosen.count() == 3
    assert (
        await page.locator('#competency-chosen li[data-code="72212000"] select').input_value()
        == "expert"
    )
    await assert_accessible(page)

    await page.goto("/directory?code=72000000")
    assert await page.get_by_role("link", name="Tastaturet ApS").count() == 1
    await assert_accessible(page)
    await page.get_by_role("link", name="Tastaturet ApS").click()
    await page.wait_for_load_state()
    assert "72212000" in await page.locator("main").inner_text()
    await assert_accessible(page)
