"""Open data: the public statistics and the CSV files (the OCDS releases are in ocds.py).

Nothing sealed is ever published: before a task's bid deadline no figure says how many bids
it has, who bid or at what price. Every count of bids below is over tasks past their deadline.
Every figure is counted in the database (GROUP BY and COUNT/SUM), never by loading the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Count, Sum

from market import clock, exports
from market.bids.models import Award, Bid, DeliveryRating
from market.orm import column
from market.tasks.models import Task, TaskStatus
from market.tasks.rules import effective_status
from market.vendors.models import SIZE_CLASSES, SME_CLASSES
from market.vendors.services import public_register

PUBLIC_STATUSES = (
    TaskStatus.PUBLISHED,
    TaskStatus.CLOSED,
    TaskStatus.AWARDED,
    TaskStatus.DELIVERED,
    TaskStatus.CANCELLED,
)
# The employee counts of each size class, as vendors.models.size_class_for draws them.
SIZE_RANGES = {"micro": (0, 10), "small": (10, 50), "medium": (50, 250), "large": (250, None)}


def _public() -> Any:
    """Tasks ever published (drafts and never-published cancellations stay private)."""
    return Task.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)


async def public_tasks(task_ids: Iterable[int] | None = None) -> list[Task]:
    query = _public()
    if task_ids is not None:
        query = query.filter(id__in=list(task_ids))
    return list(await query.order_by("id"))


def _submitted() -> Any:
    return Bid.filter(submitted_at__isnull=False, withdrawn_at__isnull=True)


async def submitted_bid_counts(task_ids: list[int]) -> dict[int, int]:
    """Submitted, not withdrawn bids per task. Callers pass only tasks past their deadline."""
    if not task_ids:
        return {}
    rows = await (
        _submitted()
        .filter(task_id__in=task_ids)
        .annotate(n=Count("id"))
        .group_by("task_id")
        .values("task_id", "n")
    )
    return {int(row["task_id"]): int(row["n"]) for row in rows}


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


async def _tasks_by_status(now: dt.datetime) -> dict[str, int]:
    rows = await _public().annotate(n=Count("id")).group_by("status").values("status", "n")
    counts = {str(row["status"]): int(row["n"]) for row in rows}
    # A published task is closed from its deadline on (tasks.rules.effective_status).
    overdue = await _public().filter(status=TaskStatus.PUBLISHED, bid_deadline__lte=now).count()
    counts[TaskStatus.PUBLISHED] = counts.get(TaskStatus.PUBLISHED, 0) - overdue
    counts[TaskStatus.CLOSED] = counts.get(TaskStatus.CLOSED, 0) + overdue
    return counts


async def _bid_buckets(now: dt.datetime) -> tuple[dict[int, int], int]:
    past = _public().filter(bid_deadline__lte=now)
    past_total = await past.count()
    rows = await (
        _submitted()
        .filter(task__status__in=PUBLIC_STATUSES, task__published_at__isnull=False)
        .filter(task__bid_deadline__lte=now)
        .annotate(n=Count("id"))
        .group_by("task_id")
        .values("task_id", "n")
    )
    buckets: dict[int, int] = {}
    for row in rows:
        key = min(int(row["n"]), 5)
        buckets[key] = buckets.get(key, 0) + 1
    buckets[0] = past_total - len(rows)
    return buckets, past_total


async def _awards_by_size() -> tuple[dict[str, int], dict[str, int]]:
    counts: dict[str, int] = {}
    money: dict[str, int] = {}
    for size, (low, high) in SIZE_RANGES.items():
        query = Award.filter(task__published_at__isnull=False, bid__vendor__employees__gte=low)
        if high is not None:
            query = query.filter(bid__vendor__employees__lt=high)
        row = await query.annotate(n=Count("id"), money=Sum("bid__price_dkk")).values("n", "money")
        counts[size] = int(row[0]["n"] or 0) if row else 0
        money[size] = int(row[0]["money"] or 0) if row else 0
    return counts, money


async def statistics() -> Statistics:
    """Public figures, counted in SQL. Bids are counted only on tasks past their deadline."""
    now = clock.now()
    by_status = await _tasks_by_status(now)
    buckets, past_total = await _bid_buckets(now)
    by_size, money = await _awards_by_size()
    total = sum(money.values())
    return Statistics(
        tasks_by_status=_bars([(s, by_status.get(s, 0)) for s in PUBLIC_STATUSES]),
        tasks_total=sum(by_status.values()),
        bids_distribution=_bars(
            [(label, buckets.get(i, 0)) for i, label in enumerate(BID_BUCKETS)]
        ),
        tasks_past_deadline=past_total,
        awards_by_size=_bars([(s, by_size.get(s, 0)) for s in SIZE_CLASSES]),
        money_by_size={s: money.get(s, 0) for s in SIZE_CLASSES},
        awarded_money=total,
        small_money=sum(money.get(s, 0) for s in SME_CLASSES),
    )


# --- CSV ---------------------------------------------------------------------------------

TASK_COLUMNS = (
    "task_id",
    "ocid",
    "title",
    "solution",
    "status",
    "budget_dkk",
    "published_at",
    "question_deadline",
    "bid_deadline",
    "delivery_date",
    "required_codes",
    "number_of_bids",
)
AWARD_COLUMNS = (
    "task_id",
    "ocid",
    "title",
    "awarded_at",
    "vendor",
    "vendor_cvr",
    "vendor_size_class",
    "price_dkk",
    "delivered",
)
REGISTER_COLUMNS = (
    "vendor",
    "cvr",
    "size_class",
    "website",
    "conduct_version",
    "signed_at",
    "state",
)


def _csv(columns: tuple[str, ...], rows: Iterable[Iterable[Any]]) -> str:
    # Titles, names and websites are user text: exports.cell keeps formulas from running.
    return exports.csv_text(rows, header=columns)


def _local(value: dt.datetime | None) -> str:
    return clock.to_local(value).replace(microsecond=0).isoformat() if value else ""


async def tasks_csv(ocid_prefix: str) -> str:
    """Every public task; the number of bids only once its deadline has passed."""
    now = clock.now()
    tasks = list(await _public().order_by("id").prefetch_related("solution"))
    counts = await submitted_bid_counts([t.id for t in tasks if now >= t.bid_deadline])
    return _csv(
        TASK_COLUMNS,
        (
            [
                t.id,
                f"{ocid_prefix}-{t.id}",
                t.title,
                t.solution.name,
                effective_status(t, now),
                t.budget_dkk,
                _local(t.published_at),
                _local(t.question_deadline),
                _local(t.bid_deadline),
                t.delivery_date.isoformat(),
                " ".join(t.required),
                counts.get(t.id, 0) if now >= t.bid_deadline else "",
            ]
            for t in tasks
        ),
    )


async def awards_csv(ocid_prefix: str) -> str:
    """Every award of a public task: the winner and the winning price (never the others)."""
    awards = await (
        Award.filter(task__published_at__isnull=False)
        .order_by("task_id")
        .prefetch_related("task", "bid__vendor")
    )
    delivered = set(
        await column(
            DeliveryRating.filter(task_id__in=[a.task_id for a in awards]).values_list(
                "task_id", flat=True
            )
        )
    )
    return _csv(
        AWARD_COLUMNS,
        (
            [
                a.task_id,
                f"{ocid_prefix}-{a.task_id}",
                a.task.title,
                _local(a.awarded_at),
                a.bid.vendor.name,
                a.bid.vendor.cvr,
                a.bid.vendor.size_class,
                a.bid.price_dkk or 0,
                "yes" if a.task_id in delivered else "no",
            ]
            for a in awards
        ),
    )


async def register_csv() -> str:
    """The public register of vendor partners: those eligible today."""
    items, _total = await public_register(1, 10_000_000)
    return _csv(
        REGISTER_COLUMNS,
        (
            [
                item["name"],
                item["cvr"],
                item["size_class"],
                item["website"],
                item["conduct_version"] or "",
                item["signed_at"] or "",
                item["state"],
            ]
            for item in items
        ),
    )
