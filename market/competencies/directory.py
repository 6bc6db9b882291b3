"""The vendor directory: search and filters over vendors and their competency profiles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import Q, Subquery

from market import clock
from market.competencies.models import KINDS, Competency, VendorCompetency
from market.competencies.services import (
    competencies_by_code,
    descendants_in,
    normalise_code,
    parent_map,
)
from market.conduct.standing import count as count_standings
from market.conduct.standing import current as current_standings
from market.conduct.standing import page_of
from market.conduct.states import eligibility_many, eligibility_of
from market.errors import ValidationFailed
from market.i18n import gettext as _
from market.vendors import search as vendor_search
from market.vendors.models import SIZE_CLASSES, Vendor

# Employees per EU size class (see market.vendors.models.size_class_for).
SIZE_RANGES = {"micro": (0, 9), "small": (10, 49), "medium": (50, 249), "large": (250, None)}


@dataclass
class DirectoryQuery:
    q: str = ""
    code: str = ""
    kind: str = ""
    size_class: str = ""
    product: str = ""
    eligible: bool = False


@dataclass
class DirectoryEntry:
    vendor: Vendor
    competencies: list[VendorCompetency] = field(default_factory=list)
    eligible: bool | None = None  # None: the conduct module cannot say (yet)
    eligibility_reasons: list[str] = field(default_factory=list)


async def eligibility_for(
    vendor_ids: list[int], at: dt.datetime | None = None
) -> dict[int, Any] | None:
    """The Code-of-Conduct eligibility per vendor."""
    result: dict[int, Any] = await eligibility_many(vendor_ids, at or clock.now())
    return result


def is_eligible(value: Any) -> bool:
    return bool(getattr(value, "eligible", value))


def _check(query: DirectoryQuery) -> None:
    errors = {}
    if query.kind and query.kind not in KINDS:
        errors["kind"] = _("One of: %(list)s.") % {"list": ", ".join(KINDS)}
    if query.size_class and query.size_class not in SIZE_CLASSES:
        errors["size_class"] = _("One of: %(list)s.") % {"list": ", ".join(SIZE_CLASSES)}
    if errors:
        raise ValidationFailed(_("Check the filters."), errors)


def _with_codes(codes: set[str]) -> Q:
    """Vendors holding any of these codes, as a subquery (no id list through Python)."""
    return Q(id__in=Subquery(VendorCompetency.filter(code__in=list(codes)).values("vendor_id")))


async def _code_filters(query: DirectoryQuery) -> list[Q]:
    """The code, kind and product filters as conditions on the vendor."""
    found = []
    if query.code.strip():
        found.append(_with_codes(descendants_in([query.code], await parent_map())))
    if query.product.strip():
        found.append(_with_codes({normalise_code(query.product)}))
    if query.kind:
        kind_codes = Competency.filter(kind=query.kind).values("code")
        found.append(
            Q(
                id__in=Subquery(
                    VendorCompetency.filter(code__in=Subquery(kind_codes)).values("vendor_id")
                )
            )
        )
    return found


async def search(
    query: DirectoryQuery, *, page: int = 1, per_page: int = 25, at: dt.datetime | None = None
) -> tuple[list[DirectoryEntry], int]:
    """Vendors matching the search (full text: name, profiles, references; see
    market.vendors.search), by name, with their competencies; and the total.

    Filtered, counted and paged in SQL (eligibility from the stored standing); only the
    page's vendors are judged in full, for their reasons."""
    _check(query)
    vendors = Vendor.all()
    for condition in await _code_filters(query):
        vendors = vendors.filter(condition)
    text = vendor_search.matching(query.q)
    if text is not None:
        vendors = vendors.filter(text)
    if query.size_class:
        low, high = SIZE_RANGES[query.size_class]
        vendors = vendors.filter(employees__gte=low)
        if high is not None:
            vendors = vendors.filter(employees__lte=high)
    narrowed = bool(text is not None or query.code.strip() or query.product.strip())
    narrowed = narrowed or bool(query.kind or query.size_class)
    if query.eligible:
        await current_standings(at)
        vendors = vendors.filter(standing__eligible=True, suspended_at__isnull=True)
    if narrowed:  # exact, kept per process for the vendor lists' version
        total = await vendor_search.count(vendors)
    else:  # counted on the narrow standing table, or all vendors
        total = await (
            count_standings(eligible=True) if query.eligible else vendor_search.count(Vendor.all())
        )
    kept = ""  # one of few queries (checked kind and size, no text or codes): ids kept
    if text is None and not query.code.strip() and not query.product.strip():
        kept = f"directory kind={query.kind} size={query.size_class} eligible={query.eligible}"
    window = await page_of(vendors, page, per_page, kept=kept)
    eligibility: dict[int, Any] = await eligibility_of(window, at)
    entries = await _entries(window, eligibility)
    return entries, total


async def _entries(
    vendors: list[Vendor], eligibility: dict[int, Any] | None
) -> list[DirectoryEntry]:
    ids = [v.id for v in vendors]
    held: dict[int, list[VendorCompetency]] = {i: [] for i in ids}
    for row in await VendorCompetency.filter(vendor_id__in=ids).order_by("code"):
        held[row.vendor_id].append(row)
    entries = []
    for vendor in vendors:
        entry = DirectoryEntry(vendor, held[vendor.id])
        if eligibility is not None and vendor.id in eligibility:
            value = eligibility[vendor.id]
            entry.eligible = is_eligible(value)
            entry.eligibility_reasons = list(getattr(value, "reasons", []) or [])
        entries.append(entry)
    return entries


async def labels_for(entries: list[DirectoryEntry]) -> dict[str, Competency]:
    return await competencies_by_code({c.code for e in entries for c in e.competencies})
