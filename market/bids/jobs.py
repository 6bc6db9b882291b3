"""The bid jobs: coalesced receipts, the award's letters, and attachment retention."""

from __future__ import annotations

from typing import Any

from market.bids import evaluation, receipts, retention
from market.runners import JobFunction, Periodic


async def send_bid_receipts(ctx: dict[str, Any]) -> int:
    """The coalesced bid receipts whose quiet time has passed (one per bid per few minutes)."""
    return await receipts.send_due_receipts()


async def notify_award(ctx: dict[str, Any], task_id: int) -> int:
    """Tell every bidder the outcome of an award (one e-mail per bid, however often run)."""
    return await evaluation.notify_award(task_id)


async def purge_attachments(ctx: dict[str, Any]) -> int:
    """Delete removed and withdrawn bid attachments past their retention (idempotent, daily)."""
    settings = ctx["settings"]
    return await retention.purge_attachments(
        settings.upload_dir, settings.attachment_retention_days
    )


JOBS: dict[str, JobFunction] = {
    "send_bid_receipts": send_bid_receipts,
    "notify_award": notify_award,
    "purge_attachments": purge_attachments,
}
PERIODIC: list[Periodic] = [
    (send_bid_receipts, 1, {"second": 20}),
    (purge_attachments, 24 * 60, {"hour": 3, "minute": 25, "second": 0}),
]
