"""The stored standing: `states.decide`'s verdict per vendor, kept where SQL can filter on it.

The row holds the state without a suspension (the register's "underlying" state); whether a
vendor is suspended is read from the vendor's own `suspended_at` in the same query, so a
suspension counts the moment it is written, however it was written.

`refresh` is called inside the transaction of every conduct decision (signature, countersign,
reject, revoke, suspend, reinstate, a published version), so the stored row never disagrees
with the records it is derived from. Time alone also changes a state (a version comes into
force, a grace period ends): each row says until when it holds, and `current` recomputes the
rows past that moment (and the rows of vendors registered since) before a list reads them.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from market import clock, listcache
from market.conduct.models import ConductVersion, Signature, SignatureDecision, VendorStanding
from market.conduct.states import REGISTER_STATUS, State, decide_many
from market.orm import column
from market.vendors.models import Vendor

UPDATE_FIELDS = [
    "state",
    "register_status",
    "eligible",
    "version_label",
    "computed_at",
    "holds_until",
]
BATCH = 2000


def holds_until(versions: Sequence[ConductVersion], at: dt.datetime) -> dt.datetime | None:
    """The first local midnight after `at` at which a version comes into force or a grace
    period ends: until then no state changes by time alone (None: never)."""
    today = clock.to_local(at).date()
    days = set()
    for version in versions:
        days.add(version.effective_from)
        days.add(version.effective_from + dt.timedelta(days=version.grace_days))
    later = [d for d in days if d > today]
    if not later:
        return None
    midnight = dt.datetime.combine(min(later), dt.time(), tzinfo=clock.COPENHAGEN)
    return midnight.astimezone(dt.UTC)


async def refresh(vendor_ids: Iterable[int] | None = None, at: dt.datetime | None = None) -> int:
    """Recompute and store the standing of these vendors (all when None); returns how many."""
    at = at or clock.now()
    versions = list(await ConductVersion.all())
    until = holds_until(versions, at)
    ids = None if vendor_ids is None else sorted(set(vendor_ids))
    vendors_query = Vendor.all() if ids is None else Vendor.filter(id__in=ids)
    vendors = list(await vendors_query.only("id"))
    for vendor in vendors:
        vendor.suspended_at = None  # stored without the suspension (see the module's doc)
    done = 0
    for start in range(0, len(vendors), BATCH):
        chunk = vendors[start : start + BATCH]
        chunk_ids = [v.id for v in chunk]
        signatures = list(await Signature.filter(vendor_id__in=chunk_ids))
        sig_ids = [s.id for s in signatures]
        decisions = (
            list(await SignatureDecision.filter(signature_id__in=sig_ids)) if sig_ids else []
        )
        found = decide_many(chunk, versions, signatures, decisions, at)
        rows = [
            VendorStanding(
                vendor_id=vid,
                state=s.state,
                register_status=REGISTER_STATUS.get(s.state, "missing"),
                eligible=s.eligible,
                version_label=s.signed_version,
                computed_at=at,
                holds_until=until,
            )
            for vid, s in found.items()
        ]
        await VendorStanding.bulk_create(
            rows, on_conflict=["vendor_id"], update_fields=UPDATE_FIELDS
        )
        done += len(rows)
    return done


async def current(at: dt.datetime | None = None) -> None:
    """Bring the stored standings up to `at` (by default now): recompute the rows that time
    has overtaken and add the vendors that have none. Two indexed queries when nothing is due."""
    at = at or clock.now()
    due = await column(
        VendorStanding.filter(Q(holds_until__lte=at) | Q(computed_at__gt=at)).values_list(
            "vendor_id", flat=True
        )
    )
    missing = await listcache.kept("vendors", "standing: vendors without a row", _missing)
    ids = [int(i) for i in [*due, *missing]]
    if ids:
        await refresh(ids, at)


async def _missing() -> list[Any]:
    """Vendors without a standing row (registered since): two counts of every row, so kept
    for the vendor lists' version (a registration changes it); 100,000 vendors on
    PostgreSQL: 30-70 ms per call, and the lists and the desk call `current` once or twice."""
    if await Vendor.all().count() == await VendorStanding.all().count():
        return []
    return await column(Vendor.filter(standing__id__isnull=True).values_list("id", flat=True))


def eligible_vendors() -> QuerySet[Vendor]:
    """Vendors eligible now, as a query to filter, order, count and page further."""
    return Vendor.filter(standing__eligible=True, suspended_at__isnull=True)


async def page_of(
    query: QuerySet[Vendor],
    page: int,
    per_page: int,
    order: tuple[str, ...] = ("name", "id"),
    *,
    kept: str = "",
) -> list[Vendor]:
    """One page of vendors (by name unless `order` says otherwise): the ids are sorted and cut
    in SQL first, so the sort does not carry every column (profile texts) of every vendor.

    `kept` names the query whole (every filter in it) when it reads only the vendor lists'
    tables and is one of few (no free text): then the whole ordered list of ids is kept per
    process for the lists' version, so a deep page (page 50 of the active vendors: a join
    of every vendor and its standing, sorted, 15-30 ms at 10k) is a slice."""
    if kept:
        every = await listcache.kept(
            "vendors", f"ordered ids: {kept} by {','.join(order)}", lambda: _ordered(query, order)
        )
        start = (page - 1) * per_page
        ids = list(every[start : start + per_page])
    else:
        ids = await column(
            query.order_by(*order)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .values_list("id", flat=True)
        )
    found = {v.id: v for v in await Vendor.filter(id__in=list(ids))}
    return [found[i] for i in ids if i in found]


async def _ordered(query: QuerySet[Vendor], order: tuple[str, ...]) -> array[int]:
    return array("i", await column(query.order_by(*order).values_list("id", flat=True)))


async def count(*, state: str = "", status: str = "", eligible: bool = False) -> int:
    """How many vendors have this state, register status or eligibility now, counted on the
    narrow standing table (the few suspended vendors are taken out by id); kept per process
    for the vendor lists' version."""
    return await listcache.kept(
        "vendors",
        f"standing count: state={state} status={status} eligible={eligible}",
        lambda: _count(state=state, status=status, eligible=eligible),
    )


