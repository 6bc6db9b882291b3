"""Demo: commit histories of two products with work by three demo vendors and others."""

from __future__ import annotations

import datetime as dt
import random

from market import clock
from market.accounts.models import User
from market.accounts.services import secretariat
from market.contributions import gitlog, services
from market.contributions.models import (
    ContributionSource,
    IdentityKind,
    ImportedCommit,
    VendorIdentity,
)
from market.solutions.models import Solution
from market.vendors.models import Vendor

# vendor, its domain, product, (first month, last month), commits a month, languages by file type
HISTORIES = [
    (
        "Fjordsoft ApS",
        "fjordsoft.dk",
        "OS2kitos",
        ("2023-03", "2026-10"),
        7,
        ("Python", "TypeScript"),
    ),
    ("Nordlys Digital A/S", "nordlys-digital.dk", "OS2forms", ("2022-09", "2025-06"), 5, ("PHP",)),
    (
        "Aarhus Kodeværksted ApS",
        "kodevaerksted.dk",
        "OS2kitos",
        ("2025-02", "2026-09"),
        2,
        ("HTML",),
    ),
    (
        "Aarhus Kodeværksted ApS",
        "kodevaerksted.dk",
        "OS2forms",
        ("2024-05", "2024-11"),
        1,
        ("PHP",),
    ),
]
OTHERS = ("magenta.dk", "kommune.dk", "gmail.com")


def _months(first: str, last: str) -> list[dt.date]:
    start = dt.date(int(first[:4]), int(first[5:]), 1)
    end = dt.date(int(last[:4]), int(last[5:]), 1)
    found = []
    while start <= end:
        found.append(start)
        start = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return found


def _commit(
    rng: random.Random, solution_id: int, email: str, when: dt.datetime, languages: tuple[str, ...]
) -> ImportedCommit:
    lines = rng.randint(2, 120)
    language = rng.choice(languages)
    return ImportedCommit(
        solution_id=solution_id,
        key=f"demo-{rng.getrandbits(96):024x}",
        authored_at=when,
        email_hash=gitlog.identity_hash("email", email),
        name_hash=gitlog.identity_hash("name", email.split("@")[0]),
        domain_hash=gitlog.identity_hash("domain", gitlog.email_domain(email)),
        lines_changed=lines,
        files_touched=rng.randint(1, 6),
        languages={language: lines},
    )


async def load() -> list[str]:
    if await ContributionSource.filter(location="demo").exists():
        # The commits' keys are seeded: a second run would insert the same ones again.
        return ["contributions: demo commits already present"]
    rng = random.Random(19)
    confirmer: User | None = await User.filter(organisation=await secretariat()).first()
    rows: list[ImportedCommit] = []
    solutions: dict[str, Solution] = {}
    vendors: dict[str, Vendor] = {}
    for vendor_name, domain, product, (first, last), per_month, languages in HISTORIES:
        solution = solutions.get(product) or await Solution.get_or_none(name=product)
        vendor = vendors.get(vendor_name) or await Vendor.get_or_none(name=vendor_name)
        if solution is None or vendor is None:
            continue
        solutions[product], vendors[vendor_name] = solution, vendor
        await VendorIdentity.get_or_create(
            vendor_id=vendor.id,
            value_hash=gitlog.identity_hash("domain", domain),
            defaults={
                "kind": IdentityKind.DOMAIN,
                "label": domain,
                "confirmed_at": clock.now(),
                "confirmed_by_id": confirmer.id if confirmer else None,
                "confirmed_key": gitlog.identity_hash("domain", domain),
            },
        )
        for month in _months(first, last):
            for _ in range(max(0, per_month + rng.randint(-2, 2))):
                when = dt.datetime(month.year, month.month, rng.randint(1, 28), 10, tzinfo=dt.UTC)
                author = f"dev{rng.randint(1, 3)}@{domain}"
                rows.append(_commit(rng, solution.id, author, when, languages))
    for solution in solutions.values():
        for _ in range(60):
            when = dt.datetime(2024, rng.randint(1, 12), rng.randint(1, 28), tzinfo=dt.UTC)
            email = f"person{rng.randint(1, 9)}@{rng.choice(OTHERS)}"
            rows.append(_commit(rng, solution.id, email, when, ("Python", "Markdown")))
    await ImportedCommit.bulk_create(rows, batch_size=1000)
    for solution in solutions.values():
        counts = await services.rebuild_contributions(solution.id)
        await ContributionSource.create(
            solution_id=solution.id,
            location="demo",
            commits=await ImportedCommit.filter(solution_id=solution.id).count(),
            unmatched_authors=counts.unmatched_authors,
            imported_at=clock.now(),
        )
    return [f"contributions: {len(rows)} demo commits to {', '.join(sorted(solutions))}"]
