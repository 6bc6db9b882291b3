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

from tortoise import connections

from market import listcache
from market.conduct.standing import current as current_standings
from market.shortlists.services import EXPOSURE_DEPTH
from market.vendors.models import SIZE_CLASSES, SME_CLASSES, Vendor
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


# A vendor's EU size class in SQL (as market.vendors.models.size_class_for).
_SIZE = (
    "CASE WHEN v.employees < 10 THEN 'micro' WHEN v.employees < 50 THEN 'small' "
    "WHEN v.employees < 250 THEN 'medium' ELSE 'large' END"
)
_POOL = (
    "vendor v JOIN conduct_vendor_standing s ON s.vendor_id = v.id "
    "WHERE s.eligible = TRUE AND v.suspended_at IS NULL"
)
_SOURCES = {
    "vendors": _POOL,
    "places": "shortlist_entry e JOIN vendor v ON v.id = e.vendor_id "
    f"WHERE e.rank <= {int(EXPOSURE_DEPTH)} AND e.eligible = TRUE",
    "invitations": "task_invitation i JOIN vendor v ON v.id = i.vendor_id",
    "awards": "bid_award a JOIN bid b ON b.id = a.bid_id JOIN vendor v ON v.id = b.vendor_id",
}


async def _rows(sql: str) -> list[dict[str, Any]]:
    return list(await connections.get("default").execute_query_dict(sql))


async def _by_size(source: str) -> Counter[str]:
    rows = await _rows(f"SELECT {_SIZE} AS size, COUNT(*) AS n FROM {source} GROUP BY 1")
    return Counter({str(r["size"]): int(r["n"]) for r in rows})


async def _pool() -> tuple[Counter[str], int]:
    """The pool per size class and every registered vendor: the vendor rows and their standing
    alone, so kept per process for the vendor lists' version (market.listcache.kept).
    Grouping the pool reads every vendor row (100,000 vendors on PostgreSQL: 150-350 ms)."""
    return await _by_size(_SOURCES["vendors"]), await Vendor.all().count()


async def report() -> Report:
    """Counted and summed in SQL (a few grouped queries, whatever the number of vendors)."""
    await current_standings()  # the pool: eligible today, from the stored standing
    pool, registered = await listcache.kept(
        "vendors", "fairness: the pool by size, registered", _pool
    )
    counts = {"vendors": pool}
    counts |= {
        kind: await _by_size(source) for kind, source in _SOURCES.items() if kind != "vendors"
    }
    totals = {kind: sum(found.values()) for kind, found in counts.items()}
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

    # Exposure over the pool and every vendor with exposure: the pool's vendors without any
    # count as zeros.
    exposed = await _rows(
        f"SELECT x.exposure AS exposure, v.name AS name, {_SIZE} AS size FROM "
        "shortlist_exposure x JOIN vendor v ON v.id = x.vendor_id WHERE x.exposure > 0 "
        "ORDER BY x.exposure DESC, v.name"
    )
    unexposed = (
        f"{_POOL} AND NOT EXISTS (SELECT 1 FROM shortlist_exposure x "
        "WHERE x.vendor_id = v.id AND x.exposure > 0)"
    )
    # The pool less its vendors with exposure (a few, found from the exposure rows): counting
    # the pool's vendors without exposure read every vendor (100,000: 160-270 ms).
    exposed_in_pool = await _rows(
        f"SELECT COUNT(*) AS n FROM {_POOL} AND v.id IN "
        "(SELECT x.vendor_id FROM shortlist_exposure x WHERE x.exposure > 0)"
    )
    zeros = totals["vendors"] - int(exposed_in_pool[0]["n"])
    top = [(str(r["name"]), str(r["size"]), float(r["exposure"])) for r in exposed]
    if len(top) < TOP_VENDORS:
        rest = await _rows(
            f"SELECT v.name AS name, {_SIZE} AS size FROM {unexposed} ORDER BY v.name "
            f"LIMIT {TOP_VENDORS - len(top)}"
        )
        top += [(str(r["name"]), str(r["size"]), 0.0) for r in rest]
    top = top[:TOP_VENDORS]
    return Report(
        vendors=totals["vendors"],
        registered=registered,
        gini=gini([*(float(r["exposure"]) for r in exposed), *([0.0] * zeros)]),
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
