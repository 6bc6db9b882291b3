"""Bidding: opportunities, draft/submit/revise/withdraw with a kept history, sealed reading,
attachments, receipts, and the delivery history the matching engine learns from.

The deadline is checked inside the transaction that writes (against the clock at that
moment), and the database keeps one bid per vendor and task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from market import clock
from market.accounts.models import User
from market.audit.services import record, register_sealed
from market.bids import access
from market.bids.models import Award, Bid, BidAttachment, BidRevision, BidStatus, DeliveryRating
from market.db import transaction
from market.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from market.i18n import format_datetime
from market.i18n import gettext as _
from market.parsing import is_negative, json_whole_number
from market.privacy.redaction import redact_team
from market.tasks.models import Invitation, Task, TaskStatus
from market.tasks.rules import bidding_open
from market.vendors.models import Vendor

FIELDS = ("price_dkk", "hours", "delivery_date", "approach", "team", "assumptions")
MAX_DKK = 2_000_000_000
MAX_ATTACHMENTS = 10
DAYS_PER_MONTH = 30.44


# --- content and its hash --------------------------------------------------------------------


def canonical_json(content: dict[str, Any]) -> bytes:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _read_team(raw: Any, errors: dict[str, str]) -> list[dict[str, str]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > 50:
        errors["team"] = _("Send the team as a list of {name, role} (at most 50 people).")
        return []
    team = []
    for member in raw:
        name = member.get("name") if isinstance(member, dict) else None
        role = member.get("role", "") if isinstance(member, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(role, str):
            errors["team"] = _("Every team member needs a name and a role.")
            return []
        team.append({"name": name.strip()[:200], "role": role.strip()[:200]})
    return team


def read_content(body: dict[str, Any], *, draft: bool) -> dict[str, Any]:
    """The bid's fields checked. A draft may leave fields out; a submission may not."""
    errors: dict[str, str] = {}
    content: dict[str, Any] = {}
    for name in ("price_dkk", "hours"):
        raw = body.get(name)
        value = json_whole_number(raw)
        if raw in (None, ""):
            if not draft:
                errors[name] = _("This field is required.")
        elif is_negative(raw):
            errors[name] = _("Must be positive.")
        elif value is None:
            errors[name] = _("Must be a whole number.")
        elif value < 1:
            errors[name] = _("Must be at least %(n)d.") % {"n": 1}
        elif value > MAX_DKK:
            errors[name] = _("Must be at most %(n)d.") % {"n": MAX_DKK}
        content[name] = value if name not in errors else None
    raw_date = body.get("delivery_date")
    content["delivery_date"] = None
    if raw_date in (None, ""):
        if not draft:
            errors["delivery_date"] = _("This field is required.")
    else:
        try:
            day = dt.date.fromisoformat(str(raw_date).strip())
        except ValueError:
            errors["delivery_date"] = _("Enter a date as YYYY-MM-DD.")
        else:
            if day < clock.today():
                errors["delivery_date"] = _("The delivery date is in the past.")
            content["delivery_date"] = day.isoformat()
    for name, limit, required in (("approach", 20_000, True), ("assumptions", 10_000, False)):
        raw = body.get(name)
        if raw is not None and not isinstance(raw, str):
            errors[name] = _("Must be text.")
        elif isinstance(raw, str) and len(raw) > limit:
            errors[name] = _("Must be at most %(n)d characters.") % {"n": limit}
        elif required and not draft and not (raw or "").strip():
            errors[name] = _("This field is required.")
        content[name] = (raw or "").strip() if name not in errors else ""
    content["team"] = _read_team(body.get("team"), errors)
    if errors:
        raise ValidationFailed(_("The bid was not saved: correct the fields named."), errors)
    return content


# --- attachments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    file_name: str
    data: bytes


