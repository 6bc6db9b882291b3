"""A bid's content and its life: drafts, submission, revisions (each kept, hashed), withdrawal.

The deadline is checked inside the transaction that writes (against the clock at that
moment), and the database keeps one bid per vendor and task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from market import clock
from market.accounts.models import User
from market.audit.services import record, register_sealed
from market.bids import access
from market.bids.attachments import Upload, attach, discard, prepare
from market.bids.bidders import bid_blockers, own_vendor
from market.bids.models import Bid, BidAttachment, BidRevision, BidStatus
from market.bids.receipts import receipt_mail
from market.bids.schemas import BidContent
from market.db import transaction
from market.errors import (
    AlreadyBid,
    BiddingClosed,
    BidWithdrawn,
    ChangedMeanwhile,
    NotEligible,
    NotFound,
    ValidationFailed,
)
from market.i18n import format_datetime
from market.i18n import gettext as _
from market.schemas import parse
from market.tasks.models import Task
from market.tasks.rules import bidding_open

FIELDS = ("price_dkk", "hours", "delivery_date", "approach", "team", "assumptions")


def canonical_json(content: dict[str, Any]) -> bytes:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def read_content(data: BidContent, *, draft: bool) -> dict[str, Any]:
    """The content to store, with the rules the schema cannot state: a submission is
    complete (a draft may leave fields out) and the delivery date is not in the past."""
    errors: dict[str, str] = {}
    if not draft:
        for name in ("price_dkk", "hours", "delivery_date"):
            if getattr(data, name) is None:
                errors[name] = _("This field is required.")
        if not data.approach:
            errors["approach"] = _("This field is required.")
    if data.delivery_date is not None and data.delivery_date < clock.today():
        errors["delivery_date"] = _("The delivery date is in the past.")
    if errors:
        raise ValidationFailed(str(BidContent.failure_message), errors)
    return {
        "price_dkk": data.price_dkk,
        "hours": data.hours,
        "delivery_date": data.delivery_date.isoformat() if data.delivery_date else None,
        "approach": data.approach,
        "assumptions": data.assumptions,
        "team": [dict(member) for member in data.team],
    }


def _closed(task: Task) -> BiddingClosed:
    return BiddingClosed(
        _(
            "Bidding closed at %(deadline)s. Nothing was saved: the version you submitted "
            "before the deadline, if any, stands."
        )
        % {"deadline": format_datetime(clock.to_local(task.bid_deadline), seconds=True)}
    )


async def _open_task(task_id: int, user: Any) -> Task:
    task = await Task.get_or_none(id=task_id)
    if task is None or task.published_at is None:
        raise NotFound(_("There is no such task."))
    return task


async def _lock_task(task_id: int) -> Task:
    """Inside the writing transaction: the task row locked (PostgreSQL) and the deadline
    checked against the clock now, so a late write never commits."""
    task = await Task.filter(id=task_id).select_for_update().first()
    if task is None:
        raise NotFound(_("There is no such task."))
    if not bidding_open(task, clock.now()):
        raise _closed(task)
    return task


async def _add_revision(
    bid: Bid, content: dict[str, Any], *, draft: bool, actor: User, revive: bool = False
) -> BidRevision:
    now = clock.now()
    number = bid.revisions_count + 1
    kind = BidStatus.DRAFT if draft else BidStatus.SUBMITTED
    revision = await BidRevision.create(
        bid=bid,
        number=number,
        kind=kind,
        content=content,
        sha256=content_hash(content),
        created_by_id=actor.id,
        created_at=now,
    )
    changes: dict[str, Any] = {"revisions_count": number, "latest_revision_id": revision.id}
    if revive:
        changes.update(
            withdrawn_at=None, submitted_revision_id=None, submitted_at=None, submitted_sha256=""
        )
    if not draft:
        changes.update(
            submitted_revision_id=revision.id,
            submitted_at=now,
            submitted_sha256=revision.sha256,
            price_dkk=content["price_dkk"],
            hours=content["hours"],
            delivery_date=dt.date.fromisoformat(content["delivery_date"]),
            approach=content["approach"],
            team=content["team"],
            assumptions=content["assumptions"],
        )
    # Optimistic guard: a concurrent revision of the same bid makes this match nothing.
    query = Bid.filter(id=bid.id, revisions_count=bid.revisions_count)
    query = (
        query.filter(withdrawn_at__isnull=False)
        if revive
        else query.filter(withdrawn_at__isnull=True)
    )
    if not await query.update(**changes):
        raise ChangedMeanwhile(_("The bid was changed meanwhile: reload it and try again."))
    await bid.refresh_from_db()
    return revision


async def sealed_bid_ids() -> set[str]:
    """Bids whose task's deadline has not passed: the audit log shows their events redacted."""
    ids = await Bid.filter(task__bid_deadline__gt=clock.now()).values_list("id", flat=True)
    return {str(i) for i in ids}


