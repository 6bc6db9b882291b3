"""What a vendor sees as open tasks: every task open for bids, why it fits and, where the
vendor cannot bid, why not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from market import clock
from market.accounts.models import User
from market.bids.bidders import capacity_problem, eligibility_of, own_vendor
from market.bids.models import Bid
from market.bids.reading import local_time
from market.competencies import services as competencies
from market.competencies.models import VendorCompetency
from market.i18n import gettext as _
from market.orm import column
from market.shortlists import services as shortlists
from market.tasks.models import Invitation, Task, TaskStatus


async def fit_reasons(vendor_id: int, tasks: Sequence[Task]) -> dict[int, list[str]]:
    """Why each task fits: from the task's shortlist where it ranks the vendor, else from the
    overlap of the vendor's competencies with the task's codes."""
    raw = await shortlists.fit_reasons(vendor_id, [t.id for t in tasks])
    found = {int(k): [str(r) for r in v] for k, v in raw.items() if v}
    missing = [t for t in tasks if t.id not in found]
    if missing:
        found.update(await _overlap_reasons(vendor_id, missing))
    return found


async def _overlap_reasons(vendor_id: int, tasks: Sequence[Task]) -> dict[int, list[str]]:
    """Fit reasons from the overlap of the vendor's competencies with the task's codes."""
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
    invited = set(
        await column(Invitation.filter(vendor_id=vendor.id).values_list("task_id", flat=True))
    )
    query = Task.filter(
        status=TaskStatus.PUBLISHED, published_at__isnull=False, bid_deadline__gt=now
    )
    total = await query.count()
    rows = sorted(await query, key=lambda t: (t.id not in invited, t.bid_deadline, t.id))
    rows = rows[(page - 1) * per_page : page * per_page]
    fits = await fit_reasons(vendor.id, rows)
    eligible, reasons = await eligibility_of(vendor, now)
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
        "bid_deadline": local_time(task.bid_deadline),
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
