"""Reading bids under the sealing rules: a vendor's own bid with its history, submitted
bids for evaluators after the deadline, attachments, receipts and the vendor's list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from market import clock, urls
from market.accounts.models import User
from market.bids import access
from market.bids.attachments import attachment_folder
from market.bids.bidders import own_vendor
from market.bids.content import FIELDS
from market.bids.models import Award, Bid, BidAttachment, BidRevision, BidStatus
from market.errors import NotFound
from market.i18n import gettext as _
from market.privacy.redaction import redact_team
from market.tasks.models import Task, TaskStatus
from market.vendors.models import Vendor


@dataclass
class BidView:
    bid: Bid
    task: Task
    as_vendor: bool  # the vendor's own users (see drafts and history)
    content: dict[str, Any]
    revisions: list[BidRevision]  # one page of the history, oldest first within it
    latest: BidRevision | None = None
    revision_count: int = 0
    history_page: int = 1
    history_pages: int = 1


HISTORY_PER_PAGE = 20


async def _history(bid: Bid, page: int) -> tuple[list[BidRevision], int]:
    """The `page`-th block of HISTORY_PER_PAGE revisions counted from the newest (page 1 ends
    with the latest), oldest first; and the number of pages."""
    count = bid.revisions_count or await BidRevision.filter(bid_id=bid.id).count()
    pages = max(1, -(-count // HISTORY_PER_PAGE))
    page = min(max(page, 1), pages)
    newest = await (
        BidRevision.filter(bid_id=bid.id)
        .order_by("-number")
        .offset((page - 1) * HISTORY_PER_PAGE)
        .limit(HISTORY_PER_PAGE)
    )
    return list(reversed(newest)), pages


async def readable_bid(bid_id: int, user: Any, history_page: int = 1) -> BidView:
    """A bid as `user` may see it; 404 for anyone who may not (never 403). Its own vendor gets
    the latest version, the count and one page of the history (not the whole history)."""
    bid = await Bid.get_or_none(id=bid_id).select_related("vendor", "task")
    if bid is None:
        raise NotFound(_("There is no such bid."))
    task = bid.task
    if access.is_vendor_user(user, bid.vendor.organisation_id):
        revisions, pages = await _history(bid, history_page)
        last = await BidRevision.filter(bid_id=bid.id).order_by("-number").first()
        content = await redact_team(dict(last.content), last.id) if last else {}
        count = last.number if last else 0
        page = min(max(history_page, 1), pages)
        return BidView(bid, task, True, content, revisions, last, count, page, pages)
    if (
        bid.status == BidStatus.SUBMITTED
        and bid.submitted_revision_id is not None
        and await access.reading_block(task, user) is None
    ):
        submitted = await BidRevision.get(id=bid.submitted_revision_id)
        content = await redact_team(dict(submitted.content), submitted.id)
        return BidView(bid, task, False, content, [submitted], submitted, 1)
    raise NotFound(_("There is no such bid."))


def local_time(value: dt.datetime | None) -> str | None:
    return clock.to_local(value).isoformat() if value else None


def bid_json(view: BidView) -> dict[str, Any]:
    bid, content = view.bid, view.content
    latest = view.latest
    data: dict[str, Any] = {
        "id": bid.id,
        "task_id": bid.task_id,
        "vendor_id": bid.vendor_id,
        "vendor": {"id": bid.vendor.id, "name": bid.vendor.name},
        "status": bid.status,
        "draft": bool(view.as_vendor and latest is not None and latest.kind == BidStatus.DRAFT),
        **{name: content.get(name) for name in FIELDS},
        "attachments": [
            {**a, "url": urls.url("bids.attachment", id=bid.id, attachment_id=a["id"])}
            for a in content.get("attachments", [])
        ],
        "submitted_at": local_time(bid.submitted_at),
        "sha256": bid.submitted_sha256 or None,
        "revision": latest.number if latest else None,
        "withdrawn_at": local_time(bid.withdrawn_at),
        "bid_deadline": local_time(view.task.bid_deadline),
    }
    if view.as_vendor:
        data["has_unsubmitted_changes"] = bid.has_unsubmitted_changes
        data["revisions"] = [
            {
                "number": r.number,
                "kind": r.kind,
                "sha256": r.sha256,
                "created_at": local_time(r.created_at),
            }
            for r in view.revisions
        ]
        data["revision_count"] = view.revision_count
        data["revisions_page"] = view.history_page
        data["revisions_pages"] = view.history_pages
    return data


async def attachment_file(
    bid_id: int, attachment_id: int, user: Any, upload_dir: Path
) -> tuple[BidAttachment, Path]:
    """An attachment under the sealing rules of its bid (evaluators: only the files of the
    submitted version)."""
    view = await readable_bid(bid_id, user)
    listed = {a["id"] for a in view.content.get("attachments", [])}
    attachment = await BidAttachment.get_or_none(id=attachment_id, bid_id=view.bid.id)
    if attachment is None or (not view.as_vendor and attachment.id not in listed):
        raise NotFound(_("There is no such attachment."))
    path = attachment_folder(upload_dir) / attachment.stored_name
    if not path.is_file():
        raise NotFound(_("There is no such attachment."))
    return attachment, path


async def receipt(bid_id: int, number: int, user: Any) -> tuple[BidView, BidRevision]:
    view = await readable_bid(bid_id, user)
    if not view.as_vendor:
        raise NotFound(_("There is no such receipt."))
    revision = await BidRevision.get_or_none(bid_id=view.bid.id, number=number)
    if revision is None:
        raise NotFound(_("There is no such receipt."))
    return view, revision


async def my_bids(user: User, page: int = 1, per_page: int = 50) -> tuple[list[Bid], int]:
    vendor = await own_vendor(user)
    query = Bid.filter(vendor_id=vendor.id)
    total = await query.count()
    rows = (
        await query.order_by("-id")
        .offset((page - 1) * per_page)
        .limit(per_page)
        .select_related("task", "vendor")
    )
    return list(rows), total


async def outcomes(bids: Sequence[Bid]) -> dict[int, str]:
    """What came of each bid, for the vendor's list: won, lost, cancelled, withdrawn, draft or
    pending (no award yet). Bids need their task loaded."""
    task_ids = sorted({bid.task_id for bid in bids})
    awarded = {a.task_id: a.bid_id for a in await Award.filter(task_id__in=task_ids or [0])}
    result = {}
    for bid in bids:
        task: Any = bid.task
        if task.status == TaskStatus.CANCELLED:
            result[bid.id] = "cancelled"
        elif bid.task_id in awarded:
            result[bid.id] = "won" if awarded[bid.task_id] == bid.id else "lost"
        elif bid.withdrawn_at is not None:
            result[bid.id] = "withdrawn"
        elif bid.submitted_at is None:
            result[bid.id] = "draft"
        else:
            result[bid.id] = "pending"
    return result


async def bid_on(task: Task, user: Any) -> Bid | None:
    """The caller's vendor's bid on a task, if any."""
    if user is None or not user.is_vendor:
        return None
    vendor = await Vendor.get_or_none(organisation_id=user.organisation_id)
    if vendor is None:
        return None
    return await Bid.get_or_none(task_id=task.id, vendor_id=vendor.id)
