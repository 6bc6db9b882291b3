"""Removed and withdrawn bid attachments leave the disk after the community's retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tortoise.expressions import Q

from market import clock
from market.audit.services import record
from market.bids.attachments import attachment_folder
from market.bids.models import BidAttachment
from market.db import transaction


async def purge_attachments(upload_dir: Path, retention_days: int) -> int:
    """Delete from disk the files of attachments removed from a bid, or of bids withdrawn,
    more than `retention_days` ago; the rows (name, size, hash) stay for the bid's history.
    0 days keeps them with the task's archive. Idempotent; returns how many files went."""
    if retention_days <= 0:
        return 0
    cutoff = clock.now() - dt.timedelta(days=retention_days)
    due = await BidAttachment.filter(
        Q(removed_at__lt=cutoff) | Q(bid__withdrawn_at__lt=cutoff), purged_at__isnull=True
    )
    folder = attachment_folder(upload_dir)
    for attachment in due:
        (folder / attachment.stored_name).unlink(missing_ok=True)
        async with transaction():
            await BidAttachment.filter(id=attachment.id).update(purged_at=clock.now())
            await record(
                "bid_attachment.purged",
                object_type="bid_attachment",
                object_id=attachment.id,
                after={"bid_id": attachment.bid_id, "size": attachment.size},
            )
    return len(due)
