"""A vendor loses no work, in Danish and English: the page refuses a file over the limit
before sending it (naming the file and the limit), withdrawing asks first on a page of its own,
and bidding again opens the withdrawn bid's content. Every page passes axe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.test_bid_journey import VENDOR, _login, _task_closing_in

pytestmark = pytest.mark.browser

TOO_BIG = b"%PDF-1.4\n" + b"0" * 10_100_000 + b"\n%%EOF\n"


@pytest.mark.parametrize(
    ("language", "too_large", "withdraw", "again"),
    [
        ("da", "stor.pdf er større end 10 MB.", "Træk buddet tilbage", "Byd igen"),
        ("en", "stor.pdf is larger than 10 MB.", "Withdraw the bid", "Bid again"),
    ],
)
async def test_a_bid_survives_a_big_file_and_a_withdrawal(
    page: Any, live_server: str, language: str, too_large: str, withdraw: str, again: str
) -> None:
    task_id, _deadline = _task_closing_in(live_server, 3600)
    await _login(page, VENDOR)
    await page.goto(f"/tasks/{task_id}/bid?lang={language}")
    await page.fill("#field-price_dkk", "64000")
    await page.fill("#field-hours", "70")
    await page.fill("#field-delivery_date", "2099-01-31")
    await page.fill("#field-approach", "Vi genbruger rapportmodulet & tester grundigt.")
    await page.fill("#field-team", "Anne Udvikler: udvikler")
    await page.set_input_files(
        "#field-attachments",
        files=[{"name": "stor.pdf", "mimeType": "application/pdf", "buffer": TOO_BIG}],
    )
    await page.click("button[value=submit]")
    # Still on the form, nothing sent: the browser names the file and the limit.
    assert page.url.endswith(f"/tasks/{task_id}/bid?lang={language}")
    message = await page.eval_on_selector("#field-attachments", "el => el.validationMessage")
    assert message == too_large
    assert (
        await page.input_value("#field-approach")
        == "Vi genbruger rapportmodulet & tester grundigt."
    )
    await assert_accessible(page)

    await page.set_input_files("#field-attachments", files=[])
    await page.click("button[value=submit]")
    await page.wait_for_url("**/bids/*")
    bid_url = page.url
    await page.click("form[action$='/withdraw'] button[type=submit]")
    await page.wait_for_url("**/withdraw")
    await assert_accessible(page)
    await page.get_by_role("button", name=withdraw).click()
    await page.wait_for_url(bid_url)
    await page.get_by_role("link", name=again).click()
    await page.wait_for_load_state()
    assert await page.input_value("#field-price_dkk") == "64000"
    assert await page.input_value("#field-team") == "Anne Udvikler: udvikler"
    await assert_accessible(page)
