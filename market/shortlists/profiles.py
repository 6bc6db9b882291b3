"""Database rows -> the matching library's dataclasses (`VendorProfile`, `TaskProfile`).

Every function loads in batches (one query per table, whatever the number of vendors): no
N+1. Only `matching.types` is imported, which does not pull in scikit-learn.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from market import clock
from market.bids.deliveries import delivery_history
from market.bids.models import Award
from market.competencies.models import VendorCompetency, VendorReference
from market.conduct.states import eligibility_many
from market.contributions.figures import monthly_history
from market.tasks.models import Task, TaskFunding
from market.vendors.models import Vendor
from matching.types import LEVELS, Contribution, PastAward, TaskProfile, VendorProfile

RECENT_DAYS = 180  # awards within this window count towards a vendor's workload
PRODUCT_PREFIX = "os2:"


def buyer_key(name: str) -> str:
    """ "Syddjurs Kommune", "syddjurs" and "Syddjurs" are the same buyer."""
    words = name.lower().replace("kommune", " ").split()
    return " ".join(words)


def product_of_solution(name: str) -> str:
    return f"{PRODUCT_PREFIX}{name.lower()}"


async def task_profile(task: Task) -> TaskProfile:
    """The task as the engine sees it; the buyer is its largest funder."""
    solution = await task.solution
    funding = await TaskFunding.filter(task_id=task.id).select_related("organisation")
    top = max(funding, key=lambda f: (f.amount_dkk, -f.id), default=None)
    codes = [*task.required, *task.nice_to_have]
    products = [c for c in codes if c.startswith(PRODUCT_PREFIX)]
    products.append(product_of_solution(solution.name))
    published = clock.to_local(task.published_at).date() if task.published_at else None
    return TaskProfile(
        id=task.id,
        title=task.title,
        description=task.description,
        required_codes=tuple(task.required),
        nice_to_have_codes=tuple(task.nice_to_have),
        products=tuple(dict.fromkeys(products)),
        estimate_hours=task.estimate_hours,
        budget_dkk=task.budget_dkk,
        delivery_date=task.delivery_date,
        published_at=published,
        buyer=buyer_key(top.organisation.short_name or top.organisation.name) if top else None,
    )


async def vendor_profiles(
    vendor_ids: Iterable[int] | None = None,
    at: dt.datetime | None = None,
    *,
    history_before: dt.datetime | None = None,
) -> list[VendorProfile]:
    """Profiles of the given vendors (all vendors when None), eligibility judged at `at`.

    With `history_before`, the profile is the vendor's record as it stood then: only awards
    and rated deliveries strictly before that moment, and only references from earlier years
    (for learning from award history without later outcomes leaking into older awards). The
    self-declared parts (profile text, competencies, rate, capacity) have no history and are
    today's."""
    at = at or clock.now()
    query = Vendor.all() if vendor_ids is None else Vendor.filter(id__in=list(vendor_ids))
    vendors = list(await query.order_by("id"))
    ids = [v.id for v in vendors]
    if not ids:
        return []
    competencies: dict[int, dict[str, str]] = defaultdict(dict)
    for vendor_id, code, level in await VendorCompetency.filter(vendor_id__in=ids).values_list(
        "vendor_id", "code", "level"
    ):
        competencies[int(vendor_id)][str(code)] = level if level in LEVELS else "experienced"
    references: dict[int, list[tuple[str, str, list[str]]]] = defaultdict(list)
    won: dict[int, list[PastAward]] = defaultdict(list)
    for vendor_id, title, description, customer, codes, year in await VendorReference.filter(
        vendor_id__in=ids
    ).values_list("vendor_id", "title", "description", "customer", "codes", "year"):
        if history_before is not None and year is not None and year >= history_before.year:
            continue
        references[int(vendor_id)].append(
            (f"{title}\n{description}", str(customer or ""), list(codes or []))
        )
        # For the experience per code area: a reference's year dates it (mid-year).
        won[int(vendor_id)].append(
            PastAward(
                dt.date(int(year), 7, 1) if year else None,
                tuple(str(c) for c in codes or ()),
                buyer_key(str(customer)) if customer else "",
            )
        )
    eligible = await eligibility_many(ids, at)
    deliveries = await _delivery_history(ids, history_before)
    awards = await _awards(ids, history_before or at, strictly=history_before is not None)
    contributions = await _contributions(ids, history_before)
    return [
        _profile(
            v,
            competencies[v.id],
            references[v.id],
            eligible.get(v.id),
            deliveries.get(v.id),
            awards.get(v.id),
            contributions.get(v.id, ()),
            tuple(won[v.id]),
        )
        for v in vendors
    ]