def safe_file_name(name: str) -> str:
    """A display name without paths or odd characters, ending in .pdf."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[^\w .()-]", "_", base).strip(" ._") or "bilag"
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    return f"{stem[:100]}.pdf"


def check_upload(upload: Upload, max_bytes: int) -> str | None:
    """What is wrong with an upload (None: it is a PDF we take). Judged by content."""
    if len(upload.data) > max_bytes:
        return _("%(name)s is larger than %(mb)s MB.") % {
            "name": safe_file_name(upload.file_name),
            "mb": f"{max_bytes / 1_000_000:g}",
        }
    if not upload.data.startswith(b"%PDF-") or b"%%EOF" not in upload.data:
        return _("%(name)s is not a PDF file.") % {"name": safe_file_name(upload.file_name)}
    return None


def _store(uploads: Sequence[Upload], folder: Path) -> list[tuple[Upload, str, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for upload in uploads:
        name = secrets.token_hex(16)
        (folder / name).write_bytes(upload.data)
        stored.append((upload, name, hashlib.sha256(upload.data).hexdigest()))
    return stored


def _discard(stored: Iterable[tuple[Upload, str, str]], folder: Path | None) -> None:
    if folder is None:
        return
    for _upload, name, _sha in stored:
        (folder / name).unlink(missing_ok=True)


def attachment_folder(upload_dir: Path) -> Path:
    return upload_dir / "bids"


# --- who bids --------------------------------------------------------------------------------


async def own_vendor(user: User) -> Vendor:
    vendor = None
    if user is not None and user.is_vendor:
        vendor = await Vendor.get_or_none(organisation_id=user.organisation_id)
    if vendor is None:
        raise NotFound(_("Your organisation is not a registered vendor."))
    return vendor


def capacity_problem(task: Task, vendor: Vendor, today: dt.date | None = None) -> str | None:
    """ "no capacity before the delivery date" when the stated monthly capacity cannot
    cover the estimate by then (unknown capacity is not held against the vendor)."""
    if not vendor.capacity_hours_per_month:
        return None
    days = (task.delivery_date - (today or clock.today())).days
    months = max(days, 0) / DAYS_PER_MONTH
    if vendor.capacity_hours_per_month * months < task.estimate_hours:
        return _("no capacity before the delivery date")
    return None


async def _eligibility(vendor: Vendor, at: dt.datetime) -> tuple[bool, list[str]]:
    from market.conduct.states import eligibility

    verdict = await eligibility(vendor, at)
    return verdict.eligible, [str(r) for r in verdict.reasons]


async def bid_blockers(task: Task, vendor: Vendor, at: dt.datetime | None = None) -> list[str]:
    """Why this vendor cannot bid on this task (empty: it can). Every task is open to all
    eligible vendors (tasks have no invite-only option), so eligibility decides."""
    at = at or clock.now()
    eligible, reasons = await _eligibility(vendor, at)
    blockers = [] if eligible else (reasons or [_("The vendor is not eligible.")])
    problem = capacity_problem(task, vendor, clock.to_local(at).date())
    if problem:
        blockers.append(problem)
    return blockers


def _closed(task: Task) -> Conflict:
    return Conflict(
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


# --- writing ---------------------------------------------------------------------------------


async def _check_storage(bid: Bid, storage_bytes: int | None) -> None:
    """A vendor's live attachments (on every bid) may use `storage_bytes` in all."""
    if not storage_bytes:
        return
    sizes = await BidAttachment.filter(
        bid__vendor_id=bid.vendor_id, removed_at__isnull=True, purged_at__isnull=True
    ).values_list("size", flat=True)
    used = sum(int(size) for size in sizes)  # type: ignore[call-overload]
    if used > storage_bytes:
        message = _(
            "Your company's attachments would take %(used)s MB of the %(limit)s MB it may "
            "store. Remove attachments from your bids, or send smaller files."
        ) % {"used": f"{used / 1_000_000:.1f}", "limit": f"{storage_bytes / 1_000_000:g}"}
        raise ValidationFailed(message, {"attachments": message})


