"""Open data: the OCDS 1.1 release package and the public statistics.

Nothing sealed is ever published: before a task's bid deadline no figure says how many bids
it has, who bid or at what price. Every count of bids below is over tasks past their deadline.

Decisions (see docs/opendata.md):
- One release per task, describing its current state; the release id names that state
  ("<ocid>-tender", "-closed", "-award", "-contract", "-cancelled") so it changes whenever the
  state does.
- procurementMethod is "open": every task is open to all eligible vendor partners (the bids
  module has no invite-only option); invitations are only a nudge, so they do not make a
  task "limited". Should an invite-only option arrive, `procurement_method` is the one place
  to change.
- buyer is the funding municipality paying the most (ties: the lowest municipality code);
  every funder is a party with the role "payer", the secretariat is the "procuringEntity".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from market import clock
from market.accounts.models import Organisation, OrganisationKind
from market.bids.models import Award, Bid, DeliveryRating
from market.tasks.models import Invitation, Task, TaskFunding, TaskStatus
from market.tasks.rules import CPV, effective_status
from market.vendors.models import SIZE_CLASSES, SME_CLASSES, Vendor

PUBLIC_STATUSES = (
    TaskStatus.PUBLISHED,
    TaskStatus.CLOSED,
    TaskStatus.AWARDED,
    TaskStatus.DELIVERED,
    TaskStatus.CANCELLED,
)
CURRENCY = "DKK"
PUBLISHER = "Partner Market (OS2)"
OCDS_SCALE = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}


def _iso(value: dt.datetime) -> str:
    return clock.to_local(value).replace(microsecond=0).isoformat()


def _money(amount: int | None) -> dict[str, Any]:
    return {"amount": amount or 0, "currency": CURRENCY}


def procurement_method(task: Task, invitations: list[Invitation]) -> tuple[str, str]:
    """(procurementMethod, details). Every task is open to all eligible vendors."""
    details = "Open to every vendor partner who has signed the current Code of Conduct."
    if invitations:
        details += f" {len(invitations)} vendor partner(s) were also invited directly."
    return "open", details


async def public_tasks() -> list[Task]:
    """Tasks ever published (drafts and never-published cancellations stay private)."""
    return list(
        await Task.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
        .order_by("id")
        .prefetch_related("solution")
    )


async def submitted_bid_counts(task_ids: list[int]) -> dict[int, int]:
    """Submitted, not withdrawn bids per task. Callers pass only tasks past their deadline."""
    if not task_ids:
        return {}
    rows: list[Any] = list(
        await Bid.filter(
            task_id__in=task_ids, submitted_at__isnull=False, withdrawn_at__isnull=True
        ).values_list("task_id", flat=True)
    )
    return dict(Counter(int(r) for r in rows))


# --- OCDS ------------------------------------------------------------------------------------


@dataclass
class _Context:
    now: dt.datetime
    funding: dict[int, list[TaskFunding]] = field(default_factory=dict)
    invitations: dict[int, list[Invitation]] = field(default_factory=dict)
    awards: dict[int, Award] = field(default_factory=dict)
    ratings: dict[int, DeliveryRating] = field(default_factory=dict)
    bid_counts: dict[int, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    secretariat: Organisation | None = None


async def _context(tasks: list[Task], now: dt.datetime) -> _Context:
    ids = [t.id for t in tasks]
    ctx = _Context(now=now)
    for row in await TaskFunding.filter(task_id__in=ids).prefetch_related("organisation"):
        ctx.funding.setdefault(row.task_id, []).append(row)
    for invitation in await Invitation.filter(task_id__in=ids):
        ctx.invitations.setdefault(invitation.task_id, []).append(invitation)
    for award in await Award.filter(task_id__in=ids).prefetch_related("bid__vendor"):
        ctx.awards[award.task_id] = award
    for rating in await DeliveryRating.filter(task_id__in=ids):
        ctx.ratings[rating.task_id] = rating
    past = [t.id for t in tasks if now >= t.bid_deadline]
    ctx.bid_counts = await submitted_bid_counts(past)
    ctx.labels = await _cpv_labels(tasks)
    ctx.secretariat = await Organisation.filter(kind=OrganisationKind.SECRETARIAT).first()
    return ctx


async def _cpv_labels(tasks: list[Task]) -> dict[str, str]:
    from market.competencies.models import Competency

    codes = {c for t in tasks for c in [*t.required, *t.nice_to_have] if CPV.match(c)}
    if not codes:
        return {}
    return {c.code: c.label_da for c in await Competency.filter(code__in=list(codes))}


def _municipality_party(org: Organisation, roles: list[str]) -> dict[str, Any]:
    party: dict[str, Any] = {
        "id": f"DK-KOMKODE-{org.code}" if org.code else f"pmkt-org-{org.id}",
        "name": org.name,
        "roles": roles,
    }
    if org.code:
        party["identifier"] = {"scheme": "DK-KOMKODE", "id": org.code, "legalName": org.name}
    return party


def _vendor_party(vendor: Vendor) -> dict[str, Any]:
    return {
        "id": f"DK-CVR-{vendor.cvr}",
        "name": vendor.name,
        "identifier": {"scheme": "DK-CVR", "id": vendor.cvr, "legalName": vendor.name},
        "roles": ["supplier"],
        "details": {"scale": OCDS_SCALE[vendor.size_class]},
    }


def _items(task: Task, labels: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for code in dict.fromkeys([*task.required, *task.nice_to_have]):
        if not CPV.match(code):
            continue
        label = labels.get(code, code)
        items.append(
            {
                "id": str(len(items) + 1),
                "description": label,
                "classification": {"scheme": "CPV", "id": code[:8], "description": label},
            }
        )
    if not items:
        items.append({"id": "1", "description": task.title})
    return items


def _state(task: Task, ctx: _Context) -> str:
    status = effective_status(task, ctx.now)
    if status == TaskStatus.CANCELLED:
        return "cancelled"
    if task.id in ctx.ratings:
        return "contract"
    if task.id in ctx.awards:
        return "award"
    return "closed" if ctx.now >= task.bid_deadline else "tender"


def _release_date(task: Task, state: str, ctx: _Context) -> dt.datetime:
    if state == "cancelled" and task.cancelled_at:
        return task.cancelled_at
    if state == "contract":
        return ctx.ratings[task.id].rated_at
    if state == "award":
        return ctx.awards[task.id].awarded_at
    if state == "closed":
        return task.bid_deadline
    return task.published_at or task.created_at


TAGS = {
    "tender": ["tender"],
    "closed": ["tender"],
    "award": ["award"],
    "contract": ["award", "contract"],
    "cancelled": ["tenderCancellation"],
}
TENDER_STATUS = {
    "tender": "active",
    "closed": "active",
    "award": "complete",
    "contract": "complete",
    "cancelled": "cancelled",
}


def _release(task: Task, ctx: _Context, prefix: str) -> dict[str, Any]:
    ocid = f"{prefix}-{task.id}"
    state = _state(task, ctx)
    funding = sorted(
        ctx.funding.get(task.id, []),
        key=lambda f: (-f.amount_dkk, f.organisation.code or "", f.organisation_id),
    )
    parties: list[dict[str, Any]] = []
    buyer: dict[str, Any] | None = None
    for index, row in enumerate(funding):
        party = _municipality_party(
            row.organisation, ["buyer", "payer"] if index == 0 else ["payer"]
        )
        parties.append(party)
        if index == 0:
            buyer = {"id": party["id"], "name": party["name"]}
    method, method_details = procurement_method(task, ctx.invitations.get(task.id, []))
    tender: dict[str, Any] = {
        "id": f"{ocid}-tender",
        "title": task.title,
        "description": task.description,
        "status": TENDER_STATUS[state],
        "value": _money(task.budget_dkk),
        "procurementMethod": method,
        "procurementMethodDetails": method_details,
        "mainProcurementCategory": "services",
        "items": _items(task, ctx.labels),
        "tenderPeriod": {
            "startDate": _iso(task.published_at or task.created_at),
            "endDate": _iso(task.bid_deadline),
        },
        "enquiryPeriod": {"endDate": _iso(task.question_deadline)},
        "contractPeriod": {
            "endDate": dt.datetime.combine(
                task.delivery_date, dt.time(), tzinfo=clock.COPENHAGEN
            ).isoformat()
        },
    }
    if ctx.secretariat is not None:
        secretariat_id = f"pmkt-org-{ctx.secretariat.id}"
        parties.append(
            {"id": secretariat_id, "name": ctx.secretariat.name, "roles": ["procuringEntity"]}
        )
        tender["procuringEntity"] = {"id": secretariat_id, "name": ctx.secretariat.name}
    if ctx.now >= task.bid_deadline:  # never before the deadline: bids are sealed until then
        tender["numberOfTenderers"] = ctx.bid_counts.get(task.id, 0)
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{state}",
        "date": _iso(_release_date(task, state, ctx)),
        "tag": TAGS[state],
        "initiationType": "tender",
        "language": "da",
        "parties": parties,
        "tender": tender,
    }
    if buyer is not None:
        release["buyer"] = buyer
    award = ctx.awards.get(task.id)
    if award is not None and state in ("award", "contract"):
        release["awards"], release["contracts"] = _award_parts(ocid, award, ctx, parties)
        if not release["contracts"]:
            del release["contracts"]
    return release


def _award_parts(
    ocid: str, award: Award, ctx: _Context, parties: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    vendor = award.bid.vendor
    supplier = _vendor_party(vendor)
    parties.append(supplier)
    award_id = f"{ocid}-award-{award.id}"
    awards = [
        {
            "id": award_id,
            "title": "Award",
            "status": "active",
            "date": _iso(award.awarded_at),
            "value": _money(award.bid.price_dkk),
            "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
        }
    ]
    contracts = []
    rating = ctx.ratings.get(award.task_id)
    if rating is not None:
        contracts.append(
            {
                "id": f"{ocid}-contract-{award.id}",
                "awardID": award_id,
                "status": "terminated",
                "value": _money(award.bid.price_dkk),
                "dateSigned": _iso(award.awarded_at),
            }
        )
    return awards, contracts


async def release_package(base_url: str, prefix: str) -> dict[str, Any]:
    """The OCDS 1.1 release package of every published task, in its current state."""
    now = clock.now()
    tasks = await public_tasks()
    ctx = await _context(tasks, now)
    return {
        "uri": f"{base_url}/api/v1/ocds/releases",
        "version": "1.1",
        "publishedDate": _iso(now),
        "publisher": {"name": PUBLISHER, "uri": base_url},
        "license": "https://creativecommons.org/publicdomain/zero/1.0/",
        "publicationPolicy": f"{base_url}/statistics",
        "releases": [_release(task, ctx, prefix) for task in tasks],
    }


# --- statistics --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    count: int
    width: float  # 0..100, of the largest in its chart


@dataclass(frozen=True)
class Statistics:
    tasks_by_status: list[Bar]
    tasks_total: int
    bids_distribution: list[Bar]  # tasks past their deadline, by number of bids
    tasks_past_deadline: int
    awards_by_size: list[Bar]
    money_by_size: dict[str, int]
    awarded_money: int
    small_money: int  # SMEs (micro, small, medium: under 250 employees), as on the fairness page

    @property
    def small_share(self) -> float:
        return self.small_money / self.awarded_money if self.awarded_money else 0.0


def _bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((n for _k, n in pairs), default=0) or 1
    return [Bar(k, n, round(n / top * 100, 2)) for k, n in pairs]


BID_BUCKETS = ("0", "1", "2", "3", "4", "5+")


async def statistics() -> Statistics:
    """Public figures. Bids are counted only on tasks past their deadline."""
    now = clock.now()
    tasks = await public_tasks()
    by_status = Counter(effective_status(t, now) for t in tasks)
    past = [t.id for t in tasks if now >= t.bid_deadline]
    counts = await submitted_bid_counts(past)
    buckets = Counter(min(counts.get(i, 0), 5) for i in past)
    awards = await Award.filter(task_id__in=[t.id for t in tasks]).prefetch_related("bid__vendor")
    by_size = Counter(a.bid.vendor.size_class for a in awards)
    money = Counter[str]()
    for award in awards:
        money[award.bid.vendor.size_class] += award.bid.price_dkk or 0
    total = sum(money.values())
    return Statistics(
        tasks_by_status=_bars([(s, by_status.get(s, 0)) for s in PUBLIC_STATUSES]),
        tasks_total=len(tasks),
        bids_distribution=_bars(
            [(label, buckets.get(i, 0)) for i, label in enumerate(BID_BUCKETS)]
        ),
        tasks_past_deadline=len(past),
        awards_by_size=_bars([(s, by_size.get(s, 0)) for s in SIZE_CLASSES]),
        money_by_size={s: money.get(s, 0) for s in SIZE_CLASSES},
        awarded_money=total,
        small_money=sum(money.get(s, 0) for s in SME_CLASSES),
    )
