"""Demo tasks in each state, with deadlines relative to now so the demo is always live."""

from __future__ import annotations

import datetime as dt
from typing import Any

from market import clock
from market.accounts.models import User
from market.accounts.services import get_user_by_email
from market.schemas import parse
from market.solutions.models import Solution, Wish
from market.tasks import questions, services
from market.tasks.models import Invitation, Task
from market.tasks.schemas import TaskCreate
from market.vendors.models import Vendor

COORDINATOR = "koordinator@demo.os2.dk"


def _body(
    solution: Solution,
    title: str,
    description: str,
    days: int,
    budget: int,
    funding: list[tuple[str, int]],
    **extra: Any,
) -> TaskCreate:
    deadline = clock.to_local(clock.now() + dt.timedelta(days=days)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    return parse(
        TaskCreate,
        {
            "solution_id": solution.id,
            "title": title,
            "description": description,
            "required": ["72000000", "tech:python"],
            "nice_to_have": ["tech:django"],
            "estimate_hours": budget // 900,
            "budget_dkk": budget,
            "bid_deadline": deadline.isoformat(),
            "delivery_date": (deadline.date() + dt.timedelta(days=75)).isoformat(),
            "funding": [{"municipality": m, "amount_dkk": a} for m, a in funding],
            **extra,
        },
    )


async def load() -> list[str]:
    coordinator = await get_user_by_email(COORDINATOR)
    kitos = await Solution.get_or_none(name="OS2kitos")
    forms = await Solution.get_or_none(name="OS2forms")
    if coordinator is None or kitos is None or forms is None:
        return []
    if await Task.filter(solution=kitos).exists():
        return ["tasks: demo tasks already present"]
    export = await Wish.get_or_none(solution=kitos, title__startswith="Eksport")
    draft = await services.create_task(
        _body(
            forms,
            "Fælles adressefelt med DAWA-opslag",
            "Et genbrugeligt adressefelt til OS2forms med opslag og validering mod DAWA.",
            21,
            120000,
            [("Aarhus", 80000), ("Horsens", 40000)],
        ),
        actor=coordinator,
    )
    open_task = await services.create_task(
        _body(
            kitos,
            "Eksport af kontraktoversigten til Excel",
            "Eksport af kontraktoversigten med de aktive filtre til et Excel-ark (xlsx).",
            14,
            90000,
            [("Syddjurs", 30000), ("Aarhus", 25000), ("Vejle", 35000)],
            wish_ids=[export.id] if export else [],
        ),
        actor=coordinator,
    )
    await services.publish_task(open_task.id, actor=coordinator)
    passed = await services.create_task(
        _body(
            kitos,
            "Påmindelse før kontraktudløb",
            "E-mail til systemejeren 90 dage før en kontrakt udløber.",
            10,
            45000,
            [("Syddjurs", 45000)],
            municipality_specific=True,
        ),
        actor=coordinator,
    )
    await services.publish_task(passed.id, actor=coordinator)
    # The deadline has passed: bidding is closed (derived at read time).
    await Task.filter(id=passed.id).update(
        bid_deadline=clock.now() - dt.timedelta(days=2),
        question_deadline=clock.now() - dt.timedelta(days=3),
    )
    cancelled = await services.create_task(
        _body(
            forms,
            "Digital signatur med MitID Erhverv",
            "Underskrift af ansøgninger med MitID Erhverv.",
            30,
            150000,
            [("Kolding", 150000)],
        ),
        actor=coordinator,
    )
    await services.publish_task(cancelled.id, actor=coordinator)
    await services.cancel_task(cancelled.id, actor=coordinator)
    lines = [
        f"tasks: draft #{draft.id}, open #{open_task.id}, closed #{passed.id}, "
        f"cancelled #{cancelled.id}"
    ]
    vendor = await Vendor.filter(name="Aarhus Kodeværksted ApS").first()
    if vendor is not None:
        await Invitation.create(task=open_task, vendor=vendor, invited_by_id=coordinator.id)

        asker = await User.filter(organisation_id=vendor.organisation_id).first()
        if asker is not None:
            await questions.ask_question(
                open_task.id, "Skal eksporten også omfatte udløbne kontrakter?", actor=asker
            )
            lines.append(f"  {vendor.name} is invited to #{open_task.id} and asked a question")
    return lines