def _profile(
    vendor: Vendor,
    codes: dict[str, str],
    references: list[tuple[str, str, list[str]]],
    eligibility: Any,
    deliveries: list[tuple[int, bool, str, list[str]]] | None,
    awards: tuple[int, int, int] | None,
    contributions: tuple[Contribution, ...] = (),
    references_won: tuple[PastAward, ...] = (),
) -> VendorProfile:
    deliveries = deliveries or []
    award_count, recent, hours = awards or (0, 0, 0)
    texts = [text for text, _c, _codes in references] + [d[2] for d in deliveries]
    past_codes = [c for _t, _c, codes in references for c in codes]
    past_codes += [c for d in deliveries for c in d[3]]
    profile_text = "\n".join(t for t in (vendor.profile_text_da, vendor.profile_text_en) if t)
    return VendorProfile(
        id=vendor.id,
        name=vendor.name,
        size_class=vendor.size_class,
        profile_text=profile_text,
        codes=codes,
        products=tuple(c for c in codes if c.startswith(PRODUCT_PREFIX)),
        past_task_texts=tuple(texts),
        past_codes=tuple(dict.fromkeys(past_codes)),
        past_buyers=tuple(buyer_key(c) for _t, c, _codes in references if c),
        ratings=tuple(int(d[0]) for d in deliveries),
        on_time=tuple(bool(d[1]) for d in deliveries),
        hourly_rate_dkk=vendor.hourly_rate_dkk,
        capacity_hours_per_month=vendor.capacity_hours_per_month,
        capacity_from=vendor.capacity_from,
        eligible=bool(eligibility and eligibility.eligible),
        ineligible_reasons=tuple(eligibility.reason_codes) if eligibility else ("Unknown vendor.",),
        award_count=max(award_count, len(deliveries)),
        recent_awards=recent,
        workload_hours=hours,
        contributions=contributions,
        # Deliveries carry no date here: they count as undated awards.
        past_awards=(*references_won, *(PastAward(None, tuple(d[3])) for d in deliveries)),
    )


async def _contributions(
    ids: list[int], before: dt.datetime | None
) -> dict[int, tuple[Contribution, ...]]:
    """Each vendor's commits to the community's products, per product and month."""
    history = await monthly_history(ids, before)
    return {
        vendor_id: tuple(
            Contribution(product_of_solution(name), month, commits, lines, languages)
            for name, month, commits, lines, languages in months
        )
        for vendor_id, months in history.items()
    }


async def _delivery_history(
    ids: list[int], before: dt.datetime | None = None
) -> dict[int, list[tuple[int, bool, str, list[str]]]]:
    """The bids module's rated deliveries."""
    return dict(await delivery_history(ids, before=before))


async def _awards(
    ids: list[int], at: dt.datetime, *, strictly: bool = False
) -> dict[int, tuple[int, int, int]]:
    """vendor -> (awards in all, awards in the recent window, hours awarded in that window),
    counting awards up to `at` (before it, when `strictly`)."""
    since = at - dt.timedelta(days=RECENT_DAYS)
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    until = {"awarded_at__lt": at} if strictly else {"awarded_at__lte": at}
    rows = await Award.filter(bid__vendor_id__in=ids, **until).values_list(
        "bid__vendor_id", "awarded_at", "bid__hours"
    )
    for vendor_id, awarded_at, hours in rows:
        counts = found[int(vendor_id)]
        counts[0] += 1
        if awarded_at >= since:
            counts[1] += 1
            counts[2] += int(hours or 0)
    return {k: (v[0], v[1], v[2]) for k, v in found.items()}