register_sealed("bid", sealed_bid_ids)


async def _audit(
    action: str, bid: Bid, revision: BidRevision | None, actor: User, address: str
) -> None:
    # Sealed content never goes into the audit log: ids, the action and the hash only.
    after: dict[str, Any] = {"task_id": bid.task_id, "vendor_id": bid.vendor_id}
    if revision is not None:
        after.update(revision=revision.number, kind=revision.kind, sha256=revision.sha256)
    await record(
        action, actor=actor, object_type="bid", object_id=bid.id, after=after, address=address
    )


@asynccontextmanager
async def _files_kept_only_on_success(
    stored: list[tuple[Upload, str, str]], folder: Path | None
) -> AsyncIterator[None]:
    """Uploaded files stay only when the write they belong to commits; a write that lost a
    race with another (an IntegrityError) is the bid changed meanwhile."""
    try:
        yield
    except IntegrityError as exc:
        discard(stored, folder)
        raise ChangedMeanwhile(
            _("The bid was changed meanwhile: reload it and try again.")
        ) from exc
    except BaseException:
        discard(stored, folder)
        raise


async def _write(
    task_id: int, write: Any, stored: list[tuple[Upload, str, str]]
) -> tuple[Bid, BidRevision]:
    async with transaction():
        task = await _lock_task(task_id)
        result: tuple[Bid, BidRevision] = await write(task, stored)
    return result


async def submit_bid(
    task_id: int,
    data: BidContent,
    *,
    actor: User,
    address: str = "",
    uploads: Sequence[Upload] = (),
    upload_dir: Path | None = None,
    max_bytes: int = 10_000_000,
    keep_attachments: bool = False,
    remove_ids: Iterable[int] = (),
    storage_bytes: int | None = None,
) -> Bid:
    """A new bid (or a draft), or a new life for a withdrawn one. 409 after the deadline or
    when the vendor already has a live bid (revise that one instead). A withdrawn bid's
    attachments are dropped, or kept (but `remove_ids`) with `keep_attachments`."""
    task = await _open_task(task_id, actor)
    vendor = await own_vendor(actor)
    if not bidding_open(task):
        raise _closed(task)
    blockers = await bid_blockers(task, vendor)
    if blockers:
        raise NotEligible(
            _("Your company cannot bid on this task: %(reasons)s.")
            % {"reasons": "; ".join(blockers)}
        )
    draft = data.draft
    content = read_content(data, draft=draft)

    async def create(task: Task, stored: list[tuple[Upload, str, str]]) -> tuple[Bid, BidRevision]:
        bid = await Bid.create(task=task, vendor=vendor, created_by_id=actor.id)
        content["attachments"] = await attach(bid, stored, (), actor, storage_bytes)
        revision = await _add_revision(bid, content, draft=draft, actor=actor)
        await _audit("bid.submitted" if not draft else "bid.drafted", bid, revision, actor, address)
        return bid, revision

    async def revive(task: Task, stored: list[tuple[Upload, str, str]]) -> tuple[Bid, BidRevision]:
        bid = await Bid.filter(task_id=task.id, vendor_id=vendor.id).select_for_update().first()
        if bid is None:
            raise ChangedMeanwhile(_("The bid was changed meanwhile: reload it and try again."))
        if bid.withdrawn_at is None:
            raise AlreadyBid(
                _(
                    "Your company already has a bid on this task: revise that bid "
                    "instead (PUT /api/v1/bids/%(id)d)."
                )
                % {"id": bid.id}
            )
        if keep_attachments:
            content["attachments"] = await attach(bid, stored, remove_ids, actor, storage_bytes)
        else:
            await BidAttachment.filter(bid_id=bid.id, removed_at__isnull=True).update(
                removed_at=clock.now()
            )
            content["attachments"] = await attach(bid, stored, (), actor, storage_bytes)
        revision = await _add_revision(bid, content, draft=draft, actor=actor, revive=True)
        await _audit("bid.renewed", bid, revision, actor, address)
        return bid, revision

    stored, folder = prepare(uploads, upload_dir, max_bytes)
    async with _files_kept_only_on_success(stored, folder):
        try:
            bid, revision = await _write(task.id, create, stored)
        except IntegrityError:
            # The database says this vendor has a bid on the task already.
            bid, revision = await _write(task.id, revive, stored)
    await receipt_mail(bid, revision, actor, task)
    return bid


