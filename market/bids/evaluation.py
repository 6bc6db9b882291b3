"""Evaluation after the deadline: the panel, conflict-of-interest declarations, scores,
totals and ranking, exports, the award (and telling every bidder) and the delivery rating."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError

from market import clock, exports
from market.accounts.models import User
from market.audit.services import record
from market.bids import access
from market.bids.models import (
    Award,
    Bid,
    BidStatus,
    ConflictDeclaration,
    DeliveryRating,
    PanelMember,
    Score,
)
from market.bids.schemas import AwardIn, Declaration, DeliveryIn, PanelAdd, ScoreIn
from market.competencies.services import queue_index_refresh
from market.db import after_commit, transaction
from market.errors import (
    AlreadyAwarded,
    AlreadyDone,
    AlreadyExists,
    NotAwardable,
    NotAwardedYet,
    NotCoordinator,
    NotEvaluator,
    NotFound,
    ReadingBlocked,
    SealedUntilDeadline,
    ValidationFailed,
)
from market.i18n import format_datetime
from market.i18n import gettext as _
from market.mail.services import queue_mail
from market.orm import column
from market.tasks import services as tasks
from market.tasks.models import Task, TaskStatus
from market.tasks.rules import effective_status
from market.templating import DEFAULT_CRITERION_NAMES
from market.vendors.models import Vendor

PRICE_NAMES = {"price", "pris"}


def is_price(criterion: str) -> bool:
    return criterion.strip().lower() in PRICE_NAMES


async def task_for(task_id: int) -> Task:
    task = await Task.get_or_none(id=task_id)
    if task is None or task.published_at is None:
        raise NotFound(_("There is no such task."))
    return task


async def _require_coordinator(task: Task, user: User) -> None:
    if not await access.is_coordinator(user, task):
        raise NotCoordinator(_("Only the coordinators of this task's solution may do this."))


async def _require_evaluator(task: Task, user: User) -> None:
    if not await access.is_evaluator(user, task):
        raise NotEvaluator(_("Only the evaluators of this task may do this."))


async def _require_reader(task: Task, user: User) -> None:
    """Evaluator, after the deadline (409 before), with a no-conflict declaration (403)."""
    await _require_evaluator(task, user)
    if access.sealed(task):
        raise SealedUntilDeadline(access.sealed_message(task))
    block = await access.reading_block(task, user)
    if block:
        raise ReadingBlocked(block)


# --- the panel -------------------------------------------------------------------------------


async def panel(task: Task) -> list[PanelMember]:
    return list(await PanelMember.filter(task_id=task.id).select_related("user").order_by("id"))


async def panel_gate(task_id: int, actor: User) -> Task:
    """Who may add to the panel (checked before the body is read)."""
    task = await task_for(task_id)
    await _require_coordinator(task, actor)
    return task


async def add_panel_member(
    task_id: int, data: PanelAdd, *, actor: User, address: str = ""
) -> PanelMember:
    """A coordinator adds a municipality user to the task's evaluation panel."""
    task = await panel_gate(task_id, actor)
    member = await User.get_or_none(email=data.email, is_active=True)
    if member is None or not member.has_role("municipality"):
        raise ValidationFailed(
            _("Name a municipality user to add to the panel."),
            {"email": _("There is no active municipality user with this e-mail address.")},
        )
    try:
        async with transaction():
            row = await PanelMember.create(task=task, user=member, added_by_id=actor.id)
            await record(
                "task.panel_member_added",
                actor=actor,
                object_type="task",
                object_id=task.id,
                after={"user_id": member.id},
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyExists(
            _("%(email)s is on the panel already.") % {"email": member.email}
        ) from exc
    return row


# --- declarations ----------------------------------------------------------------------------


async def declare_gate(task_id: int, actor: User) -> Task:
    """Who may declare (checked before the body is read)."""
    task = await task_for(task_id)
    await _require_evaluator(task, actor)
    return task


async def declare(
    task_id: int, data: Declaration, *, actor: User, address: str = ""
) -> ConflictDeclaration:
    """An evaluator's declaration, made once: `no_conflict: true`, or the vendors it has a
    conflict with (which takes the evaluator out of this evaluation)."""
    task = await declare_gate(task_id, actor)
    if data.no_conflict and not data.conflict_vendor_ids:
        no_conflict, vendor_ids = True, []
    elif data.conflict_vendor_ids:
        no_conflict, vendor_ids = False, sorted(data.conflict_vendor_ids)
        known = set(await column(Vendor.filter(id__in=vendor_ids).values_list("id", flat=True)))
        if known != set(vendor_ids):
            raise ValidationFailed(
                _("Some vendors do not exist."),
                {
                    "conflict_vendor_ids": _("Unknown vendor ids: %(ids)s.")
                    % {"ids": ", ".join(str(i) for i in vendor_ids if i not in known)}
                },
            )
    else:
        raise ValidationFailed(
            _("Declare either no conflict or the vendors concerned."),
            {"no_conflict": _("Send no_conflict: true, or conflict_vendor_ids: [ids].")},
        )
    try:
        async with transaction():
            declaration = await ConflictDeclaration.create(
                task=task,
                user=actor,
                no_conflict=no_conflict,
                conflict_vendor_ids=vendor_ids,
                declared_at=clock.now(),
            )
            await record(
                "task.conflict_declared",
                actor=actor,
                object_type="task",
                object_id=task.id,
                after={"no_conflict": no_conflict, "conflict_vendor_ids": vendor_ids},
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyDone(_("You have already made your declaration for this task.")) from exc
    return declaration


def declaration_json(declaration: ConflictDeclaration) -> dict[str, Any]:
    return {
        "id": declaration.id,
        "task_id": declaration.task_id,
        "no_conflict": declaration.no_conflict,
        "conflict_vendor_ids": declaration.conflict_vendor_ids,
        "declared_at": clock.to_local(declaration.declared_at).isoformat(),
    }


# --- bids as the evaluators see them ---------------------------------------------------------


async def submitted_bids(task: Task) -> list[Bid]:
    return list(
        await Bid.filter(task_id=task.id, withdrawn_at__isnull=True, submitted_at__isnull=False)
        .select_related("vendor")
        .order_by("id")
    )


async def award_candidate(task_id: int, bid_id: int, user: User) -> str | None:
    """The company a coordinator is about to award, named on the confirmation page."""
    task = await task_for(task_id)
    await _require_coordinator(task, user)
    names = {bid.id: bid.vendor.name for bid in await submitted_bids(task)}
    return names.get(bid_id)


async def task_bids(task_id: int, user: User) -> dict[str, Any]:
    """Before the deadline only a count; after it the contents, for an evaluator who has
    declared no conflict."""
    task = await task_for(task_id)
    await _require_evaluator(task, user)
    bids = await submitted_bids(task)
    if access.sealed(task):
        return {"task": task, "sealed": True, "count": len(bids), "bids": []}
    block = await access.reading_block(task, user)
    if block:
        raise ReadingBlocked(block)
    return {"task": task, "sealed": False, "count": len(bids), "bids": bids}


# --- scores ----------------------------------------------------------------------------------


def price_scores(bids: list[Bid]) -> dict[int, float]:
    """The stated formula: lowest price / this price * 10."""
    prices = [b.price_dkk for b in bids if b.price_dkk]
    if not prices:
        return {}
    lowest = min(prices)
    return {b.id: round(lowest / b.price_dkk * 10, 2) for b in bids if b.price_dkk}


def _read_scores(task: Task, raw: dict[str, float]) -> dict[str, float]:
    """The scores of the task's criteria (0-10 each; price is computed, so left out)."""
    names = [c["name"] for c in task.criteria]
    errors: dict[str, str] = {}
    clean: dict[str, float] = {}
    for name, value in raw.items():
        if name not in names:
            errors[f"scores.{name}"] = _("Unknown criterion. The criteria are: %(names)s.") % {
                "names": ", ".join(names)
            }
        elif is_price(name):
            continue  # computed from the prices
        elif not 0 <= value <= 10:
            errors[f"scores.{name}"] = _("A score is a number from 0 to 10.")
        else:
            clean[name] = float(value)
    if errors:
        raise ValidationFailed(_("The scores were not saved: correct the fields named."), errors)
    return clean


async def score_gate(task_id: int, actor: User) -> Task:
    """Who may score, and whether scores may change (checked before the body is read)."""
    task = await task_for(task_id)
    await _require_reader(task, actor)
    if effective_status(task) in (TaskStatus.AWARDED, TaskStatus.DELIVERED):
        raise AlreadyAwarded(_("The task is awarded: the scores are final."))
    return task


async def score_bid(
    task_id: int, data: ScoreIn, *, actor: User, address: str = ""
) -> dict[str, Any]:
    """An evaluator's scores of one bid (0-10 per criterion; price is computed)."""
    task = await score_gate(task_id, actor)
    bid = await Bid.get_or_none(
        id=data.bid_id, task_id=task.id, withdrawn_at__isnull=True, submitted_at__isnull=False
    )
    if bid is None:
        raise ValidationFailed(
            _("Choose a submitted bid on this task."),
            {"bid_id": _("There is no submitted bid with this id on this task.")},
        )
    scores = _read_scores(task, data.scores)
    now = clock.now()
    async with transaction():
        for criterion, value in scores.items():
            updated = await Score.filter(
                bid_id=bid.id, evaluator_id=actor.id, criterion=criterion
            ).update(value=value, updated_at=now)
            if not updated:
                await Score.create(
                    bid=bid, evaluator=actor, criterion=criterion, value=value, updated_at=now
                )
        await record(
            "bid.scored",
            actor=actor,
            object_type="bid",
            object_id=bid.id,
            after={"task_id": task.id, "criteria": sorted(scores)},
            address=address,
        )
    return {"task_id": task.id, "bid_id": bid.id, "scores": scores}


# --- totals and ranking ----------------------------------------------------------------------


@dataclass
class Row:
    bid: Bid
    scores: dict[str, float | None]
    total: float
    complete: bool
    evaluators: int
    rank: int = 0
    mine: dict[str, float] = field(default_factory=dict)


async def standings(task: Task, bids: list[Bid], viewer: User | None = None) -> list[Row]:
    """Per bid: the average score of each criterion over the evaluators without a conflict,
    the weighted total (weights from the task's criteria) and the rank."""
    conflicted = set(
        await column(
            ConflictDeclaration.filter(task_id=task.id, no_conflict=False).values_list(
                "user_id", flat=True
            )
        )
    )
    scores = await Score.filter(bid_id__in=[b.id for b in bids] or [0])
    prices = price_scores(bids)
    rows = []
    for bid in bids:
        mine = [s for s in scores if s.bid_id == bid.id and s.evaluator_id not in conflicted]
        per: dict[str, float | None] = {}
        for criterion in task.criteria:
            name = criterion["name"]
            if is_price(name):
                per[name] = prices.get(bid.id)
                continue
            values = [s.value for s in mine if s.criterion == name]
            per[name] = round(sum(values) / len(values), 2) if values else None
        total = sum((per[c["name"]] or 0.0) * c["weight"] / 100 for c in task.criteria)
        rows.append(
            Row(
                bid,
                per,
                round(total, 2),
                all(v is not None for v in per.values()),
                len({s.evaluator_id for s in mine}),
                mine={
                    s.criterion: s.value
                    for s in mine
                    if viewer is not None and s.evaluator_id == viewer.id
                },
            )
        )
    rows.sort(key=lambda r: (-r.total, r.bid.price_dkk or 0, r.bid.id))
    for index, row in enumerate(rows, start=1):
        row.rank = index
    return rows


async def evaluation(task_id: int, user: User) -> dict[str, Any]:
    task = await task_for(task_id)
    await _require_reader(task, user)
    bids = await submitted_bids(task)
    award = await Award.get_or_none(task_id=task.id)
    return {"task": task, "rows": await standings(task, bids, user), "award": award}


def row_json(row: Row) -> dict[str, Any]:
    return {
        "rank": row.rank,
        "bid_id": row.bid.id,
        "vendor": {"id": row.bid.vendor.id, "name": row.bid.vendor.name},
        "price_dkk": row.bid.price_dkk,
        "scores": row.scores,
        "total": row.total,
        "complete": row.complete,
        "evaluators": row.evaluators,
    }


def _criterion(name: str) -> str:
    # The default criteria are translated; a coordinator's own names are kept as written.
    return _(name) if name in DEFAULT_CRITERION_NAMES else name


def sheet(task: Task, rows: list[Row]) -> list[list[Any]]:
    names = [c["name"] for c in task.criteria]
    header = [
        _("Rank"),
        _("Vendor"),
        _("Bid"),
        _("Price (DKK)"),
        _("Hours"),
        _("Delivery date"),
        *[f"{_criterion(c['name'])} ({c['weight']} %)" for c in task.criteria],
        _("Total"),
        _("Evaluators"),
    ]
    lines: list[list[Any]] = [header]
    for row in rows:
        lines.append(
            [
                row.rank,
                row.bid.vendor.name,
                row.bid.id,
                row.bid.price_dkk,
                row.bid.hours,
                row.bid.delivery_date.isoformat() if row.bid.delivery_date else "",
                *[row.scores.get(n) for n in names],
                row.total,
                row.evaluators,
            ]
        )
    return lines


async def export_csv(task_id: int, user: User) -> str:
    data = await evaluation(task_id, user)
    header, *lines = sheet(data["task"], data["rows"])
    return exports.spreadsheet_csv(lines, header=header)


async def export_xlsx(task_id: int, user: User) -> bytes:
    data = await evaluation(task_id, user)
    return exports.xlsx_bytes(sheet(data["task"], data["rows"]), title=_("Scoring sheet"))


# --- award -----------------------------------------------------------------------------------


async def award_gate(task_id: int, actor: User) -> Task:
    """Who may award, and when (checked before the body is read)."""
    task = await task_for(task_id)
    await _require_coordinator(task, actor)
    if access.sealed(task):
        raise SealedUntilDeadline(
            _("The task cannot be awarded before the bid deadline, %(deadline)s.")
            % {"deadline": format_datetime(clock.to_local(task.bid_deadline), seconds=True)}
        )
    block = await access.reading_block(task, actor)
    if block:
        raise ReadingBlocked(block)
    return task


async def award(task_id: int, data: AwardIn, *, actor: User, address: str = "") -> Award:
    """Award a submitted bid after the deadline; every bidder is told by a job."""
    task = await award_gate(task_id, actor)
    bid = await Bid.get_or_none(id=data.bid_id, task_id=task.id)
    if bid is None:
        raise ValidationFailed(
            AwardIn.failure_message,
            {"bid_id": _("There is no bid with this id on this task.")},
        )
    if bid.status == BidStatus.WITHDRAWN:
        raise NotAwardable(_("That bid was withdrawn by the vendor and cannot be awarded."))
    if bid.status == BidStatus.DRAFT:
        raise NotAwardable(_("That bid was never submitted (it is a draft) and cannot be awarded."))
    try:
        async with transaction():
            locked, came_from = await tasks.lock_for(task.id, TaskStatus.AWARDED)
            row = await Award.create(
                task=locked,
                bid=bid,
                justification=data.justification,
                awarded_by_id=actor.id,
                awarded_at=clock.now(),
            )
            await tasks.mark_awarded(locked)
            await record(
                "task.awarded",
                actor=actor,
                object_type="task",
                object_id=task.id,
                before={"status": came_from},
                after={"status": TaskStatus.AWARDED, "bid_id": bid.id},
                address=address,
            )
            await after_commit("notify_award", task.id)
            await after_commit("record_ocds_releases", [task.id])
            # The award changes the winner's record (award count, workload) in the matching.
            await queue_index_refresh(bid.vendor_id)
    except IntegrityError as exc:
        raise AlreadyAwarded(_("The task is already awarded.")) from exc
    return row


def award_json(row: Award) -> dict[str, Any]:
    return {
        "id": row.id,
        "task_id": row.task_id,
        "bid_id": row.bid_id,
        "justification": row.justification,
        "status": TaskStatus.AWARDED,
        "awarded_at": clock.to_local(row.awarded_at).isoformat(),
    }


async def outcome(bid: Bid) -> dict[str, Any] | None:
    """What a bidder is told: won or not, its own scores and the winner's, the reasons."""
    award_row = await Award.get_or_none(task_id=bid.task_id).select_related("bid__vendor")
    if award_row is None or bid.submitted_at is None or bid.withdrawn_at is not None:
        return None
    task = await Task.get(id=bid.task_id)
    rows = await standings(task, await submitted_bids(task))
    own = next((r for r in rows if r.bid.id == bid.id), None)
    winner = next((r for r in rows if r.bid.id == award_row.bid_id), None)
    return {
        "won": award_row.bid_id == bid.id,
        "award": award_row,
        "winner_name": award_row.bid.vendor.name,
        "own": own,
        "winner": winner,
        "criteria": task.criteria,
        "task": task,
    }


async def notify_award(task_id: int) -> int:
    """E-mail every bidder the outcome: exactly one per bid (idempotent by its key)."""
    task = await Task.get_or_none(id=task_id)
    if task is None or not await Award.exists(task_id=task_id):
        return 0
    sent = 0
    for bid in await submitted_bids(task):
        result = await outcome(bid)
        if result is None:
            continue
        submitter = await User.get_or_none(id=bid.created_by_id) if bid.created_by_id else None
        to = bid.vendor.email or (submitter.email if submitter else "")
        if not to:
            continue
        await queue_mail(
            to=to,
            template="bids/outcome",
            key=f"award:{task_id}:{bid.id}",
            language=submitter.language if submitter else "da",
            bid=bid,
            vendor=bid.vendor,
            **result,
        )
        sent += 1
    return sent


# --- delivery --------------------------------------------------------------------------------


async def delivery_gate(task_id: int, actor: User) -> tuple[Task, Award]:
    """Who may record the delivery, and whether it can be (checked before the body)."""
    task = await task_for(task_id)
    await _require_coordinator(task, actor)
    award_row = await Award.get_or_none(task_id=task.id).select_related("bid")
    if award_row is None:
        raise NotAwardedYet(_("The task has not been awarded yet."))
    return task, award_row


async def rate_delivery(
    task_id: int, data: DeliveryIn, *, actor: User, address: str = ""
) -> DeliveryRating:
    """The coordinator records the delivery of the awarded bid; the task is delivered."""
    task, award_row = await delivery_gate(task_id, actor)
    accepted, quality, on_time, comment = data.accepted, data.quality, data.on_time, data.comment
    try:
        async with transaction():
            locked, came_from = await tasks.lock_for(task.id, TaskStatus.DELIVERED)
            rating = await DeliveryRating.create(
                task=locked,
                bid=award_row.bid,
                vendor_id=award_row.bid.vendor_id,
                accepted=accepted,
                quality=quality,
                on_time=on_time,
                comment=comment,
                rated_by_id=actor.id,
                rated_at=clock.now(),
            )
            await tasks.mark_delivered(locked)
            await record(
                "task.delivered",
                actor=actor,
                object_type="task",
                object_id=task.id,
                before={"status": came_from},
                after={
                    "status": TaskStatus.DELIVERED,
                    "accepted": accepted,
                    "quality": quality,
                    "on_time": on_time,
                },
                address=address,
            )
            # The rating is part of the vendor's delivery record in the matching.
            await queue_index_refresh(award_row.bid.vendor_id)
            await after_commit("record_ocds_releases", [task.id])
    except IntegrityError as exc:
        raise AlreadyDone(_("The delivery is already recorded.")) from exc
    return rating


def rating_json(rating: DeliveryRating) -> dict[str, Any]:
    return {
        "id": rating.id,
        "task_id": rating.task_id,
        "bid_id": rating.bid_id,
        "vendor_id": rating.vendor_id,
        "accepted": rating.accepted,
        "quality": rating.quality,
        "on_time": rating.on_time,
        "comment": rating.comment,
        "status": TaskStatus.DELIVERED,
        "rated_at": clock.to_local(rating.rated_at).isoformat(),
    }


async def delivery_of(task: Task) -> DeliveryRating | None:
    return await DeliveryRating.get_or_none(task_id=task.id)


async def evaluation_page(task_id: int, user: User) -> dict[str, Any]:
    """Everything the evaluation page shows `user`, under the sealing rules."""
    task = await task_for(task_id)
    await _require_evaluator(task, user)
    bids = await submitted_bids(task)
    block = await access.reading_block(task, user)
    return {
        "task": task,
        "status": effective_status(task),
        "sealed": access.sealed(task),
        "count": len(bids),
        # Names only (never contents): what an evaluator needs to declare a conflict.
        "bidders": sorted(((b.vendor.id, b.vendor.name) for b in bids), key=lambda v: v[1]),
        "block": block,
        "declaration": await access.declaration_of(task, user),
        "is_coordinator": await access.is_coordinator(user, task),
        "rows": await standings(task, bids, user) if block is None else [],
        "award": await Award.get_or_none(task_id=task.id).select_related("bid__vendor"),
        "delivery": await delivery_of(task),
        "panel": await panel(task),
        "score_criteria": [c for c in task.criteria if not is_price(c["name"])],
    }
