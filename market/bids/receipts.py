"""Bid receipts by mail: at once for a first submission, coalesced during a storm of
revisions (one receipt of the version that counts, a few minutes later).
"""

from __future__ import annotations

import datetime as dt

from tortoise.expressions import Q

from market import clock
from market.accounts.models import User
from market.bids.models import Bid, BidRevision, BidStatus
from market.mail.services import queue_mail
from market.tasks.models import Task

RECEIPT_EVERY = dt.timedelta(minutes=3)


async def receipt_mail(bid: Bid, revision: BidRevision, actor: User, task: Task) -> None:
    """A receipt at once for the first submission in a while; during a storm of revisions
    the bid is marked and `send_due_receipts` sends one receipt of the last version later."""
    if revision.kind != BidStatus.SUBMITTED:
        return
    now = clock.now()
    quiet = Q(receipt_sent_at__isnull=True) | Q(receipt_sent_at__lte=now - RECEIPT_EVERY)
    claimed = await Bid.filter(quiet, id=bid.id).update(receipt_sent_at=now, receipt_due=False)
    if not claimed:
        await Bid.filter(id=bid.id).update(receipt_due=True)
        return
    await _queue_receipt(bid, revision, actor, task)


async def _queue_receipt(bid: Bid, revision: BidRevision, actor: User, task: Task) -> None:
    await queue_mail(
        to=actor.email,
        template="bids/receipt",
        key=f"bid-receipt:{revision.id}",
        language=actor.language,
        user=actor,
        task=task,
        bid=bid,
        revision=revision,
    )


async def send_due_receipts(at: dt.datetime | None = None) -> int:
    """Send the coalesced receipts whose quiet time has passed: each names the version that
    counts now (the last submitted), to whoever submitted it. Safe to run twice."""
    at = at or clock.now()
    due = await Bid.filter(receipt_due=True, receipt_sent_at__lte=at - RECEIPT_EVERY)
    sent = 0
    for bid in due:
        claimed = await Bid.filter(id=bid.id, receipt_due=True).update(
            receipt_due=False, receipt_sent_at=at
        )
        if not claimed or bid.withdrawn_at is not None or bid.submitted_revision_id is None:
            continue
        revision = await BidRevision.get(id=bid.submitted_revision_id)
        author = await User.get_or_none(id=revision.created_by_id)
        if author is None:
            continue
        await _queue_receipt(bid, revision, author, await Task.get(id=bid.task_id))
        sent += 1
    return sent
