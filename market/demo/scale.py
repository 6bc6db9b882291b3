"""A market the size of a grown community, for scale tests: `market demo --vendors N --tasks M`.

Added on top of the ordinary demo (which gives the staff, solutions and Code of Conduct
versions): N vendors with a user each, competency profiles of 150-350 words and 5-20 codes,
signatures in every state (most countersigned, some pending, outdated, rejected, revoked,
suspended), and M tasks (a third open for bids, the rest closed, awarded or delivered).

Each vendor and task is drawn from a generator seeded by its own number, so a market of a
given size is the same however many runs made it. Vendors are written a thousand at a time,
each thousand in one transaction with one multi-row INSERT per table (the list-version
triggers fire per statement): a run that is stopped leaves whole thousands, and running the
same command again continues after the last one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

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
SEED = 20261129
FIRST_CVR_PREFIX = 5000000  # above the ordinary demo's 3100000x numbers
COORDINATOR = "koordinator@demo.os2.dk"
TASK_PREFIX = "Skala: "
SCALE_DOMAIN = "@skala.example.dk"  # the scale vendors' and their users' e-mail
# Bound parameters per statement: SQLite allows 32,766, asyncpg 32,767.
MAX_PARAMETERS = 30_000

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
LEVELS = ("basic", "experienced", "expert")


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


@dataclass(frozen=True)
class Plan:
    """Everything random about scale vendor number n."""

    name: str
    employees: int
    profile: str
    rate: int
    hours: int
    suspended: bool
    codes: list[tuple[str, str]]  # (code, level)
    roll: float  # which Code of Conduct state (see _signature_rows)
    signed_days_ago: int


def plan(n: int, codes: Sequence[str]) -> Plan:
    rng = random.Random(SEED * 1_000_000 + n)
    name = f"{rng.choice(NAMES_A)}{rng.choice(NAMES_B).lower()} {n} {rng.choice(FORMS)}"
    return Plan(
        name=name,
        employees=rng.choice((2, 4, 8, 15, 30, 60, 120, 300, 900)),
        profile=" ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 350))),
        rate=rng.randint(700, 1400),
        hours=rng.choice((40, 80, 160, 320)),
        suspended=rng.random() < 0.01,
        codes=[
            (code, rng.choice(LEVELS))
            for code in rng.sample(codes, min(len(codes), rng.randint(5, 20)))
        ],
        roll=rng.random(),
        signed_days_ago=rng.randint(1, 300),
    )


class IncompleteScaleData(click.ClickException):
    """The scale vendors in the database are not whole thousands (see load_scale)."""


async def load_scale(vendors: int, tasks: int, batch: int = BATCH) -> list[str]:
    """Add vendors and tasks up to `vendors` and `tasks` in all, `batch` per transaction: a
    second run adds none, a run after an interrupted one adds what is missing."""
    existing = await Vendor.filter(email__endswith=SCALE_DOMAIN).count()
    await _check_complete(existing, batch)
    lines = []
    if existing < vendors:
        await _vendors(existing, vendors, batch)
        lines.append(f"scale: {vendors - existing} vendors added ({vendors} in all)")
    existing_tasks = await Task.filter(title__startswith=TASK_PREFIX).count()
    if existing_tasks < tasks:
        await _tasks(existing_tasks, tasks, batch)
        lines.append(f"scale: {tasks - existing_tasks} tasks added ({tasks} in all)")
    await refresh_standing()
    return lines


async def _check_complete(existing: int, batch: int) -> None:
    """Batches are written whole, so only a run of an older version (which wrote each table
    on its own) can have stopped inside one: its last vendors lack a user or codes."""
    if not existing:
        return
    last = list(
        await Vendor.filter(email__endswith=SCALE_DOMAIN)
        .order_by("-id")
        .limit(batch)
        .values_list("id", "organisation_id")
    )
    with_user = await User.filter(
        organisation_id__in=[org for _, org in last], email__endswith=SCALE_DOMAIN
    ).count()
    with_codes = set(
        await VendorCompetency.filter(vendor_id__in=[vid for vid, _ in last]).values_list(
            "vendor_id", flat=True
        )
    )
    missing = len(last) - min(with_user, len(with_codes))
    if missing:
        raise IncompleteScaleData(
            f"{missing} of the {existing} scale vendors in this database are incomplete "
            "(a run of an older version was stopped halfway): load the scale demo into a "
            "new database (`market migrate` on an empty one, then `market demo --vendors N`)."
        )


async def _vendors(start: int, stop: int, batch: int) -> None:
    password = await hash_password("Skala-Demo-Leverandoer-2026")
    versions = sorted(await ConductVersion.all(), key=lambda v: (v.effective_from, v.id))
    codes = [
        str(c)
        for c in await Competency.filter(retired_at=None)
        .order_by("code")
        .values_list("code", flat=True)
    ]
    now = clock.now()
    cvrs = scale_cvrs(stop)
    for first in range(start, stop, batch):
        numbers = range(first, min(first + batch, stop))
        plans = {n: plan(n, codes) for n in numbers}
        async with in_transaction() as conn:
            org_of = await insert(
                conn,
                [Organisation(kind=OrganisationKind.VENDOR, name=p.name) for p in plans.values()],
                key="name",
            )
            vendor_of = await insert(
                conn,
                [
                    Vendor(
                        organisation_id=org_of[p.name],
                        name=p.name,
                        cvr=cvrs[n],
                        email=f"kontakt{n}{SCALE_DOMAIN}",
                        employees=p.employees,
                        contact_name=f"Kontakt {n}",
                        profile_text_da=p.profile,
                        hourly_rate_dkk=p.rate,
                        capacity_hours_per_month=p.hours,
                        working_languages=["da", "en"],
                        profile_updated_at=now,
                        suspended_at=now if p.suspended else None,
                        suspension_reason="Skala-demo",
                    )
                    for n, p in plans.items()
                ],
                key="cvr",
            )
            user_of = await insert(
                conn,
                [
                    User(
                        email=f"admin{cvrs[n]}{SCALE_DOMAIN}",
                        name=f"Kontakt {n}",
                        password_hash=password,
                        roles=["vendor_admin"],
                        organisation_id=org_of[p.name],
                    )
                    for n, p in plans.items()
                ],
                key="email",
            )
            await insert(
                conn,
                [
                    VendorCompetency(vendor_id=vendor_of[cvrs[n]], code=code, level=level)
                    for n, p in plans.items()
                    for code, level in p.codes
                ],
            )
            if versions:
                await _signatures(conn, plans, cvrs, vendor_of, user_of, versions, now)


async def _signatures(
    conn: BaseDBAsyncClient,
    plans: dict[int, Plan],
    cvrs: list[str],
    vendor_of: dict[Any, int],
    user_of: dict[Any, int],
    versions: list[ConductVersion],
    now: dt.datetime,
) -> None:
    """Most sign the latest version and are countersigned; the rest spread over the states."""
    signatures, outcome = [], {}
    for n, p in plans.items():
        if p.roll < 0.05:
            continue  # not signed
        version = versions[-1] if p.roll > 0.15 or len(versions) == 1 else versions[0]
        vendor_id = vendor_of[cvrs[n]]
        signatures.append(
            Signature(
                vendor_id=vendor_id,
                version_id=version.id,
                sha256=version.sha256,
                user_id=user_of[f"admin{cvrs[n]}{SCALE_DOMAIN}"],
                signer_name=f"Kontakt {n}",
                signer_title="Direktør",
                signed_at=now - dt.timedelta(days=p.signed_days_ago),
            )
        )
        outcome[vendor_id] = (
            None
            if p.roll < 0.2
            else Decision.REJECTED
            if p.roll < 0.22
            else Decision.REVOKED
            if p.roll < 0.24
            else Decision.COUNTERSIGNED
        )
    signature_of = await insert(conn, signatures, key="vendor_id")  # one per scale vendor
    decisions = []
    for vendor_id, decision in outcome.items():
        if decision is None:
            continue
        first = Decision.REJECTED if decision == Decision.REJECTED else Decision.COUNTERSIGNED
        decisions.append(_decision(signature_of[vendor_id], first, 1, now))
        if decision == Decision.REVOKED:
            decisions.append(_decision(signature_of[vendor_id], Decision.REVOKED, 2, now))
    await insert(conn, decisions)


def _decision(signature_id: int, decision: str, stage: int, now: dt.datetime) -> Any:
    return SignatureDecision(
        signature_id=signature_id,
        stage=stage,
        decision=decision,
        reason="" if decision == Decision.COUNTERSIGNED else "Skala-demo",
        decided_at=now,
    )


async def insert(
    conn: BaseDBAsyncClient, objects: Sequence[Model], key: str | None = None
) -> dict[Any, int]:
    """Insert the objects with one multi-row INSERT per MAX_PARAMETERS values (bulk_create
    runs a statement per row, and each fires the statement triggers); with `key`, the new
    ids by that field's value, which must be unique among the objects."""
    if not objects:
        return {}
    meta = type(objects[0])._meta
    names = [n for n in meta.fields_db_projection if not meta.fields_map[n].generated]
    columns = ", ".join(f'"{meta.fields_db_projection[n]}"' for n in names)
    postgres = conn.capabilities.dialect == "postgres"
    returning = ""
    if key is not None:
        returning = (
            f' RETURNING "{meta.fields_db_projection[key]}" AS "key", "{meta.db_pk_column}" AS "id"'
        )
    found: dict[Any, int] = {}
    per_statement = MAX_PARAMETERS // len(names)
    for first in range(0, len(objects), per_statement):
        values: list[Any] = []
        rows = []
        for obj in objects[first : first + per_statement]:
            marks = []
            for name in names:
                values.append(meta.fields_map[name].to_db_value(getattr(obj, name), obj))
                marks.append(f"${len(values)}" if postgres else "?")
            rows.append(f"({', '.join(marks)})")
        sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES {", ".join(rows)}{returning}'
        if key is None:
            await conn.execute_query(sql, values)
        else:
            found.update((r["key"], r["id"]) for r in await conn.execute_query_dict(sql, values))
    return found


async def _tasks(start: int, stop: int, batch: int) -> None:
    coordinator = await get_user_by_email(COORDINATOR)
    solutions = [s.id for s in await Solution.all().order_by("id").only("id")]
    codes = [
        str(c)
        for c in await Competency.filter(retired_at=None)
        .order_by("code")
        .values_list("code", flat=True)
    ]
    if not solutions or not codes:
        return
    now = clock.now()
    for first in range(start, stop, batch):
        rows = [
            _task(random.Random(SEED * 1_000_000 - 1 - n), n, solutions, codes, now, coordinator)
            for n in range(first, min(first + batch, stop))
        ]
        async with in_transaction() as conn:
            await insert(conn, rows)


def _task(
    rng: random.Random,
    n: int,
    solutions: list[int],
    codes: list[str],
    now: dt.datetime,
    coordinator: User | None,
) -> Task:
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
    return Task(
        solution_id=rng.choice(solutions),
        title=f"{TASK_PREFIX}{' '.join(rng.sample(WORDS, 4)).capitalize()} {n}",
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
