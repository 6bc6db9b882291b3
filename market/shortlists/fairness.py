"""The secretariat's fairness report: how exposure, places, invitations and awards are spread
over vendors and size classes. Pure reads; no numpy here (the web process renders it).

"Small vendors" are the engine's protected group: small and medium-sized enterprises (micro,
small and medium; under 250 employees, the EU definition), and the pool is the vendors eligible
today, as the fair-share step sees them. Vendors that are not eligible today but had exposure
earlier still count in the exposure figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from market.bids.models import Award
from market.conduct.standing import eligible_ids
from market.shortlists.models import ExposureLedger, ShortlistEntry
from market.shortlists.services import EXPOSURE_DEPTH
from market.tasks.models import Invitation
from market.vendors.models import SIZE_CLASSES, SME_CLASSES, Vendor, size_class_for
from matching.inequality import gini

TOP_VENDORS = 25


@dataclass
class SizeRow:
    size_class: str
    vendors: int = 0
    places: int = 0
    invitations: int = 0
    awards: int = 0
    shares: dict[str, float] = field(default_factory=dict)


@dataclass
class Report:
    vendors: int  # eligible today: the pool
    registered: int
    gini: float
    top: list[tuple[str, str, float]]  # name, size class, exposure
    max_exposure: float
    rows: list[SizeRow]
    small_pool_share: float
    small_top_share: float
    small_invitation_share: float
    small_award_share: float
    places: int
    invitations: int
    awards: int


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


async def _awards_by_vendor() -> list[int]:
    return [int(v) for v in await Award.all().values_list("bid__vendor_id", flat=True)]  # type: ignore[call-overload]


async def report() -> Report:
    vendor_rows = await Vendor.all().values_list("id", "employees", "name")  # one pass
    sizes = {int(i): size_class_for(int(e)) for i, e, _n in vendor_rows}
    names = {int(i): str(n) for i, _e, n in vendor_rows}
    ledger = {
        int(v): float(x) for v, x in await ExposureLedger.all().values_list("vendor_id", "exposure")
    }
    eligible = await eligible_ids()  # the pool: eligible today, from the stored standing
    pool = [v for v in sizes if v in eligible]
    place_rows: list[Any] = await ShortlistEntry.filter(
        rank__lte=EXPOSURE_DEPTH, eligible=True
    ).values_list("vendor_id", flat=True)
    places = [int(v) for v in place_rows]
    invited = [int(v) for v in await Invitation.all().values_list("vendor_id", flat=True)]  # type: ignore[call-overload]
    awarded = await _awards_by_vendor()
    counts = {
        "vendors": Counter(sizes[v] for v in pool),
        "places": Counter(sizes.get(v, "micro") for v in places),
        "invitations": Counter(sizes.get(v, "micro") for v in invited),
        "awards": Counter(sizes.get(v, "micro") for v in awarded),
    }
    totals = {
        "vendors": len(pool),
        "places": len(places),
        "invitations": len(invited),
        "awards": len(awarded),
    }
    rows = []
    for size in SIZE_CLASSES:
        row = SizeRow(
            size,
            counts["vendors"][size],
            counts["places"][size],
            counts["invitations"][size],
            counts["awards"][size],
        )
        row.shares = {k: _share(counts[k][size], totals[k]) for k in counts}
        rows.append(row)

    def small(kind: str) -> float:
        return _share(sum(counts[kind][s] for s in SME_CLASSES), totals[kind])

    considered = set(pool) | {v for v in sizes if ledger.get(v, 0.0) > 0}
    exposure = [ledger.get(v, 0.0) for v in considered]
    top = sorted(
        ((names[v], sizes[v], ledger.get(v, 0.0)) for v in considered),
        key=lambda t: (-t[2], t[0]),
    )[:TOP_VENDORS]
    return Report(
        vendors=len(pool),
        registered=len(sizes),
        gini=gini(exposure),
        top=top,
        max_exposure=max((t[2] for t in top), default=0.0),
        rows=rows,
        small_pool_share=small("vendors"),
        small_top_share=small("places"),
        small_invitation_share=small("invitations"),
        small_award_share=small("awards"),
        places=totals["places"],
        invitations=totals["invitations"],
        awards=totals["awards"],
    )
