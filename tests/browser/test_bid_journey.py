"""The bid journey in a real browser: a vendor bids and revises, the deadline
passes (the server's clock is moved, nobody waits), the coordinator declares no conflict,
evaluates, awards and rates the delivery. Every page passes axe (WCAG 2.1 AA)."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from typing import Any

import pytest

from market.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible

pytestmark = pytest.mark.browser

VENDOR = "aarhus-kodevaerksted@demo-vendor.dk"
COORDINATOR = "koordinator@demo.os2.dk"


def _api(base: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    request = urllib.request.Request(
        f"{base}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


def _task_closing_in(base: str, seconds: int) -> tuple[int, float]:
    token = _api(base, "POST", "/auth/token", {"email": COORDINATOR, "password": DEMO_PASSWORD})[
        "token"
    ]
    solutions = _api(base, "GET", "/solutions")["items"]
    kitos = next(s for s in solutions if s["name"] == "OS2kitos")
    deadline = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=seconds)
    task = _api(
        base,
        "POST",
        "/tasks",
        {
            "solution_id": kitos["id"],
            "title": "Browsertest: rapport over udløbne kontrakter",
            "description": "En rapport over kontrakter, der udløber inden for 90 dage.",
            "required": ["72000000"],
            "estimate_hours": 40,
            "budget_dkk": 40000,
            "bid_deadline": deadline.isoformat(),
            "delivery_date": (deadline.date() + dt.timedelta(days=60)).isoformat(),
            "funding": [{"municipality": "Syddjurs", "amount_dkk": 40000}],
        },
        token,
    )
    _api(base, "POST", f"/tasks/{task['id']}/publish", None, token)
    return int(task["id"]), deadline.timestamp()


async def _login(page: Any, email: str) -> None:
    await page.goto("/login")
    await page.fill("#field-email", email)
    await page.fill("#field-password", DEMO_PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_load_state()


async def test_bid_revise_deadline_declare_score_award_and_rate(
    page: Any, live_server: str
) -> None:
    task_id, deadline = _task_closing_in(live_server, 3600)
    try:
        await _journey(page, task_id, deadline)
    finally:
        await _move_clock(page, None)  # the other browser tests share this server


async def _move_clock(page: Any, seconds: int | None) -> None:
    """Move the server's clock on its development page (None: back to the real time)."""
    await page.goto("/dev/clock")
    if seconds is None:
        await page.click("button[value=reset]")
    else:
        await page.fill("#field-seconds", str(seconds))
        await page.click("button[value=shift]")
    await page.wait_for_url("**/dev/clock")


async def _journey(page: Any, task_id: int, deadline: float) -> None:
    await _login(page, VENDOR)
    await page.goto("/opportunities")
    await assert_accessible(page)
    await page.click(f"a[href='/tasks/{task_id}/bid']")
    await assert_accessible(page)
    await page.fill("#field-price_dkk", "39000")
    await page.fill("#field-hours", "38")
    await page.fill("#field-delivery_date", (dt.date.today() + dt.timedelta(days=50)).isoformat())
    await page.fill("#field-approach", "Rapporten bygges som en ny visning med filtre.")
    await page.fill("#field-team", "Anne Jensen: udvikler")
    await page.click("button[value=submit]")
    await page.wait_for_url("**/bids/*")
    assert await page.inner_text("#bid-status") in ("indsendt", "submitted")
    first_hash = await page.inner_text("#bid-hash")
    await assert_accessible(page)
    await page.click(f"a[href='/tasks/{task_id}/bid']")
    await page.fill("#field-price_dkk", "37500")
    await page.click("button[value=submit]")
    await page.wait_for_url("**/bids/*")
    assert await page.inner_text("#bid-hash") != first_hash
    assert "37.500" in await page.inner_text("#bid-price")
    bid_url = page.url
    await page.click("a[href$='/receipts/2']")
    await assert_accessible(page)
    await page.goto("/my-bids")
    await assert_accessible(page)

    await _move_clock(page, int(deadline - time.time()) + 60)  # the deadline passes
    await assert_accessible(page)
    await page.goto(bid_url)
    assert await page.locator("form[action$='/withdraw']").count() == 0

    await page.context.clear_cookies()
    await _login(page, COORDINATOR)
    await page.goto(f"/tasks/{task_id}")
    await page.click(f"a[href='/tasks/{task_id}/evaluation']")
    await assert_accessible(page)
    # Nothing is preselected: the evaluator sees the bidders' names and chooses.
    assert await page.locator("input[name='conflict_vendor_id']").count() >= 1
    await page.check("#declaration-none")
    await page.click("form[action$='/declaration'] button[type=submit]")
    await page.wait_for_url(f"**/tasks/{task_id}/evaluation")
    assert await page.locator("#ranking").count() == 1
    await assert_accessible(page)
    await page.fill("input[name='score:quality of approach']", "8")
    await page.fill("input[name='score:delivery time']", "7")
    await page.click("form[action$='/scores'] button[type=submit]")
    await page.wait_for_url(f"**/tasks/{task_id}/evaluation")
    await page.fill("#field-justification", "Eneste bud og en god tilgang.")
    await page.click("form[action$='/award'] button[type=submit]")
    await page.wait_for_url(f"**/tasks/{task_id}/award")
    assert "Eneste bud og en god tilgang." in await page.inner_text(".pm-confirm-values")
    await assert_accessible(page)
    await page.click("form.pm-confirm-form button[type=submit]")
    await page.wait_for_url(f"**/tasks/{task_id}/evaluation")
    assert await page.locator("#award-state").count() == 1
    await assert_accessible(page)
    # Nothing is preselected in the delivery form: each answer is chosen.
    assert await page.input_value("#field-quality") == ""
    await page.check("#field-accepted-yes")
    await page.check("#field-on_time-no")
    await page.select_option("#field-quality", "4")
    await page.click("form[action$='/delivery'] button[type=submit]")
    await page.wait_for_url(f"**/tasks/{task_id}/delivery")
    await page.click("form.pm-confirm-form button[type=submit]")
    await page.wait_for_url(f"**/tasks/{task_id}/evaluation")
    assert await page.locator("#delivery-state").count() == 1
    await assert_accessible(page)

    await page.context.clear_cookies()
    await _login(page, VENDOR)
    await page.goto(bid_url)
    assert "Eneste bud og en god tilgang." in await page.inner_text("#award-justification")
    assert await page.locator("#delivery-rating").count() == 1
    await assert_accessible(page)
