"""Evidence from the code on the public profile, in the directory and on the shortlist, in
Danish and English, without accessibility violations."""

from __future__ import annotations

import re

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser


async def open_fjordsoft_profile(page) -> None:
    await page.goto("/directory?q=Fjordsoft")
    await page.get_by_role("link", name="Fjordsoft ApS").click()
    await page.wait_for_load_state()


async def test_profile_and_directory_show_contributions_in_both_languages(page) -> None:
    await page.goto("/directory?q=Fjordsoft")
    row = page.locator("table.pm-directory tbody tr").first
    text = await row.inner_text()
    assert re.search(r"\d+ commits til OS2kitos siden 2023, senest i \w+; TypeScript, Python", text)
    chart = row.get_by_role("img")
    assert "Commits til OS2kitos pr. måned" in (await chart.get_attribute("aria-label") or "")
    await assert_accessible(page)

    await open_fjordsoft_profile(page)
    heading = page.get_by_role("heading", name="Bidrag til produkterne")
    assert await heading.is_visible()
    figure = page.locator("figure.pm-contribution").first
    assert "commits til OS2kitos siden 2023" in await figure.locator("figcaption").inner_text()
    # The text alternative: the chart's months as a table, on demand.
    await figure.get_by_text("Commits pr. måned som tabel").click()
    table = figure.get_by_role("table")
    assert await table.is_visible()
    assert await table.locator("tbody tr").count() >= 12
    await assert_accessible(page)

    await page.goto(page.url.split("?")[0] + "?lang=en")
    figure = page.locator("figure.pm-contribution").first
    caption = await figure.locator("figcaption").inner_text()
    assert re.search(r"\d+ commits to OS2kitos since 2023, most recently in \w+", caption)
    await assert_accessible(page)
    await page.goto("/directory?q=Fjordsoft")
    assert "commits to OS2kitos since 2023" in await page.locator("table.pm-directory").inner_text()
    await assert_accessible(page)


async def test_the_shortlist_says_who_has_contributed_to_the_product(page) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mailadresse").fill("koordinator@demo.os2.dk")
    await page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()
    await page.goto("/tasks")
    await page.get_by_role("link", name="Eksport af kontraktoversigten til Excel").first.click()
    await page.wait_for_load_state()
    await page.get_by_role("link", name="Se shortlisten over egnede leverandører").click()
    await page.wait_for_load_state()
    entry = page.locator(".pm-shortlist-entry", has_text="Fjordsoft ApS").first
    await entry.locator("summary").first.click()
    assert "har bidraget til OS2kitos" in await entry.inner_text()
    await assert_accessible(page)
    await page.goto(page.url.split("?")[0] + "?lang=en")
    entry = page.locator(".pm-shortlist-entry", has_text="Fjordsoft ApS").first
    await entry.locator("summary").first.click()
    assert "has contributed to OS2kitos" in await entry.inner_text()
    await assert_accessible(page)


async def sign_in(page, email: str) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mailadresse").fill(email)
    await page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state()


async def test_a_vendor_declares_its_domain_and_the_secretariat_confirms_it(browser, live_server):
    vendor = await browser.new_context(base_url=live_server, locale="da-DK")
    page = await vendor.new_page()
    await sign_in(page, "moen-web-data@demo-vendor.dk")
    await page.goto("/vendor/identities")
    await assert_accessible(page)
    await page.get_by_label("E-maildomæner").fill("moen-web.dk")
    await page.get_by_label("Forfatteradresser eller -navne").fill("Mette Møn")
    await page.get_by_role("button", name="Gem identiteterne").click()
    await page.wait_for_load_state()
    table = await page.get_by_role("table").first.inner_text()
    assert "moen-web.dk" in table and "m… m…" in table and "venter på sekretariatet" in table
    await assert_accessible(page)
    await vendor.close()

    staff = await browser.new_context(base_url=live_server, locale="da-DK")
    page = await staff.new_page()
    await sign_in(page, "sekretariat@demo.os2.dk")
    await page.goto("/secretariat/contributions?lang=en")
    assert "OS2kitos" in await page.get_by_role("table").first.inner_text()
    await assert_accessible(page)
    await page.get_by_role("button", name="Confirm the identities of Møn Web & Data").click()
    await page.wait_for_load_state()
    assert await page.get_by_text("Nothing waits for confirmation.").is_visible()
    await assert_accessible(page)
    await staff.close()
