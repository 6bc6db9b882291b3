"""Reading and checking a task's fields, and the one state machine of a task's lifecycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

from market import clock
from market.accounts.models import Organisation
from market.accounts.services import find_municipality
from market.competencies.models import Competency
from market.competencies.services import unknown_codes as taxonomy_unknown
from market.errors import DeadlineMovedEarlier, DeadlinePassed, WrongStatus
from market.i18n import format_datetime
from market.i18n import gettext as _
from market.schemas import CPV, normalise_code
from market.tasks.models import Task, TaskStatus
from market.tasks.schemas import DEFAULT_CRITERIA, FundingLine

__all__ = ["CPV", "DEFAULT_CRITERIA", "normalise_code"]

# --- the state machine -------------------------------------------------------------------

# Legal moves from the *effective* status (see effective_status).
TRANSITIONS: dict[str, set[str]] = {
    TaskStatus.DRAFT: {TaskStatus.PUBLISHED, TaskStatus.CANCELLED},
    TaskStatus.PUBLISHED: {TaskStatus.CANCELLED},
    TaskStatus.CLOSED: {TaskStatus.CLOSED, TaskStatus.AWARDED, TaskStatus.CANCELLED},
    TaskStatus.AWARDED: {TaskStatus.DELIVERED},
    TaskStatus.DELIVERED: set(),
    TaskStatus.CANCELLED: set(),
}


def effective_status(task: Task, now: dt.datetime | None = None) -> str:
    """The status as of `now`: a published task is closed exactly when now >= bid_deadline."""
    now = now or clock.now()
    if task.status == TaskStatus.PUBLISHED and now >= task.bid_deadline:
        return TaskStatus.CLOSED
    return task.status


def bidding_open(task: Task, now: dt.datetime | None = None) -> bool:
    return effective_status(task, now) == TaskStatus.PUBLISHED


def transition(task: Task, to: str, now: dt.datetime | None = None) -> str:
    """Move `task` to `to` (on the instance; the caller saves and audits). Returns the
    status it came from. Raises Conflict for a move the lifecycle does not allow."""
    now = now or clock.now()
    current = effective_status(task, now)
    if to not in TRANSITIONS.get(current, set()):
        raise WrongStatus(
            _("A task that is %(current)s cannot become %(to)s.")
            % {"current": _(current), "to": _(to)}
        )
    if to == TaskStatus.PUBLISHED and now >= task.bid_deadline:
        raise DeadlinePassed(_("The bid deadline has passed: move it before publishing."))
    task.status = to
    if to == TaskStatus.PUBLISHED:
        task.published_at = now
    elif to == TaskStatus.CANCELLED:
        task.cancelled_at = now
    return current


# --- reading fields ----------------------------------------------------------------------


async def unknown_codes(codes: list[str]) -> list[str]:
    """Codes the competency taxonomy does not know. While the taxonomy is empty any 8-digit
    CPV code and non-empty code is accepted."""
    if not codes or not await Competency.exists():
        return []
    return await taxonomy_unknown(codes)


async def read_funding(
    lines: list[FundingLine], errors: dict[str, str]
) -> list[tuple[Organisation, int]]:
    """[(organisation, amount_dkk)]: each municipality named must exist, and once."""
    funding: list[tuple[Organisation, int]] = []
    problems: list[str] = []
    for line in lines:
        org = await find_municipality(line["municipality"])
        if org is None:
            problems.append(_("no municipality called %(name)r") % {"name": line["municipality"]})
            continue
        if any(o.id == org.id for o, _a in funding):
            problems.append(_("%(name)s is named twice") % {"name": org.short_name or org.name})
            continue
        funding.append((org, line["amount_dkk"]))
    if problems:
        errors["funding"] = "; ".join(problems).capitalize() + "."
    return funding


def check_consistency(
    clean: dict[str, Any],
    errors: dict[str, str],
    now: dt.datetime,
    *,
    deadline_changed: bool = True,
    question_changed: bool = True,
) -> None:
    """Rules between fields: money, deadlines and the municipality-specific option."""
    budget, funding = clean.get("budget_dkk"), clean.get("funding")
    if budget is not None and funding and "funding" not in errors:
        total = sum(amount for _org, amount in funding)
        if total != budget:
            errors["funding"] = _(
                "The funding adds up to %(total)s kr., but the budget is %(budget)s kr."
            ) % {"total": total, "budget": budget}
    if clean.get("municipality_specific") and funding and len(funding) != 1:
        errors["municipality_specific"] = _(
            "A municipality-specific task is paid by exactly one municipality."
        )
    deadline = clean.get("bid_deadline")
    if deadline is not None and deadline_changed and deadline <= now:
        errors["bid_deadline"] = _("The bid deadline is in the past.")
    delivery = clean.get("delivery_date")
    if (
        deadline is not None
        and delivery is not None
        and (delivery < clock.to_local(deadline).date())
    ):
        errors["delivery_date"] = _("The delivery date is before the bid deadline.")
    question = clean.get("question_deadline")
    if deadline is not None and question is not None:
        if question > deadline:
            errors["question_deadline"] = _(
                "The question deadline must not be after the bid deadline."
            )
        elif question <= now and question_changed:
            errors["question_deadline"] = _("The question deadline is in the past.")


def _local_time(moment: dt.datetime) -> str:
    """Danish time written as the pages write it in the reader's language."""
    return format_datetime(clock.to_local(moment))


def check_published_deadlines(task: Task, body: dict[str, Any]) -> None:
    """Once bidding is open, no edit may close it or the questions earlier than announced.

    Moving a deadline earlier would let a coordinator unseal the bids early: the only way to
    stop a published task early is to cancel it, which tells every vendor concerned."""
    errors: dict[str, str] = {}
    bid = body.get("bid_deadline")
    if bid is not None and bid < task.bid_deadline:
        errors["bid_deadline"] = _(
            "A published task's bid deadline can only move later (now %(deadline)s). "
            "Cancel the task to stop it early."
        ) % {"deadline": _local_time(task.bid_deadline)}
    question = body.get("question_deadline")
    if question is not None and question < task.question_deadline:
        errors["question_deadline"] = _(
            "A published task's question deadline can only move later (now %(deadline)s)."
        ) % {"deadline": _local_time(task.question_deadline)}
    if errors:
        raise DeadlineMovedEarlier(next(iter(errors.values())), errors)