async def _count(*, state: str, status: str, eligible: bool) -> int:
    if state == State.SUSPENDED:
        query = Vendor.filter(suspended_at__isnull=False)
        if status:
            query = query.filter(standing__register_status=status)
        return await query.count()
    rows = VendorStanding.all()
    if state in State.ALL or eligible:
        suspended = Vendor.filter(suspended_at__isnull=False).values("id")
        rows = rows.exclude(vendor_id__in=Subquery(suspended))
    if state in State.ALL:
        rows = rows.filter(state=state)
    if eligible:
        rows = rows.filter(eligible=True)
    if status:
        rows = rows.filter(register_status=status)
    return await rows.count()


def with_state(query: QuerySet[Vendor], *, state: str = "", status: str = "") -> QuerySet[Vendor]:
    """Narrow a vendor query to a state (suspension included) and a register status."""
    if state == State.SUSPENDED:
        query = query.filter(suspended_at__isnull=False)
    elif state in State.ALL:
        query = query.filter(standing__state=state, suspended_at__isnull=True)
    if status:
        query = query.filter(standing__register_status=status)
    return query


async def state_counts() -> dict[str, int]:
    """Vendors per state now, counted in SQL: the narrow standing rows grouped alone, less the
    few suspended vendors' rows (found through the vendors' suspension index), which count as
    suspended. Grouping the rows joined to every vendor row took three times as long (100,000
    vendors on PostgreSQL: 110-170 ms against 60-90 ms for both queries). Both read the
    standing and vendor rows alone: kept for the vendor lists' version."""
    await current()
    return dict(await listcache.kept("vendors", "standing: vendors per state", _state_counts))


async def _state_counts() -> dict[str, int]:
    counts: Counter[str] = Counter()
    for r in await VendorStanding.annotate(n=Count("id")).group_by("state").values("state", "n"):
        counts[str(r["state"])] += int(r["n"])
    suspended = await (
        VendorStanding.filter(vendor__suspended_at__isnull=False)
        .annotate(n=Count("id"))
        .group_by("state")
        .values("state", "n")
    )
    for r in suspended:
        counts[str(r["state"])] -= int(r["n"])
    found = {state: n for state, n in counts.items() if n}
    found[State.SUSPENDED] = await Vendor.filter(suspended_at__isnull=False).count()
    return found


async def eligible_ids() -> set[int]:
    await current()
    rows = await VendorStanding.filter(
        eligible=True, vendor__suspended_at__isnull=True
    ).values_list("vendor_id", flat=True)
    return {int(v) for v in rows}  # type: ignore[call-overload]
