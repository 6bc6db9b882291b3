"""A vendor sets its alerts on /account/alerts and unsubscribes from a mail, in both languages,
without accessibility violations."""

from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.test_accounts import sign_in

pytestmark = pytest.mark.browser

VENDOR = "nordlys-digital@demo-vendor.dk"


async def test_alert_settings_in_danish_and_english(page) -> None:
    await sign_in(page, VENDOR)
    await page.goto("/account/alerts")
    await assert_accessible(page)
    assert await page.get_by_label("En daglig oversigt").is_checked(), "the default"

    await page.get_by_label("Med det samme, én e-mail pr. opgave").check()
    await page.get_by_label("Mindste budget (kr.)").fill("mange")
    await page.get_by_role("button", name="Gem indstillinger for beskeder").click()
    await page.wait_for_load_state()
    assert await page.locator("#error-summary").count() == 1
    assert await page.get_by_label("Med det samme, én e-mail pr. opgave").is_checked()
    await assert_accessible(page)

    await page.get_by_label("Mindste budget (kr.)").fill("40000")
    await page.get_by_label("Tilføj en kompetence").fill("72000000")
    await page.get_by_role("button", name="Gem indstillinger for beskeder").click()
    await page.wait_for_load_state()
    assert "gemt" in await page.locator(".pm-flash").inner_text()
    assert (
        "72000000" in await page.get_by_label("Kun opgaver med disse kompetencekoder").input_value()
    )

    await page.get_by_label("Ord, opgaven skal indeholde").fill("eksport")
    await page.get_by_role("button", name="Gem søgning").click()
    await page.wait_for_load_state()
    assert "eksport" in await page.get_by_role("main").inner_text()
    await assert_accessible(page)

    await page.get_by_role("button", name="English").click()
    await page.wait_for_load_state()
    assert await page.get_by_role("heading", level=1).inner_text() == "Alerts and feeds"
    assert await page.get_by_label("At once, one e-mail per task").is_checked()
    await assert_accessible(page)


async def test_unsubscribe_from_a_digest_without_signing_in(page, live_server) -> None:
    await sign_in(page, VENDOR)
    await page.goto("/account/alerts")
    calendar = await page.locator("code").first.inner_text()
    assert calendar.endswith("/calendar.ics")
    # The development outbox shows a signed-in user their own mail (and nobody else's): the
    # instant alert of the demo went to Aarhus Kodeværksted.
    await page.context.clear_cookies()
    await sign_in(page, "aarhus-kodevaerksted@demo-vendor.dk")
    await page.goto("/dev/outbox")
    body = await page.content()
    links = re.findall(r"/dev/outbox/\d+", body)
    assert links, "the demo sent mail"
    # An unsubscribe link from any alert mail of the demo (the instant alert to Aarhus).
    for link in links:
        await page.goto(link)
        text = await page.locator("main").inner_text()
        found = re.search(r"https?://\S+(/alerts/unsubscribe/\S+)", text)
        if found:
            break
    else:
        raise AssertionError("no alert mail with an unsubscribe link in the outbox")
    await page.context.clear_cookies()
    await page.goto(found.group(1))
    await assert_accessible(page)
    await page.get_by_role("button", name="Afmeld").click()
    await page.wait_for_load_state()
    assert "får ikke flere beskeder" in await page.get_by_role("main").inner_text()
    await assert_accessible(page)