async def _attach(
    bid: Bid,
    stored: list[tuple[Upload, str, str]],
    remove_ids: Iterable[int],
    actor: User,
    storage_bytes: int | None = None,
) -> list[dict[str, Any]]:
    removing = [int(i) for i in remove_ids]
    if removing:
        await BidAttachment.filter(bid_id=bid.id, id__in=removing, removed_at__isnull=True).update(
            removed_at=clock.now()
        )
    for upload, name, sha in stored:
        await BidAttachment.create(
            bid=bid,
            file_name=safe_file_name(upload.file_name),
            stored_name=name,
            size=len(upload.data),
            sha256=sha,
            uploaded_by_id=actor.id,
        )
    if stored:
        await _check_storage(bid, storage_bytes)
    active = await BidAttachment.filter(bid_id=bid.id, removed_at__isnull=True).order_by("id")
    if len(active) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            _("At most %(n)d attachments per bid.") % {"n": MAX_ATTACHMENTS},
            {"attachments": _("At most %(n)d attachments per bid.") % {"n": MAX_ATTACHMENTS}},
        )
    return [{"id": a.id, "name": a.file_name, "sha256": a.sha256, "size": a.size} for a in active]


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
        raise Conflict(_("The bid was changed meanwhile: reload it and try again."))
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


RECEIPT_EVERY = dt.timedelta(minutes=3)


async def _receipt_mail(bid: Bid, revision: BidRevision, actor: User, task: Task) -> None:
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
    from market.mail.services import queue_mail

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


def _prepare(
    uploads: Sequence[Upload], upload_dir: Path | None, max_bytes: int
) -> tuple[list[tuple[Upload, str, str]], Path | None]:
    """Check the uploads by content and store them (under random names) before the write."""
    problems = [p for p in (check_upload(u, max_bytes) for u in uploads) if p]
    if problems:
        raise ValidationFailed(
            _("The attachment was not accepted."), {"attachments": " ".join(problems)}
        )
    folder = attachment_folder(upload_dir) if upload_dir else None
    return (_store(uploads, folder) if folder and uploads else []), folder


async def _write(
    task_id: int, write: Any, stored: list[tuple[Upload, str, str]]
) -> tuple[Bid, BidRevision]:
    async with transaction():
        task = await _lock_task(task_id)
        result: tuple[Bid, BidRevision] = await write(task, stored)
    return result


def _draft_flag(body: dict[str, Any]) -> bool:
    return body.get("draft") in (True, "1", "true", "on")


