"""Who may read sealed bids: the one place that decides, for pages, the API and exports.

Before the bid deadline only the bidding vendor's own users see a bid. From the deadline
(now >= bid_deadline, by the clock at the moment of the request) the task's evaluators see
the submitted bids too, once they have declared that they have no conflict of interest.
Evaluators are the coordinators of the task's solution plus its panel members.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from market import clock
from market.bids.models import ConflictDeclaration, PanelMember
from market.i18n import format_datetime
from market.i18n import gettext as _
from market.solutions import services as solutions
from market.tasks.models import Task


def sealed(task: Task, now: dt.datetime | None = None) -> bool:
    return (now or clock.now()) < task.bid_deadline


def is_vendor_user(user: Any, vendor_organisation_id: int) -> bool:
    return bool(
        user is not None and user.is_vendor and user.organisation_id == vendor_organisation_id
    )


async def is_coordinator(user: Any, task: Task) -> bool:
    return await solutions.is_coordinator(user, task.solution_id)


async def is_evaluator(user: Any, task: Task) -> bool:
    if user is None:
        return False
    if await is_coordinator(user, task):
        return True
    return user.has_role("municipality") and await PanelMember.exists(
        task_id=task.id, user_id=user.id
    )


async def declaration_of(task: Task, user: Any) -> ConflictDeclaration | None:
    if user is None:
        return None
    return await ConflictDeclaration.get_or_none(task_id=task.id, user_id=user.id)


def sealed_message(task: Task) -> str:
    return _("The bids are sealed until the bid deadline, %(deadline)s.") % {
        "deadline": format_datetime(clock.to_local(task.bid_deadline), seconds=True)
    }


async def reading_block(task: Task, user: Any) -> str | None:
    """Why `user` may not read this task's submitted bids now (None: they may)."""
    if not await is_evaluator(user, task):
        return _("Only the evaluators of this task can read its bids.")
    if sealed(task):
        return sealed_message(task)
    declaration = await declaration_of(task, user)
    if declaration is None:
        return _(
            "Declare that you have no conflict of interest with the bidders before you read "
            "the bids."
        )
    if not declaration.no_conflict:
        return _("You declared a conflict of interest, so you take no part in this evaluation.")
    return None
