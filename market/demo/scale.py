"""A market the size of a grown community, for scale tests: `market demo --vendors N --tasks M`.

Added on top of the ordinary demo (which gives the staff, solutions and Code of Conduct
versions): N vendors with a user each, competency profiles of 150-350 words and 5-20 codes,
signatures in every state (most countersigned, some pending, outdated, rejected, revoked,
suspended), and M tasks (a third open for bids, the rest closed, awarded or delivered).
Rows are written in bulk and the generator is seeded, so two runs give the same market.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from market import clock
from market.accounts.models import Organisation, OrganisationKind, User
from market.accounts.services import get_user_by_email
from market.competencies.models import Competency, VendorCompetency
from market.conduct.models import ConductVersion, Decision, Signature, SignatureDecision
from market.conduct.standing import refresh as refresh_standing
from market.security.passwords import hash_password
from market.solutions.models import Solution
from market.tasks.models import Task, TaskStatus
from market.vendors.models import Vendor
from market.vendors.services import CVR_WEIGHTS

BATCH = 1000
FIRST_CVR_PREFIX = 5000000  # above the ordinary demo's 3100000x numbers
COORDINATOR = "koordinator@demo.os2.dk"

VOCABULARY = (
    "udvikling drift support integration borgerservice sagsbehandling selvbetjening "
    "dataplatform arkitektur test sikkerhed tilgængelighed brugerflade migrering "
    "kommunal digitalisering formular workflow rapportering dashboard api rest graphql "
    "python django java spring dotnet react vue typescript postgresql oracle kafka "
    "kubernetes docker azure aws linux ansible terraform gdpr nis2 wcag kvalitetssikring "
    "projektledelse agil scrum kanban rådgivning analyse dokumentation uddannelse "
    "open source os2 kitos forms borgerrådgiver skole dagtilbud ældrepleje teknik miljø "
    "økonomi løn indkøb kontrakt leverandør eksport import excel pdf signatur mitid "
    "serviceplatformen datafordeler cpr cvr dawa geodata kort byggesag affald vand"
)
WORDS = VOCABULARY.split()
NAMES_A = ("Nord", "Syd", "Øst", "Vest", "Fjord", "Skov", "Kyst", "Hav", "Lys", "Sten", "Eg", "Bøg")
NAMES_B = ("Data", "Kode", "Soft", "Digital", "Web", "System", "Tech", "IT", "Logik", "Net")
FORMS = ("ApS", "A/S", "I/S", "IVS")


def scale_cvrs(count: int) -> list[str]:
    """The first `count` valid CVR numbers from FIRST_CVR_PREFIX (modulus-11 check digit)."""
    found: list[str] = []
    prefix = FIRST_CVR_PREFIX
    while len(found) < count:
        digits = [int(d) for d in str(prefix)]
        check = -sum(d * w for d, w in zip(digits, CVR_WEIGHTS[:7], strict=True)) % 11
        if check < 10:
            found.append(f"{prefix}{check}")
        prefix += 1
    return found


def _profile(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 350)))


async def load_scale(vendors: int, tasks: int) -> list[str]:
    """Add `vendors` vendors and `tasks` tasks; idempotent per count (a second run adds none)."""
    rng = random.Random(20261129)
    existing = await Vendor.filter(cvr__gte=str(FIRST_CVR_PREFIX)).count()
    lines = []
    if existing < vendors:
        await _vendors(rng, existing, vendors)
        lines.append(f"scale: {vendors - existing} vendors added ({vendors} in all)")
    existing_tasks = await Task.filter(title__startswith="Skala: ").count()
    if existing_tasks < tasks:
        await _tasks(rng, existing_tasks, tasks)
        lines.append(f"scale: {tasks - existing_tasks} tasks added ({tasks} in all)")
    await refresh_standing()
    return lines


async def _vendors(rng: random.Random, start: int, stop: int) -> None:
    password = await hash_password("Skala-Demo-Leverandoer-2026")
    versions = sorted(await ConductVersion.all(), key=lambda v: v.effective_from)
    codes = [
        str(c) for c in await Competency.filter(retired_at=None).values_list("code", flat=True)
    ]
    now = clock.now()
    cvrs = scale_cvrs(stop)
    for first in range(start, stop, BATCH):
        numbers = range(first, min(first + BATCH, stop))
        names = [
            f"{rng.choice(NAMES_A)}{rng.choice(NAMES_B).lower()} {n} {rng.choice(FORMS)}"
            for n in numbers
        ]
        await Organisation.bulk_create(
            [Organisation(kind=OrganisationKind.VENDOR, name=name) for name in names]
        )
        orgs = list(
            await Organisation.filter(kind=OrganisationKind.VENDOR, name__in=names).order_by("id")
        )
        by_name = {o.name: o for o in orgs}
        rows = []
        for n, name in zip(numbers, names, strict=True):
            employees = rng.choice((2, 4, 8, 15, 30, 60, 120, 300, 900))
            rows.append(
                Vendor(
                    organisation_id=by_name[name].id,
                    name=name,
                    cvr=cvrs[n],
                    email=f"kontakt{n}@skala.example.dk",
                    employees=employees,
                    contact_name=f"Kontakt {n}",
                    profile_text_da=_profile(rng),
                    hourly_rate_dkk=rng.randint(700, 1400),
                    capacity_hours_per_month=rng.choice((40, 80, 160, 320)),
                    working_languages=["da", "en"],
                    profile_updated_at=now,
                    suspended_at=now if rng.random() < 0.01 else None,
                    suspension_reason="Skala-demo",
                )
            )
        await Vendor.bulk_create(rows)
        made = list(await Vendor.filter(cvr__in=[v.cvr for v in rows]).order_by("id"))
        users = [
            User(
                email=f"admin{v.cvr}@skala.example.dk",
                name=v.contact_name,
                password_hash=password,
                roles=["vendor_admin"],
                organisation_id=v.organisation_id,
            )
            for v in made
        ]
        await User.bulk_create(users)
        user_of = dict(
            await User.filter(email__in=[u.email for u in users]).values_list(
                "organisation_id", "id"
            )
        )
        await VendorCompetency.bulk_create(
            [
                VendorCompetency(vendor_id=v.id, code=code, level=rng.choice(LEVELS))
                for v in made
                for code in rng.sample(codes, min(len(codes), rng.randint(5, 20)))
            ]
        )
        await _signatures(rng, made, user_of, versions, now)


LEVELS = ("basic", "experienced", "expert")


async def _signatures(
    rng: random.Random,
    vendors: list[Vendor],
    user_of: dict[Any, Any],
    versions: list[ConductVersion],
    now: dt.datetime,
) -> None:
    """Most sign the latest version and are countersigned; the rest spread over the states."""
    if not versions:
        return
    signatures, outcome = [], {}
    for vendor in vendors:
        roll = rng.random()
        if roll < 0.05:
            continue  # not signed
        version = versions[-1] if roll > 0.15 or len(versions) == 1 else versions[0]
        signatures.append(
            Signature(
                vendor_id=vendor.id,
                version_id=version.id,
                sha256=version.sha256,
                user_id=user_of[vendor.organisation_id],
                signer_name=vendor.contact_name,
                signer_title="Direktør",
                signed_at=now - dt.timedelta(days=rng.randint(1, 300)),
            )
        )
        outcome[vendor.id] = (
            None if roll < 0.2 else Decision.REJECTED if roll < 0.22 else Decision.COUNTERSIGNED
        )
        if 0.22 <= roll < 0.24:
            outcome[vendor.id] = Decision.REVOKED
    await Signature.bulk_create(signatures)
    ids = [v.id for v in vendors]
    decisions = []
    for signature in await Signature.filter(vendor_id__in=ids):
        decision = outcome.get(signature.vendor_id)
        if decision is None:
            continue
        first = Decision.REJECTED if decision == Decision.REJECTED else Decision.COUNTERSIGNED
        decisions.append(_decision(signature, first, 1, now))
        if decision == Decision.REVOKED:
            decisions.append(_decision(signature, Decision.REVOKED, 2, now))
    await SignatureDecision.bulk_create(decisions)


def _decision(signature: Signature, decision: str, stage: int, now: dt.datetime) -> Any:
    return SignatureDecision(
        signature_id=signature.id,
        stage=stage,
        decision=decision,
        reason="" if decision == Decision.COUNTERSIGNED else "Skala-demo",
        decided_at=now,
    )


async def _tasks(rng: random.Random, start: int, stop: int) -> None:
    coordinator = await get_user_by_email(COORDINATOR)
    solutions = list(await Solution.all())
    codes = [
        str(c) for c in await Competency.filter(retired_at=None).values_list("code", flat=True)
    ]
    if not solutions or not codes:
        return
    now = clock.now()
    rows = []
    for n in range(start, stop):
        kind = rng.random()
        days = rng.randint(3, 40) if kind < 0.33 else -rng.randint(1, 400)
        deadline = now + dt.timedelta(days=days)
        status = (
            TaskStatus.PUBLISHED
            if kind < 0.5
            else TaskStatus.AWARDED
            if kind < 0.8
            else TaskStatus.DELIVERED
        )
        budget = rng.randint(20, 400) * 1000
        rows.append(
            Task(
                solution_id=rng.choice(solutions).id,
                title=f"Skala: {' '.join(rng.sample(WORDS, 4)).capitalize()} {n}",
                description=" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120))),
                required=rng.sample(codes, min(len(codes), rng.randint(1, 4))),
                nice_to_have=rng.sample(codes, min(len(codes), rng.randint(0, 3))),
                estimate_hours=budget // 900,
                budget_dkk=budget,
                bid_deadline=deadline,
                question_deadline=deadline - dt.timedelta(days=2),
                delivery_date=(deadline + dt.timedelta(days=60)).date(),
                criteria=[{"name": "price", "weight": 40}, {"name": "quality", "weight": 60}],
                status=status,
                created_by_id=coordinator.id if coordinator else None,
                published_at=deadline - dt.timedelta(days=21),
            )
        )
    for first in range(0, len(rows), BATCH):
        await Task.bulk_create(rows[first : first + BATCH])
