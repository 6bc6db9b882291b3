"""Sign in, switch role, reset the password and sign out in a real browser, with axe checks."""

from __future__ import annotations

import re

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


async def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mailadresse").fill(email)
    await page.get_by_label("Adgangskode").fill(password)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()


async def test_sign_in_switch_role_and_sign_out(page) -> None:
    await page.goto("/login")
    await assert_accessible(page)
    await sign_in(page, "koordinator@demo.os2.dk", "wrong-password-here")
    assert "forkert" in await page.locator("#error-summary").inner_text()
    await assert_accessible(page)

    await sign_in(page, "koordinator@demo.os2.dk")
    assert await page.locator(".pm-flash").inner_text() == "Du er logget ind."
    await assert_accessible(page)
    await page.get_by_label("Vis som").select_option("municipality")
    await page.get_by_role("button", name="Skift").click()
    await page.wait_for_load_state()
    assert await page.get_by_label("Vis som").input_value() == "municipality"

    await page.goto("/account")
    await assert_accessible(page)
    await page.get_by_role("button", name="Log ud", exact=True).click()
    await page.wait_for_load_state()
    assert await page.locator(".pm-flash").inner_text() == "Du er logget ud."
    await page.goto("/account")
    assert "/login" in page.url


async def test_password_reset_in_the_browser(page) -> None:
    await page.goto("/password/forgot")
    await assert_accessible(page)
    await page.get_by_label("E-mailadresse").fill("kommune@demo.os2.dk")
    await page.get_by_role("button", name="Send linket").click()
    await page.wait_for_load_state()
    # The development outbox shows mail only to its recipient (and the secretariat, without
    # secrets): anonymous visitors get a 404, so the owner reads it signed in.
    assert (await page.goto("/dev/outbox")).status == 404
    await sign_in(page, "kommune@demo.os2.dk")
    await page.goto("/dev/outbox")
    await page.get_by_role("link", name="Nulstil din adgangskode").first.click()
    body = await page.locator(".pm-mail").inner_text()
    link = re.search(r"(/password/reset/[\w-]+)", body).group(1)
    await page.context.clear_cookies()
    await page.goto(link)
    await assert_accessible(page)
    new_password = "Kaffe-Kande-Cykel-Tromme-9"
    await page.get_by_label("Ny adgangskode").fill(new_password)
    await page.get_by_label("Gentag den nye adgangskode").fill(new_password)
    await page.get_by_role("button", name="Gem adgangskoden").click()
    await page.wait_for_load_state()
    assert "/login" in page.url
    await sign_in(page, "kommune@demo.os2.dk", new_password)
    assert await page.locator(".pm-flash").inner_text() == "Du er logget ind."
