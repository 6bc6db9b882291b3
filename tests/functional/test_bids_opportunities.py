"""Opportunities: open tasks with why each fits and, where a vendor cannot bid,
why not; and two simultaneous submissions leave exactly one live bid."""

from __future__ import annotations

from market.bids.models import Bid
from market.competencies.models import VendorCompetency
from tests import factories, factories_bids, factories_conduct


async def test_opportunities_say_why_a_task_fits_and_why_not(client) -> None:
    scene = await factories_bids.scene()
    await VendorCompetency.create(vendor=scene.vendor, code="tech:python", level="expert")
    headers = await factories.bearer(client, scene.admin)
    listed = (await client.get("/api/v1/opportunities?lang=en", headers=headers)).json()
    item = next(i for i in listed["items"] if i["id"] == scene.task.id)
    assert item["can_bid"] is True and item["why_not"] == []
    assert any("tech:python" in r or "Python" in r for r in item["reasons"])
    assert {"items", "page", "total"} <= set(listed)
    # an unsigned vendor with too little capacity: both reasons are given
    unsigned, admin = await factories_conduct.vendor()
    unsigned.capacity_hours_per_month = 1
    await unsigned.save()
    headers = await factories.bearer(client, admin)
    listed = (await client.get("/api/v1/opportunities?lang=en", headers=headers)).json()
    item = next(i for i in listed["items"] if i["id"] == scene.task.id)
    assert item["can_bid"] is False
    assert any("is not signed" in r for r in item["why_not"])
    assert "no capacity before the delivery date" in item["why_not"]
    await factories.login(client, admin)
    page = await client.get("/opportunities?lang=en")
    assert page.status_code == 200 and "no capacity before the delivery date" in page.text


async def test_tasks_past_their_deadline_are_no_opportunity(client) -> None:
    scene = await factories_bids.scene()
    factories_bids.pass_deadline(scene.task)
    headers = await factories.bearer(client, scene.admin)
    listed = (await client.get("/api/v1/opportunities", headers=headers)).json()
    assert scene.task.id not in [i["id"] for i in listed["items"]]


async def test_a_second_submission_by_the_same_vendor_is_a_conflict(client) -> None:
    scene = await factories_bids.scene()
    await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.admin)
    second = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids", json=factories_bids.bid_body(), headers=headers
    )
    assert second.status_code == 409
    assert await Bid.filter(task_id=scene.task.id, vendor_id=scene.vendor.id).count() == 1
