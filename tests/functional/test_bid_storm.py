"""A storm of bid revisions: each answer is the latest version with a count and one page of
the history, and the vendor gets one receipt per few minutes naming the last hash."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.bids.receipts import send_due_receipts
from market.mail.models import OutboxMessage
from tests import factories, factories_bids


async def test_a_revision_answers_the_latest_version_and_a_page_of_history(client) -> None:
    scene = await factories_bids.scene()
    data = await factories_bids.place_bid(client, scene.admin, scene.task, price_dkk=50000)
    headers = await factories.bearer(client, scene.admin)
    for n in range(1, 25):
        answer = await client.put(
            f"/api/v1/bids/{data['id']}", json={"price_dkk": 50000 + n}, headers=headers
        )
        assert answer.status_code == 200
    latest = answer.json()
    assert latest["revision"] == 25 and latest["revision_count"] == 25
    assert latest["price_dkk"] == 50024
    assert [r["number"] for r in latest["revisions"]] == list(range(6, 26))  # the newest 20
    assert latest["revisions_pages"] == 2
    older = (await client.get(f"/api/v1/bids/{data['id']}?page=2", headers=headers)).json()
    assert [r["number"] for r in older["revisions"]] == list(range(1, 6))
    assert older["price_dkk"] == 50024  # the content is always the latest
    await factories.login(client, scene.admin)
    page = await client.get(f"/bids/{data['id']}?page=2")
    assert page.status_code == 200 and f"/bids/{data['id']}/receipts/1" in page.text
    receipt = await client.get(f"/bids/{data['id']}/receipts/3")
    assert receipt.status_code == 200


async def test_receipts_are_coalesced_and_name_the_last_hash(client, run_jobs) -> None:
    scene = await factories_bids.scene()
    data = await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.admin)
    for n in range(10):
        await client.put(f"/api/v1/bids/{data['id']}", json={"hours": 100 + n}, headers=headers)
    await run_jobs()
    receipts = await OutboxMessage.filter(idempotency_key__startswith="bid-receipt:")
    assert len(receipts) == 1  # the first submission, at once
    assert await send_due_receipts() == 0  # still within the quiet time
    clock.shift(dt.timedelta(minutes=4))
    assert await send_due_receipts() == 1
    await run_jobs()
    last = (await client.get(f"/api/v1/bids/{data['id']}", headers=headers)).json()
    receipts = await OutboxMessage.filter(idempotency_key__startswith="bid-receipt:")
    assert len(receipts) == 2
    newest = max(receipts, key=lambda m: m.id)
    assert last["sha256"] in newest.body_text and last["revision"] == 11
    assert await send_due_receipts() == 0  # nothing new: nothing sent
