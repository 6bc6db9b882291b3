"""Bid attachments: bounded storage per vendor, and removed or withdrawn files leave the disk."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.bids import content as bids
from market.bids import retention
from market.bids.attachments import attachment_folder
from market.bids.models import Bid, BidAttachment
from market.bids.schemas import BidContent
from tests import factories, factories_bids

PDF = factories_bids.PDF


async def _form_post(client, task_id: int, values: dict, files=None):
    token = factories.csrf_from((await client.get(f"/tasks/{task_id}/bid")).text)
    return await client.post(
        f"/tasks/{task_id}/bid", data={"csrf_token": token, **values}, files=files
    )


def _values(**overrides: str) -> dict[str, str]:
    body = factories_bids.bid_body()
    values = {k: str(v) for k, v in body.items() if k != "team"}
    values.update(team="Anne Udvikler: udvikler", action="submit", **overrides)
    return values


async def test_a_vendor_whose_storage_is_full_is_told_and_keeps_the_form(client, settings):
    scene = await factories_bids.scene()
    other = await factories_bids.published_task(scene.coordinator, await scene.task.solution)
    earlier = await factories_bids.place_bid(client, scene.admin, other)
    # The vendor's other bid already holds nearly all it may store.
    await BidAttachment.create(
        bid_id=earlier["id"],
        file_name="arkiv.pdf",
        stored_name="x" * 32,
        size=settings.vendor_storage_bytes - 10,
        sha256="0" * 64,
    )
    await factories.login(client, scene.admin)
    answer = await _form_post(
        client,
        scene.task.id,
        _values(approach="Vores tilgang"),
        files={"attachments": ("plan.pdf", PDF, "application/pdf")},
    )
    assert answer.status_code == 422, answer.text[:300]
    assert "må gemme" in answer.text and "Vores tilgang" in answer.text
    assert not await Bid.filter(task_id=scene.task.id).exists()


async def test_removed_and_withdrawn_attachments_leave_the_disk_after_the_retention(
    client, settings
):
    scene = await factories_bids.scene(hours=24 * 40)
    options = {"upload_dir": settings.upload_dir, "max_bytes": settings.max_upload_bytes}
    upload = bids.Upload(file_name="plan.pdf", data=PDF)
    kept = await bids.submit_bid(
        scene.task.id, factories_bids.bid_data(), actor=scene.admin, uploads=[upload], **options
    )
    first = await BidAttachment.get(bid_id=kept.id)
    await bids.revise_bid(
        kept.id, BidContent(), actor=scene.admin, uploads=[upload], remove_ids=[first.id], **options
    )
    live = await BidAttachment.get(bid_id=kept.id, removed_at__isnull=True)
    gone = await bids.submit_bid(
        scene.task.id,
        factories_bids.bid_data(),
        actor=scene.other_admin,
        uploads=[upload],
        **options,
    )
    await bids.withdraw_bid(gone.id, actor=scene.other_admin)
    withdrawn = await BidAttachment.get(bid_id=gone.id)
    folder = attachment_folder(settings.upload_dir)
    files = {a.id: folder / a.stored_name for a in (first, live, withdrawn)}
    assert all(path.exists() for path in files.values())

    assert await retention.purge_attachments(settings.upload_dir, 0) == 0  # kept by default
    assert await retention.purge_attachments(settings.upload_dir, 30) == 0  # not due yet
    clock.shift(dt.timedelta(days=31))
    assert await retention.purge_attachments(settings.upload_dir, 30) == 2
    assert not files[first.id].exists() and not files[withdrawn.id].exists()
    assert files[live.id].exists(), "the bid's current attachment stays"
    assert await BidAttachment.filter(purged_at__isnull=False).count() == 2
    assert await retention.purge_attachments(settings.upload_dir, 30) == 0  # idempotent
    files[live.id].unlink()