async def own_bid(bid_id: int, user: User) -> Bid:
    """A bid of the caller's own vendor (404 for anyone else: existence is private)."""
    bid = await Bid.get_or_none(id=bid_id).select_related("vendor")
    if bid is None or not access.is_vendor_user(user, bid.vendor.organisation_id):
        raise NotFound(_("There is no such bid."))
    return bid


async def working_content(bid: Bid) -> dict[str, Any]:
    """The latest saved content (the draft being worked on, or the submitted version)."""
    if bid.latest_revision_id is None:
        return {}
    revision = await BidRevision.get_or_none(id=bid.latest_revision_id)
    return dict(revision.content) if revision else {}


async def revise_bid(
    bid_id: int,
    data: BidContent,
    *,
    actor: User,
    address: str = "",
    uploads: Sequence[Upload] = (),
    remove_ids: Iterable[int] = (),
    upload_dir: Path | None = None,
    max_bytes: int = 10_000_000,
    storage_bytes: int | None = None,
) -> Bid:
    """A new revision (fields left out keep their value). A submitted revision becomes the
    version that counts; a draft revision leaves the submitted one standing."""
    bid = await own_bid(bid_id, actor)
    task = await Task.get(id=bid.task_id)
    if not bidding_open(task):
        raise _closed(task)
    if bid.withdrawn_at is not None:
        raise BidWithdrawn(_("This bid is withdrawn. Submit a new bid on the task to bid again."))
    blockers = await bid_blockers(task, bid.vendor)
    if blockers:
        raise NotEligible(
            _("Your company cannot bid on this task: %(reasons)s.")
            % {"reasons": "; ".join(blockers)}
        )
    draft = data.draft
    sent = data.model_dump(include=set(FIELDS), exclude_unset=True)
    merged = {**await working_content(bid), **sent}
    content = read_content(parse(BidContent, merged), draft=draft)
    removing = list(remove_ids)

    async def write(task: Task, stored: list[tuple[Upload, str, str]]) -> tuple[Bid, BidRevision]:
        current = await Bid.filter(id=bid.id).select_for_update().first()
        assert current is not None
        if current.withdrawn_at is not None:
            raise BidWithdrawn(
                _("This bid is withdrawn. Submit a new bid on the task to bid again.")
            )
        content["attachments"] = await attach(current, stored, removing, actor, storage_bytes)
        revision = await _add_revision(current, content, draft=draft, actor=actor)
        await _audit(
            "bid.revised" if not draft else "bid.drafted", current, revision, actor, address
        )
        return current, revision

    stored, folder = prepare(uploads, upload_dir, max_bytes)
    async with _files_kept_only_on_success(stored, folder):
        saved, revision = await _write(task.id, write, stored)
    await receipt_mail(saved, revision, actor, task)
    return saved


async def withdraw_bid(bid_id: int, *, actor: User, address: str = "") -> Bid:
    """Withdraw before the deadline: the bid no longer counts (its history stays)."""
    bid = await own_bid(bid_id, actor)
    async with transaction():
        await _lock_task(bid.task_id)
        updated = await Bid.filter(id=bid.id, withdrawn_at__isnull=True).update(
            withdrawn_at=clock.now()
        )
        if not updated:
            raise BidWithdrawn(_("This bid is already withdrawn."))
        await bid.refresh_from_db()
        await _audit("bid.withdrawn", bid, None, actor, address)
    return bid
