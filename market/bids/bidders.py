"""Who bids: the caller's vendor, and why a vendor may not bid on a task (eligibility,
capacity before the delivery date).
"""

from __future__ import annotations

import datetime as dt

from market import clock
from market.accounts.models import User
from market.conduct.states import eligibility
from market.errors import NotFound
from market.i18n import gettext as _
from market.tasks.models import Task
from market.vendors.models import Vendor

DAYS_PER_MONTH = 30.44


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


async def eligibility_of(vendor: Vendor, at: dt.datetime) -> tuple[bool, list[str]]:
    verdict = await eligibility(vendor, at)
    return verdict.eligible, [str(r) for r in verdict.reasons]


async def bid_blockers(task: Task, vendor: Vendor, at: dt.datetime | None = None) -> list[str]:
    """Why this vendor cannot bid on this task (empty: it can). Every task is open to all
    eligible vendors (tasks have no invite-only option), so eligibility decides."""
    at = at or clock.now()
    eligible, reasons = await eligibility_of(vendor, at)
    blockers = [] if eligible else (reasons or [_("The vendor is not eligible.")])
    problem = capacity_problem(task, vendor, clock.to_local(at).date())
    if problem:
        blockers.append(problem)
    return blockers
