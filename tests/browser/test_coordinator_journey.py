"""A coordinator's journey: wish -> release -> task -> publish -> answer a question, with no
accessibility violations on any page on the way."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "Demo-Partner-Market-2026"


async def _sign_in(page, email: str) -> None:
    await page.goto("/login")
    await page.fill("#field-email", email)
    await page.fill("#field-password", PASSWORD)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.wait_for_load_state()


async def test_coordinator_journey(page) -> None:
    await _sign_in(page, "koordinator@demo.os2.dk")
    await page.goto("/solutions")
    await assert_accessible(page)
    await page.get_by_role("link", name="OS2kitos").click()
    await page.wait_for_load_state()
    await assert_accessible(page)

    # A wish
    await page.locator("a[href$='/wishes/new']").click()
    await page.fill("#field-title", "Historik på systemansvarlig")
    await page.fill("#field-description", "Vis tidligere systemansvarlige og perioderne.")
    await assert_accessible(page)
    await page.locator("form[action$='/wishes/new'] button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Historik på systemansvarlig"
    await assert_accessible(page)

    # A release with the wish in its cut
    await page.goto("/releases")
    await assert_accessible(page)
    await page.locator("a[href$='/releases/new']", has_text="OS2kitos").click()
    await page.fill("#field-name", "Browser-release")
    target = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    await page.fill("#field-target_date", target)
    await page.locator("form[action$='/releases/new'] button[type=submit]").click()
    await page.wait_for_load_state()
    await page.get_by_label("Historik på systemansvarlig").first.check()
    await page.locator("form[action$='/wishes'] button[type=submit]").click()
    await page.wait_for_load_state()
    assert "Historik på systemansvarlig" in await page.locator("main").inner_text()
    await assert_accessible(page)

    # A task, then publish it
    await page.goto("/tasks/new")
    await page.locator("a[href^='/tasks/new?solution_id=']").first.click()
    await page.wait_for_load_state()
    await page.fill("#field-title", "Historik på systemansvarlig i Kitos")
    await page.fill("#field-description", "Tidligere systemansvarlige vises med perioder.")
    # The competency picker (labels, not codes by heart) fills the required competencies.
    for query, code in (("72000000", "72000000"), ("python", "tech:python")):
        await page.fill("#required-search", query)
        await page.locator("#required-options [role=option]").first.wait_for()
        await page.keyboard.press("Enter")
        await page.locator(f"#required-chosen li[data-code='{code}']").wait_for()
    assert await page.input_value("#field-required") == "72000000, tech:python"
    assert "pris: 40" in await page.input_value("#field-criteria")
    await page.fill("#field-estimate_hours", "60")
    await page.fill("#field-budget_dkk", "50000")
    deadline = dt.datetime.now() + dt.timedelta(days=20)
    await page.fill("#field-bid_deadline", deadline.strftime("%Y-%m-%dT12:00"))
    await page.fill("#field-delivery_date", (deadline + dt.timedelta(days=60)).strftime("%Y-%m-%d"))
    await page.fill("#field-funding", "Syddjurs: 50000")
    await assert_accessible(page)
    await page.locator("form[action='/tasks/new'] button[type=submit]").click()
    await page.wait_for_load_state()
    await assert_accessible(page)
    await page.locator("form[action$='/publish'] button").click()
    await page.wait_for_load_state()
    # Publishing cannot be undone: a page of its own says what happens, then it is done.
    assert "Det kan ikke fortrydes." in await page.inner_text("main")
    await assert_accessible(page)
    await page.locator("form.pm-confirm-form button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator("#task-status").inner_text() in ("offentliggjort", "published")
    await assert_accessible(page)

    # Answer the demo vendor's question on the open demo task
    await page.goto("/tasks")
    await assert_accessible(page)
    await page.get_by_role("link", name="Eksport af kontraktoversigten til Excel").first.click()
    await page.wait_for_load_state()
    answer = page.locator("textarea[id^='answer-']").first
    await answer.fill("Nej, kun aktive kontrakter.")
    await page.locator("form[action$='/answer'] button").first.click()
    await page.wait_for_load_state()
    assert (
        "Nej, kun aktive kontrakter."
        in await page.locator("#questions ~ .pm-qa").first.inner_text()
    )
    await assert_accessible(page)