async def submit_bid(
    task_id: int,
    body: dict[str, Any],
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
        raise PermissionDenied(
            _("Your company cannot bid on this task: %(reasons)s.")
            % {"reasons": "; ".join(blockers)}
        )
    draft = _draft_flag(body)
    content = read_content(body, draft=draft)

    async def create(task: Task, stored: list[tuple[Upload, str, str]]) -> tuple[Bid, BidRevision]:
        bid = await Bid.create(task=task, vendor=vendor, created_by_id=actor.id)
        content["attachments"] = await _attach(bid, stored, (), actor, storage_bytes)
        revision = await _add_revision(bid, content, draft=draft, actor=actor)
        await _audit("bid.submitted" if not draft else "bid.drafted", bid, revision, actor, address)
        return bid, revision

    async def revive(task: Task, stored: list[tuple[Upload, str, str]]) -> tuple[Bid, BidRevision]:
        bid = await Bid.filter(task_id=task.id, vendor_id=vendor.id).select_for_update().first()
        if bid is None:
            raise Conflict(_("The bid was changed meanwhile: reload it and try again."))
        if bid.withdrawn_at is None:
            raise Conflict(
                _(
                    "Your company already has a bid on this task: revise that bid "
                    "instead (PUT /api/v1/bids/%(id)d)."
                )
                % {"id": bid.id}
            )
        if keep_attachments:
            content["attachments"] = await _attach(bid, stored, remove_ids, actor, storage_bytes)
        else:
            await BidAttachment.filter(bid_id=bid.id, removed_at__isnull=True).update(
                removed_at=clock.now()
            )
            content["attachments"] = await _attach(bid, stored, (), actor, storage_bytes)
        revision = await _add_revision(bid, content, draft=draft, actor=actor, revive=True)
        await _audit("bid.renewed", bid, revision, actor, address)
        return bid, revision

    stored, folder = _prepare(uploads, upload_dir, max_bytes)
    try:
        try:
            bid, revision = await _write(task.id, create, stored)
        except IntegrityError:
            # The database says this vendor has a bid on the task already.
            bid, revision = await _write(task.id, revive, stored)
    except IntegrityError as exc:
        _discard(stored, folder)
        raise Conflict(_("The bid was changed meanwhile: reload it and try again.")) from exc
    except BaseException:
        _discard(stored, folder)
        raise
    await _receipt_mail(bid, revision, actor, task)
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
    body: dict[str, Any],
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
        raise Conflict(_("This bid is withdrawn. Submit a new bid on the task to bid again."))
    blockers = await bid_blockers(task, bid.vendor)
    if blockers:
        raise PermissionDenied(
            _("Your company cannot bid on this task: %(reasons)s.")
            % {"reasons": "; ".join(blockers)}
        )
    draft = _draft_flag(body)
    merged = {**await working_content(bid), **{k: body[k] for k in FIELDS if k in body}}
    content = read_content(merged, draft=draft)
    removing = list(remove_ids)

    async def write(task: Task, stored: list[tuple[Upload, str, str]]) -> tuple[Bid, BidRevision]:
        current = await Bid.filter(id=bid.id).select_for_update().first()
        assert current is not None
        if current.withdrawn_at is not None:
            raise Conflict(_("This bid is withdrawn. Submit a new bid on the task to bid again."))
        content["attachments"] = await _attach(current, stored, removing, actor, storage_bytes)
        revision = await _add_revision(current, content, draft=draft, actor=actor)
        await _audit(
            "bid.revised" if not draft else "bid.drafted", current, revision, actor, address
        )
        return current, revision

    stored, folder = _prepare(uploads, upload_dir, max_bytes)
    try:
        saved, revision = await _write(task.id, write, stored)
    except IntegrityError as exc:
        _discard(stored, folder)
        raise Conflict(_("The bid was changed meanwhile: reload it and try again.")) from exc
    except BaseException:
        _discard(stored, folder)
        raise
    await _receipt_mail(saved, revision, actor, task)
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
            raise Conflict(_("This bid is already withdrawn."))
        await bid.refresh_from_db()
        await _audit("bid.withdrawn", bid, None, actor, address)
    return bid


# --- reading ---------------------------------------------------------------------------------


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


def _local(value: dt.datetime | None) -> str | None:
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
            {**a, "url": f"/bids/{bid.id}/attachments/{a['id']}"}
            for a in content.get("attachments", [])
        ],
        "submitted_at": _local(bid.submitted_at),
        "sha256": bid.submitted_sha256 or None,
        "revision": latest.number if latest else None,
        "withdrawn_at": _local(bid.withdrawn_at),
        "bid_deadline": _local(view.task.bid_deadline),
    }
    if view.as_vendor:
        data["has_unsubmitted_changes"] = bid.has_unsubmitted_changes
        data["revisions"] = [
            {
                "number": r.number,
                "kind": r.kind,
                "sha256": r.sha256,
                "created_at": _local(r.created_at),
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


# --- opportunities ---------------------------------------------------------------------------


async def fit_reasons(vendor_id: int, tasks: Sequence[Task]) -> dict[int, list[str]]:
    """Why each task fits: from the matching engine when it is there, else from the overlap
    of the vendor's competencies with the task's codes."""
    import importlib

    try:
        shortlists = importlib.import_module("market.shortlists.services")
        matcher = shortlists.fit_reasons
    except (ImportError, AttributeError):
        matcher = None
    found: dict[int, list[str]] = {}
    if matcher is not None:
        raw = await matcher(vendor_id, [t.id for t in tasks])
        found = {int(k): [str(r) for r in v] for k, v in raw.items() if v}
    missing = [t for t in tasks if t.id not in found]
    if missing:
        found.update(await _overlap_reasons(vendor_id, missing))
    return found


async def _overlap_reasons(vendor_id: int, tasks: Sequence[Task]) -> dict[int, list[str]]:
    """Fit reasons from the overlap of the vendor's competencies with the task's codes."""
    from market.competencies import services as competencies
    from market.competencies.models import VendorCompetency

    mine = {c.code: c.level for c in await VendorCompetency.filter(vendor_id=vendor_id)}
    parents = await competencies.parent_map()
    covered: dict[str, str] = {}
    for code in mine:
        for ancestor in [code, *competencies.ancestors_in(code, parents)]:
            covered.setdefault(ancestor, code)
    codes = {c for t in tasks for c in [*t.required, *t.nice_to_have]}
    labels = await competencies.competencies_by_code(codes)
    reasons: dict[int, list[str]] = {}
    for task in tasks:
        lines = []
        for kind, wanted in (
            (_("Required"), task.required),
            (_("Nice to have"), task.nice_to_have),
        ):
            for code in wanted:
                if code in covered:
                    lines.append(
                        _("%(kind)s: %(label)s is in your profile")
                        % {"kind": kind, "label": competencies.label(labels.get(code), code)}
                    )
        if not lines:
            lines.append(_("None of the task's competencies is in your profile yet"))
        reasons[task.id] = lines
    return reasons


async def opportunities(
    user: User, page: int = 1, per_page: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Tasks open for bids (all are open to eligible vendors; invited ones first), each with
    why it fits and, where the vendor cannot bid, why not."""
    vendor = await own_vendor(user)
    now = clock.now()
    invited = set(await Invitation.filter(vendor_id=vendor.id).values_list("task_id", flat=True))
    query = Task.filter(
        status=TaskStatus.PUBLISHED, published_at__isnull=False, bid_deadline__gt=now
    )
    total = await query.count()
    rows = sorted(await query, key=lambda t: (t.id not in invited, t.bid_deadline, t.id))
    rows = rows[(page - 1) * per_page : page * per_page]
    fits = await fit_reasons(vendor.id, rows)
    eligible, reasons = await _eligibility(vendor, now)
    bids = {
        b.task_id: b
        for b in await Bid.filter(vendor_id=vendor.id, task_id__in=[t.id for t in rows] or [0])
    }
    items = []
    for task in rows:
        why_not = [] if eligible else list(reasons or [_("The vendor is not eligible.")])
        problem = capacity_problem(task, vendor, clock.to_local(now).date())
        if problem:
            why_not.append(problem)
        fit = list(fits.get(task.id, []))
        if task.id in invited:
            fit.insert(0, _("The coordinator invited you to bid"))
        items.append(
            {
                "task": task,
                "invited": task.id in invited,
                "fit": fit,
                "can_bid": not why_not,
                "why_not": why_not,
                "bid": bids.get(task.id),
            }
        )
    return items, total


def opportunity_json(item: dict[str, Any]) -> dict[str, Any]:
    task: Task = item["task"]
    bid: Bid | None = item["bid"]
    return {
        "id": task.id,
        "task_id": task.id,
        "title": task.title,
        "solution_id": task.solution_id,
        "bid_deadline": _local(task.bid_deadline),
        "delivery_date": task.delivery_date.isoformat(),
        "estimate_hours": task.estimate_hours,
        "budget_dkk": task.budget_dkk,
        "required": task.required,
        "nice_to_have": task.nice_to_have,
        "invited": item["invited"],
        "reasons": item["fit"],
        "fit": item["fit"],
        "can_bid": item["can_bid"],
        "why_not": item["why_not"],
        "bid": {"id": bid.id, "status": bid.status} if bid else None,
    }


# --- history for matching --------------------------------------------------------------------


async def delivery_history(
    vendor_ids: Iterable[int], *, before: dt.datetime | None = None
) -> dict[int, list[tuple[int, bool, str, list[str]]]]:
    """Each vendor's rated deliveries: (quality 1-5, on_time, task text, task codes); with
    `before`, only those rated before that moment."""
    ids = list(vendor_ids)
    history: dict[int, list[tuple[int, bool, str, list[str]]]] = {i: [] for i in ids}
    if not ids:
        return history
    query = DeliveryRating.filter(vendor_id__in=ids)
    if before is not None:
        query = query.filter(rated_at__lt=before)
    ratings = await query.order_by("rated_at").select_related("task")
    for rating in ratings:
        task = rating.task
        history[rating.vendor_id].append(
            (
                rating.quality,
                rating.on_time,
                f"{task.title}\n\n{task.description}",
                [*task.required, *task.nice_to_have],
            )
        )
    return history
