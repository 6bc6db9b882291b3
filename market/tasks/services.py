"""Tasks: create, edit with a change log, publish, cancel, invite vendors, list and read."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from market import clock
from market.accounts.models import User
from market.audit.services import record
from market.bids.models import Bid
from market.db import after_commit, transaction
from market.errors import ChangedMeanwhile, NotFound, ValidationFailed, WrongStatus
from market.i18n import gettext as _
from market.mail.services import queue_mail
from market.orm import column
from market.schemas import parse
from market.solutions import services as solutions
from market.solutions.models import Solution, Wish
from market.tasks import rules
from market.tasks.models import (
    Invitation,
    Question,
    Task,
    TaskChange,
    TaskFollower,
    TaskFunding,
    TaskStatus,
    TaskWish,
)
from market.tasks.rules import bidding_open, effective_status, transition
from market.tasks.schemas import TaskContent, TaskCreate, TaskUpdate
from market.vendors.models import Vendor

__all__ = ["bidding_open", "effective_status", "transition"]

EDITABLE = (
    "title",
    "description",
    "required",
    "nice_to_have",
    "estimate_hours",
    "budget_dkk",
    "bid_deadline",
    "question_deadline",
    "delivery_date",
    "funding",
    "wish_ids",
    "criteria",
    "municipality_specific",
)


# --- checking input against the database and the clock ----------------------------------


async def _read_solution(solution_id: int, actor: User) -> Solution:
    solution = await solutions.get_solution(solution_id)
    if solution is None:
        raise ValidationFailed(
            _("Choose the solution the task belongs to."),
            {"solution_id": _("Choose an existing solution.")},
        )
    await solutions.require_coordinator(actor, solution)
    return solution


async def clean_task(
    data: TaskContent, solution: Solution, *, task: Task | None = None
) -> dict[str, Any]:
    """The rules of a task the schema cannot check (codes that exist, municipalities, wishes
    of the solution, deadlines in the future and in order); raises ValidationFailed naming
    each wrong field. The fields to store, funding as (organisation, amount)."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = data.model_dump(include=set(EDITABLE))
    for name in ("required", "nice_to_have"):
        unknown = await rules.unknown_codes(clean[name])
        if unknown:
            errors[name] = _("Unknown codes: %(codes)s.") % {"codes": ", ".join(unknown)}
    if clean["question_deadline"] is None:
        clean["question_deadline"] = clean["bid_deadline"]
    clean["funding"] = await rules.read_funding(data.funding, errors)
    clean["wish_ids"] = await _read_wishes(data.wish_ids, solution, errors)
    rules.check_consistency(
        clean,
        errors,
        clock.now(),
        deadline_changed=task is None or clean["bid_deadline"] != task.bid_deadline,
        question_changed=task is None or clean["question_deadline"] != task.question_deadline,
    )
    if errors:
        raise ValidationFailed(str(TaskContent.failure_message), errors)
    return clean


async def _read_wishes(ids: list[int], solution: Solution, errors: dict[str, str]) -> list[int]:
    ids = sorted(set(ids))
    found = (
        set(
            await column(
                Wish.filter(id__in=ids, solution_id=solution.id).values_list("id", flat=True)
            )
        )
        if ids
        else set()
    )
    unknown = [i for i in ids if i not in found]
    if unknown:
        errors["wish_ids"] = _("These are not wishes of %(solution)s: %(ids)s.") % {
            "solution": solution.name,
            "ids": ", ".join(map(str, unknown)),
        }
    return ids


# --- create and edit ---------------------------------------------------------------------


async def create_task(data: TaskCreate, *, actor: User, address: str = "") -> Task:
    """A draft task on a solution, by one of its coordinators. Nothing is saved on error."""
    solution = await _read_solution(data.solution_id, actor)
    clean = await clean_task(data, solution)
    async with transaction():
        task = await Task.create(
            solution=solution,
            created_by=actor,
            status=TaskStatus.DRAFT,
            **{k: v for k, v in clean.items() if k not in ("funding", "wish_ids")},
        )
        await _save_links(task, clean)
        await record(
            "task.created",
            actor=actor,
            object_type="task",
            object_id=task.id,
            after=_snapshot(task, clean),
            address=address,
        )
    return task


