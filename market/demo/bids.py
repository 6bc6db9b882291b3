"""Demo bids: an open task with a sealed bid and a draft, a closed task under evaluation, and
a task that is awarded, delivered and rated. Deadlines are relative to now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from market import clock
from market.accounts.models import User
from market.accounts.services import get_user_by_email
from market.bids import content, evaluation
from market.bids.schemas import AwardIn, BidContent, Declaration, DeliveryIn, ScoreIn
from market.schemas import parse
from market.solutions.models import Solution
from market.tasks import services as tasks
from market.tasks.models import Task
from market.tasks.schemas import TaskCreate
from market.vendors.models import Vendor

COORDINATOR = "koordinator@demo.os2.dk"
EVALUATING = "Integration mellem OS2kitos og FK Organisation"
DELIVERED = "Tilgængelighedsgennemgang af OS2forms-skabeloner (WCAG 2.1 AA)"


def _task_body(
    solution: Solution, title: str, description: str, budget: int, funding: list[tuple[str, int]]
) -> TaskCreate:
    deadline = clock.to_local(clock.now() + dt.timedelta(days=7)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    return parse(
        TaskCreate,
        {
            "solution_id": solution.id,
            "title": title,
            "description": description,
            "required": ["72000000", "tech:python"],
            "nice_to_have": [],
            "estimate_hours": budget // 900,
            "budget_dkk": budget,
            "bid_deadline": deadline.isoformat(),
            "delivery_date": (deadline.date() + dt.timedelta(days=60)).isoformat(),
            "funding": [{"municipality": m, "amount_dkk": a} for m, a in funding],
        },
    )


def _bid(
    price: int, hours: int, days: int, approach: str, team: list[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "price_dkk": price,
        "hours": hours,
        "delivery_date": (clock.today() + dt.timedelta(days=days)).isoformat(),
        "approach": approach,
        "team": [{"name": n, "role": r} for n, r in team],
        "assumptions": extra.pop("assumptions", ""),
        **extra,
    }


async def _admin(vendor_name: str) -> tuple[Vendor, User] | None:
    vendor = await Vendor.get_or_none(name=vendor_name)
    if vendor is None:
        return None
    user = await User.filter(organisation_id=vendor.organisation_id).order_by("id").first()
    return (vendor, user) if user is not None else None


async def _close(task: Task) -> None:
    # The deadline passes (demo only): bids are unsealed from now on.
    await Task.filter(id=task.id).update(
        bid_deadline=clock.now() - dt.timedelta(days=3),
        question_deadline=clock.now() - dt.timedelta(days=4),
    )
    await task.refresh_from_db()


async def _bids(task: Task, offers: list[tuple[str, dict[str, Any]]]) -> list[int]:
    ids = []
    for vendor_name, body in offers:
        found = await _admin(vendor_name)
        if found is not None:
            bid = await content.submit_bid(task.id, parse(BidContent, body), actor=found[1])
            ids.append(bid.id)
    return ids


async def _open_task_bids() -> list[str]:
    task = await Task.filter(title="Eksport af kontraktoversigten til Excel").first()
    if task is None or not tasks.bidding_open(task):
        return []
    ids = await _bids(
        task,
        [
            (
                "Aarhus Kodeværksted ApS",
                _bid(
                    82000,
                    95,
                    70,
                    "Eksporten bygges på openpyxl med de aktive filtre som parametre; "
                    "vi leverer tests og dokumentation.",
                    [("Anne Jensen", "udvikler")],
                ),
            ),
            (
                "Fjordsoft ApS",
                _bid(
                    88000,
                    100,
                    80,
                    "Udkast: eksport via en baggrundsjob.",
                    [("Camilla Hansen", "udvikler")],
                    draft=True,
                ),
            ),
        ],
    )
    return [f"bids: open task #{task.id} has a sealed bid and a draft ({len(ids)} bids)"]


async def _evaluating(coordinator: User) -> list[str]:
    kitos = await Solution.get_or_none(name="OS2kitos")
    if kitos is None:
        return []
    task = await tasks.create_task(
        _task_body(
            kitos,
            EVALUATING,
            "Synkronisering af organisationsenheder fra FK Organisation til "
            "OS2kitos, med logning af ændringer.",
            180000,
            [("Syddjurs", 90000), ("Aarhus", 90000)],
        ),
        actor=coordinator,
    )
    await tasks.publish_task(task.id, actor=coordinator)
    ids = await _bids(
        task,
        [
            (
                "Nordlys Digital A/S",
                _bid(
                    165000,
                    190,
                    90,
                    "Vi genbruger vores FK-klient og bygger en inkrementel synkronisering.",
                    [("Bo Nielsen", "arkitekt"), ("Eva Andersen", "udvikler")],
                ),
            ),
            (
                "Skagen Software A/S",
                _bid(
                    178000,
                    200,
                    100,
                    "Fuld synkronisering hver nat med afstemningsrapport.",
                    [("Dan Pedersen", "udvikler")],
                ),
            ),
            (
                "Aarhus Kodeværksted ApS",
                _bid(
                    149000,
                    170,
                    85,
                    "Hændelsesbaseret integration med FK's beskedfordeler.",
                    [("Anne Jensen", "udvikler")],
                ),
            ),
        ],
    )
    await _close(task)
    return [f"bids: task #{task.id} is closed with {len(ids)} bids to evaluate"]


async def _delivered(coordinator: User) -> list[str]:
    forms = await Solution.get_or_none(name="OS2forms")
    if forms is None:
        return []
    task = await tasks.create_task(
        _task_body(
            forms,
            DELIVERED,
            "Gennemgang og rettelse af de fælles formularskabeloner, så de overholder WCAG 2.1 AA.",
            60000,
            [("Aarhus", 60000)],
        ),
        actor=coordinator,
    )
    await tasks.publish_task(task.id, actor=coordinator)
    ids = await _bids(
        task,
        [
            (
                "Møn Web & Data",
                _bid(
                    52000,
                    60,
                    45,
                    "Automatisk test med axe og manuel gennemgang med skærmlæser.",
                    [("Ida Rasmussen", "tester")],
                ),
            ),
            (
                "Fjordsoft ApS",
                _bid(58000, 64, 50, "Gennemgang efter WCAG-EM.", [("Camilla Hansen", "udvikler")]),
            ),
        ],
    )
    if len(ids) < 2:
        return []
    await _close(task)
    await evaluation.declare(task.id, Declaration(no_conflict=True), actor=coordinator)
    for bid_id, quality, time in ((ids[0], 9, 8), (ids[1], 7, 7)):
        await evaluation.score_bid(
            task.id,
            parse(
                ScoreIn,
                {
                    "bid_id": bid_id,
                    "scores": {"quality of approach": quality, "delivery time": time},
                },
            ),
            actor=coordinator,
        )
    await evaluation.award(
        task.id,
        parse(
            AwardIn,
            {"bid_id": ids[0], "justification": "Laveste pris og den mest grundige testmetode."},
        ),
        actor=coordinator,
    )
    await evaluation.notify_award(task.id)
    await evaluation.rate_delivery(
        task.id,
        parse(
            DeliveryIn,
            {
                "accepted": True,
                "quality": 5,
                "on_time": True,
                "comment": "Grundigt arbejde, leveret til tiden.",
            },
        ),
        actor=coordinator,
    )
    return [f"bids: task #{task.id} is awarded, delivered and rated"]


async def load() -> list[str]:
    coordinator = await get_user_by_email(COORDINATOR)
    if coordinator is None:
        return []
    if await Task.filter(title=EVALUATING).exists():
        return ["bids: demo bids already present"]
    lines = await _open_task_bids()
    lines += await _evaluating(coordinator)
    lines += await _delivered(coordinator)
    return lines
