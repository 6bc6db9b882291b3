"""Bidding: submit, drafts, revisions with hashes, withdrawal, the deadline to the
second, one live bid per vendor, eligibility, receipts and a clean audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from market import clock
from market.audit.models import AuditEvent
from market.bids.models import Bid, BidRevision
from market.mail.models import OutboxMessage
from tests import factories, factories_bids, factories_conduct


def canonical_hash(content: dict) -> str:
    raw = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


async def test_a_submitted_bid_carries_the_hash_of_exactly_what_was_submitted(
    client, run_jobs
) -> None:
    scene = await factories_bids.scene()
    data = await factories_bids.place_bid(client, scene.admin, scene.task, price_dkk=271828)
    assert data["status"] == "submitted" and data["draft"] is False
    assert data["price_dkk"] == 271828 and data["team"][0]["name"] == "Anne Udvikler"
    revision = await BidRevision.get(bid_id=data["id"], number=1)
    assert data["sha256"] == revision.sha256 == canonical_hash(revision.content)
    assert revision.content["approach"].startswith("Vi bygger")
    await run_jobs()
    mail = await OutboxMessage.get(idempotency_key=f"bid-receipt:{revision.id}")
    assert mail.to_email == scene.admin.email and revision.sha256 in mail.body_text
    # No price in the mail, however written (a bare "85" matched ids and counters too).
    for written in ("271828", "271.828", "271,828"):
        assert written not in mail.body_text and written not in (mail.body_html or ""), written


async def test_audit_events_of_bids_hold_ids_and_hashes_never_contents(client) -> None:
    scene = await factories_bids.scene()
    data = await factories_bids.place_bid(
        client, scene.admin, scene.task, approach="Hemmelig metode XYZ"
    )
    headers = await factories.bearer(client, scene.admin)
    await client.put(f"/api/v1/bids/{data['id']}", json={"price_dkk": 77777}, headers=headers)
    events = await AuditEvent.filter(object_type="bid", object_id=str(data["id"]))
    assert {e.action for e in events} == {"bid.submitted", "bid.revised"}
    text = json.dumps([[e.before, e.after, e.note] for e in events])
    assert "Hemmelig" not in text and "77777" not in text and "85000" not in text
    assert data["sha256"] in text


async def test_drafts_do_not_count_until_submitted_and_history_is_kept(client) -> None:
    scene = await factories_bids.scene()
    headers = await factories.bearer(client, scene.admin)
    draft = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids",
        json={"price_dkk": 50000, "draft": True},
        headers=headers,
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["draft"] is True and draft.json()["status"] == "draft"
    bid_id = draft.json()["id"]
    submitted = await client.put(
        f"/api/v1/bids/{bid_id}", json=factories_bids.bid_body(price_dkk=60000), headers=headers
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    later_draft = await client.put(
        f"/api/v1/bids/{bid_id}", json={"price_dkk": 1, "draft": True}, headers=headers
    )
    assert later_draft.json()["draft"] is True and later_draft.json()["price_dkk"] == 1
    bid = await Bid.get(id=bid_id)
    assert bid.price_dkk == 60000 and bid.has_unsubmitted_changes  # the submitted one counts
    assert [r["kind"] for r in later_draft.json()["revisions"]] == ["draft", "submitted", "draft"]


async def test_a_bid_one_second_late_is_refused_and_the_submitted_version_stands(
    client,
) -> None:
    scene = await factories_bids.scene()
    data = await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.admin)
    clock.shift(scene.task.bid_deadline - clock.now() - dt.timedelta(seconds=1))
    in_time = await client.put(
        f"/api/v1/bids/{data['id']}", json={"price_dkk": 80000}, headers=headers
    )
    assert in_time.status_code == 200, in_time.text  # the last second still counts
    clock.shift(dt.timedelta(seconds=2))  # now one second after the deadline
    late = await client.put(
        f"/api/v1/bids/{data['id']}?lang=en", json={"price_dkk": 70000}, headers=headers
    )
    assert late.status_code == 409
    assert "closed" in late.json()["message"].lower()
    other = await factories.bearer(client, scene.other_admin)
    late_new = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids", json=factories_bids.bid_body(), headers=other
    )
    assert late_new.status_code == 409
    withdraw = await client.delete(f"/api/v1/bids/{data['id']}", headers=headers)
    assert withdraw.status_code == 409
    bid = await Bid.get(id=data["id"])
    assert bid.price_dkk == 80000 and bid.revisions_count == 2 and bid.withdrawn_at is None
    assert not await Bid.exists(task_id=scene.task.id, vendor_id=scene.other_vendor.id)


async def test_exactly_at_the_deadline_bidding_is_closed(client) -> None:
    scene = await factories_bids.scene()
    factories_bids.pass_deadline(scene.task, dt.timedelta(0))
    headers = await factories.bearer(client, scene.admin)
    response = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids", json=factories_bids.bid_body(), headers=headers
    )
    assert response.status_code == 409


async def test_one_live_bid_per_vendor_and_a_rebid_revives_the_row(client) -> None:
    scene = await factories_bids.scene()
    data = await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.admin)
    again = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids?lang=en",
        json=factories_bids.bid_body(),
        headers=headers,
    )
    assert again.status_code == 409 and "revise" in again.json()["message"]
    withdrawn = await client.delete(f"/api/v1/bids/{data['id']}", headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await client.delete(f"/api/v1/bids/{data['id']}", headers=headers)).status_code == 409
    revived = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids",
        json=factories_bids.bid_body(price_dkk=99000),
        headers=headers,
    )
    assert revived.status_code == 201, revived.text
    assert revived.json()["id"] == data["id"] and revived.json()["revision"] == 2
    assert revived.json()["status"] == "submitted" and revived.json()["price_dkk"] == 99000
    assert await Bid.filter(task_id=scene.task.id, vendor_id=scene.vendor.id).count() == 1


async def test_a_vendor_that_has_not_signed_the_code_of_conduct_is_refused_with_the_reason(
    client,
) -> None:
    scene = await factories_bids.scene()
    _vendor, unsigned = await factories_conduct.vendor()
    headers = await factories.bearer(client, unsigned)
    response = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids", json=factories_bids.bid_body(), headers=headers
    )
    assert response.status_code == 403
    assert "version 1" in response.json()["message"]  # "Code of Conduct version 1 is not ..."


async def test_invalid_fields_are_named(client) -> None:
    scene = await factories_bids.scene()
    headers = await factories.bearer(client, scene.admin)
    response = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids",
        json={"price_dkk": "lots", "hours": 0, "delivery_date": "soon", "team": "everyone"},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) >= {
        "price_dkk",
        "hours",
        "delivery_date",
        "approach",
        "team",
    }
    assert not await Bid.exists(task_id=scene.task.id)


async def test_unpublished_and_unknown_tasks_are_not_found(client) -> None:
    coordinator, solution = await __import__(
        "tests.factories_tasks", fromlist=["x"]
    ).coordinator_of()
    from tests import factories_tasks

    draft = await factories_tasks.task(coordinator, solution)
    _vendor, admin = await factories_conduct.active_vendor()
    headers = await factories.bearer(client, admin)
    for task_id in (draft.id, 999999):
        response = await client.post(
            f"/api/v1/tasks/{task_id}/bids", json=factories_bids.bid_body(), headers=headers
        )
        assert response.status_code == 404


async def test_my_bids_lists_only_my_companys_bids(client) -> None:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task)
    await factories_bids.place_bid(client, scene.other_admin, scene.task)
    headers = await factories.bearer(client, scene.admin)
    listed = (await client.get("/api/v1/bids", headers=headers)).json()
    assert [b["id"] for b in listed["items"]] == [mine["id"]] and listed["total"] == 1
    await factories.login(client, scene.admin)
    page = await client.get("/my-bids")
    assert page.status_code == 200 and scene.task.title in page.text