async def _save_links(task: Task, clean: dict[str, Any]) -> None:
    await TaskFunding.filter(task_id=task.id).delete()
    for org, amount in clean["funding"]:
        await TaskFunding.create(task=task, organisation=org, amount_dkk=amount)

    await TaskWish.filter(task_id=task.id).delete()
    for wish_id in clean["wish_ids"]:
        await TaskWish.create(task=task, wish_id=wish_id)


def _display(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in ("bid_deadline", "question_deadline"):
        return clock.to_local(value).isoformat(timespec="minutes")
    if name == "delivery_date":
        return str(value.isoformat())
    if name == "funding":
        return ", ".join(f"{org.short_name or org.name}: {amount}" for org, amount in value)
    if name == "criteria":
        return ", ".join(f"{c['name']}: {c['weight']}" for c in value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _snapshot(task: Task, clean: dict[str, Any]) -> dict[str, str]:
    return {name: _display(name, clean[name]) for name in EDITABLE if name in clean}


async def current_values(task: Task) -> dict[str, Any]:
    """The task as input fields (so an edit may send only the fields it changes)."""
    funding = await TaskFunding.filter(task_id=task.id).select_related("organisation")

    wish_ids = await TaskWish.filter(task_id=task.id).values_list("wish_id", flat=True)
    return {
        "title": task.title,
        "description": task.description,
        "required": task.required,
        "nice_to_have": task.nice_to_have,
        "estimate_hours": task.estimate_hours,
        "budget_dkk": task.budget_dkk,
        "bid_deadline": clock.to_local(task.bid_deadline).isoformat(),
        "question_deadline": clock.to_local(task.question_deadline).isoformat(),
        "delivery_date": task.delivery_date.isoformat(),
        "funding": [
            {"municipality": f.organisation.code or f.organisation.name, "amount_dkk": f.amount_dkk}
            for f in funding
        ],
        "wish_ids": sorted(wish_ids),
        "criteria": task.criteria,
        "municipality_specific": task.municipality_specific,
    }


async def update_task(task_id: int, data: TaskUpdate, *, actor: User, address: str = "") -> Task:
    """Edit a draft or open task with the fields sent in `data`; a field not sent never changes.

    Once published, the bid deadline only moves later and the question deadline never moves
    earlier (cancelling is the only way to stop early); each changed field goes into the
    visible change log and every vendor concerned is told."""
    task = await visible_task(task_id, actor)
    solution = await task.solution
    await solutions.require_coordinator(actor, solution)
    status = effective_status(task)
    if status not in (TaskStatus.DRAFT, TaskStatus.PUBLISHED):
        raise WrongStatus(
            _("A task that is %(status)s can no longer be edited.") % {"status": _(status)}
        )
    touched = data.model_dump(exclude_unset=True)
    if task.published_at is not None:
        rules.check_published_deadlines(task, touched)
    merged = {**await current_values(task), **touched}
    if merged.get("question_deadline") in (None, ""):
        merged["question_deadline"] = None  # sent empty: it follows the bid deadline
    elif (
        status == TaskStatus.DRAFT
        and "bid_deadline" in touched
        and "question_deadline" not in touched
        and task.question_deadline == task.bid_deadline
    ):
        merged["question_deadline"] = None  # a draft's default follows the bid deadline
    clean = await clean_task(parse(TaskContent, merged), solution, task=task)
    old = await _old_clean(task)
    changes = {
        name: (_display(name, old[name]), _display(name, clean[name]))
        for name in EDITABLE
        if _display(name, old[name]) != _display(name, clean[name])
    }
    if not changes:
        return task
    async with transaction():
        for name, value in clean.items():
            if name not in ("funding", "wish_ids"):
                setattr(task, name, value)
        await task.save()
        await _save_links(task, clean)
        if task.published_at is not None:
            for name, (was, now) in changes.items():
                await TaskChange.create(
                    task=task,
                    field=name,
                    before=was,
                    after=now,
                    actor_id=actor.id,
                    actor_label=actor.name or actor.email,
                )
        await record(
            "task.updated",
            actor=actor,
            object_type="task",
            object_id=task.id,
            before={k: v[0] for k, v in changes.items()},
            after={k: v[1] for k, v in changes.items()},
            address=address,
        )
        if task.published_at is not None:  # the shortlist follows the edit
            await after_commit("compute_shortlist", task.id, job_id=f"shortlist:{task.id}")
            await after_commit("record_ocds_releases", [task.id])
    if task.published_at is not None:
        await _notify_concerned(
            task,
            "tasks/changed",
            f"task-changed:{task.id}:{int(clock.now().timestamp())}",
            fields=sorted(changes),
        )
    return task


async def _old_clean(task: Task) -> dict[str, Any]:
    funding = await TaskFunding.filter(task_id=task.id).select_related("organisation")

    wish_ids = await TaskWish.filter(task_id=task.id).values_list("wish_id", flat=True)
    old: dict[str, Any] = {
        name: getattr(task, name) for name in EDITABLE if name not in ("funding", "wish_ids")
    }
    old["funding"] = [(f.organisation, f.amount_dkk) for f in funding]
    old["wish_ids"] = sorted(wish_ids)
    return old


# --- lifecycle ---------------------------------------------------------------------------


async def _move(task_id: int, to: str, *, actor: User, address: str) -> Task:
    task = await visible_task(task_id, actor)
    await solutions.require_coordinator(actor, await task.solution)
    async with transaction():
        # Lock-free guard: the update only applies if nobody moved the task meanwhile.
        previous_status = task.status
        came_from = transition(task, to)
        updated = await Task.filter(id=task.id, status=previous_status).update(
            status=task.status,
            published_at=task.published_at,
            cancelled_at=task.cancelled_at,
        )
        if not updated:
            raise ChangedMeanwhile(_("The task was changed meanwhile: reload and try again."))
        await record(
            f"task.{to}",
            actor=actor,
            object_type="task",
            object_id=task.id,
            before={"status": came_from},
            after={"status": to},
            address=address,
        )
        await after_commit("record_ocds_releases", [task.id])  # the open-data feed at once
    return task


async def publish_task(task_id: int, *, actor: User, address: str = "") -> Task:
    """Open bidding; the shortlist is computed by a job after commit."""
    async with transaction():
        task = await _move(task_id, TaskStatus.PUBLISHED, actor=actor, address=address)
        # Debounced like every other shortlist job: one run when several ask at once.
        await after_commit("compute_shortlist", task.id, job_id=f"shortlist:{task.id}")
    return task


async def cancel_task(task_id: int, *, actor: User, address: str = "") -> Task:
    task = await _move(task_id, TaskStatus.CANCELLED, actor=actor, address=address)
    if task.published_at is not None:
        await _notify_concerned(task, "tasks/cancelled", f"task-cancelled:{task.id}")
    return task


async def close_due_tasks() -> int:
    """Persist `closed` for published tasks past their deadline (listing only: the status
    is derived at read time, so nothing depends on this having run)."""
    return await Task.filter(status=TaskStatus.PUBLISHED, bid_deadline__lte=clock.now()).update(
        status=TaskStatus.CLOSED
    )


# --- the outcome (the evaluation in market.bids moves the task through these) --------------


async def lock_for(task_id: int, to: str) -> tuple[Task, str]:
    """The task locked for a move to `to` inside the caller's transaction, and the status it
    comes from (Conflict when the move is not allowed)."""
    locked = await Task.filter(id=task_id).select_for_update().first()
    assert locked is not None
    return locked, transition(locked, to)


async def mark_awarded(task: Task) -> None:
    """The task is awarded (locked by `lock_for(task.id, AWARDED)` in this transaction)."""
    await Task.filter(id=task.id).update(status=TaskStatus.AWARDED)


async def mark_delivered(task: Task) -> None:
    """The task is delivered (locked by `lock_for(task.id, DELIVERED)` in this transaction)."""
    await Task.filter(id=task.id).update(status=TaskStatus.DELIVERED)


# --- reading -----------------------------------------------------------------------------


async def can_see_drafts(user: Any, task: Task) -> bool:
    if user is None:
        return False
    if user.has_role("secretariat"):
        return True
    return await solutions.is_coordinator(user, task.solution_id)


async def visible_task(task_id: int, user: Any) -> Task:
    """The task if `user` may know it exists: unpublished tasks only for the solution's
    coordinators and the secretariat (404 for anyone else)."""
    task = await Task.get_or_none(id=task_id)
    if task is None or (task.published_at is None and not await can_see_drafts(user, task)):
        raise NotFound(_("There is no such task."))
    return task


async def list_tasks(
    user: Any,
    *,
    solution_id: int | None = None,
    status: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Task], int]:
    """Published tasks for everyone; drafts too for their coordinators and the secretariat."""
    query = Task.all()
    if user is None or not user.has_role("secretariat"):
        mine = [s.id for s in await solutions.coordinated_solutions(user)]
        query = query.filter(Q(published_at__isnull=False) | Q(solution_id__in=mine or [0]))
    if solution_id:
        query = query.filter(solution_id=solution_id)
    now = clock.now()
    if status == TaskStatus.CLOSED:
        query = query.filter(
            Q(status=TaskStatus.CLOSED) | Q(status=TaskStatus.PUBLISHED, bid_deadline__lte=now)
        )
    elif status == TaskStatus.PUBLISHED:
        query = query.filter(status=TaskStatus.PUBLISHED, bid_deadline__gt=now)
    elif status in TaskStatus.ALL:
        query = query.filter(status=status)
    total = await query.count()
    rows = (
        await query.order_by("-id")
        .offset((page - 1) * per_page)
        .limit(per_page)
        .prefetch_related("solution")
    )
    return list(rows), total


async def task_detail(task_id: int, user: Any) -> dict[str, Any]:
    task = await visible_task(task_id, user)
    solution = await task.solution

    funding = list(await TaskFunding.filter(task_id=task.id).select_related("organisation"))
    wishes = [link.wish for link in await TaskWish.filter(task_id=task.id).select_related("wish")]
    changes = list(await TaskChange.filter(task_id=task.id).order_by("-id"))
    invitations = list(await Invitation.filter(task_id=task.id).select_related("vendor"))
    return {
        "task": task,
        "solution": solution,
        "funding": funding,
        "wishes": wishes,
        "changes": changes,
        "invitations": invitations,
        "status": effective_status(task),
        "is_coordinator": await solutions.is_coordinator(user, solution.id),
        "following": await follows(task, user),
    }


def task_json(task: Task, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": task.id,
        "solution_id": task.solution_id,
        "title": task.title,
        "description": task.description,
        "required": task.required,
        "nice_to_have": task.nice_to_have,
        "estimate_hours": task.estimate_hours,
        "budget_dkk": task.budget_dkk,
        "bid_deadline": clock.to_local(task.bid_deadline).isoformat(),
        "question_deadline": clock.to_local(task.question_deadline).isoformat(),
        "delivery_date": task.delivery_date.isoformat(),
        "criteria": task.criteria,
        "municipality_specific": task.municipality_specific,
        "status": effective_status(task),
        "bidding_open": bidding_open(task),
        "published_at": clock.to_local(task.published_at).isoformat()
        if task.published_at
        else None,
        "created_at": clock.to_local(task.created_at).isoformat(),
    }
    if detail is not None:
        data["solution"] = {"id": detail["solution"].id, "name": detail["solution"].name}
        data["funding"] = [
            {
                "municipality": f.organisation.short_name or f.organisation.name,
                "municipality_code": f.organisation.code,
                "amount_dkk": f.amount_dkk,
            }
            for f in detail["funding"]
        ]
        data["wish_ids"] = [w.id for w in detail["wishes"]]
        data["changes"] = [
            {
                "field": c.field,
                "before": c.before,
                "after": c.after,
                "by": c.actor_label,
                "at": clock.to_local(c.at).isoformat(),
            }
            for c in detail["changes"]
        ]
    return data


# --- invitations -------------------------------------------------------------------------


async def invite_vendors(
    task_id: int, vendor_ids: list[int], *, actor: User, address: str = ""
) -> list[Invitation]:
    """Invite vendors to bid on an open task and mail each vendor's users."""
    task = await visible_task(task_id, actor)
    await solutions.require_coordinator(actor, await task.solution)
    if not vendor_ids:
        raise ValidationFailed(
            _("Name the vendors to invite."), {"vendor_ids": _("Send a list of vendor ids.")}
        )
    vendors = list(await Vendor.filter(id__in=vendor_ids))
    unknown = sorted(set(vendor_ids) - {v.id for v in vendors})
    if unknown:
        raise ValidationFailed(
            _("Some vendors do not exist."),
            {
                "vendor_ids": _("Unknown vendor ids: %(ids)s.")
                % {"ids": ", ".join(map(str, unknown))}
            },
        )
    if not bidding_open(task):
        raise WrongStatus(_("Vendors can only be invited while the task is open for bids."))
    invitations = []
    for vendor in vendors:
        try:
            async with transaction():
                invitation = await Invitation.create(
                    task=task, vendor=vendor, invited_by_id=actor.id
                )
                await record(
                    "task.vendor_invited",
                    actor=actor,
                    object_type="task",
                    object_id=task.id,
                    after={"vendor": vendor.name},
                    address=address,
                )
        except IntegrityError:
            invitation = await Invitation.get(task_id=task.id, vendor_id=vendor.id)
        invitations.append(invitation)
        await _mail_vendor(vendor, "tasks/invited", f"task-invited:{invitation.id}", task=task)
    # Invitations count in the matching exposure ledger.
    await after_commit("refresh_exposure", sorted(i.vendor_id for i in invitations))
    return invitations


# --- mail --------------------------------------------------------------------------------


async def _mail_vendor(vendor: Vendor, template: str, key: str, **values: Any) -> None:
    settings_url = values.pop("base_url", "")
    for user in await User.filter(organisation_id=vendor.organisation_id, is_active=True):
        await queue_mail(
            to=user.email,
            template=template,
            key=f"{key}:{user.id}",
            language=user.language,
            user=user,
            vendor=vendor,
            base_url=settings_url,
            **values,
        )


async def concerned_vendor_ids(task: Task) -> set[int]:
    """Every vendor a change to the task concerns: bidders (drafts and withdrawn bids
    included), invited vendors, those who asked a question and those who follow it."""
    ids: list[Any] = []
    for model in (Bid, Invitation, Question, TaskFollower):
        ids += await model.filter(task_id=task.id).values_list("vendor_id", flat=True)
    return {int(i) for i in ids}


async def follow_task(task_id: int, *, actor: User, follow: bool = True) -> bool:
    """A vendor user follows (or stops following) a published task for its company."""
    task = await visible_task(task_id, actor)
    vendor = await Vendor.get_or_none(organisation_id=actor.organisation_id)
    if vendor is None or task.published_at is None:
        raise NotFound(_("There is no such task."))
    if follow:
        await TaskFollower.bulk_create(
            [TaskFollower(task_id=task.id, vendor_id=vendor.id)], ignore_conflicts=True
        )
    else:
        await TaskFollower.filter(task_id=task.id, vendor_id=vendor.id).delete()
    return follow


async def follows(task: Task, user: Any) -> bool:
    if user is None or not user.is_vendor:
        return False
    return await TaskFollower.filter(
        task_id=task.id, vendor__organisation_id=user.organisation_id
    ).exists()


async def _notify_concerned(task: Task, template: str, key: str, **values: Any) -> None:
    for vendor in await Vendor.filter(id__in=list(await concerned_vendor_ids(task)) or [0]):
        await _mail_vendor(vendor, template, key, task=task, **values)
