"""Factories for solutions, wishes and tasks."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from market import clock
from market.accounts.models import User
from market.schemas import parse
from market.solutions.models import Solution, Wish
from market.tasks import services as tasks
from market.tasks.models import Task
from market.tasks.schemas import TaskCreate
from tests import factories

_seq = itertools.count(1)


async def solution(*coordinators: User, name: str | None = None) -> Solution:
    made = await Solution.create(name=name or f"OS2test{next(_seq)}", description="Testløsning")
    for user in coordinators:
        await made.coordinators.add(user)
    return made


async def coordinator_of(made: Solution | None = None, **overrides: Any) -> tuple[User, Solution]:
    user = await factories.user("coordinator", "municipality", **overrides)
    made = made or await solution()
    await made.coordinators.add(user)
    return user, made


async def wish(made: Solution, **overrides: Any) -> Wish:
    values: dict[str, Any] = {
        "solution": made,
        "title": f"Ønske {next(_seq)}",
        "description": "Beskrivelse",
    }
    values.update(overrides)
    return await Wish.create(**values)


def task_body(solution_id: int, **overrides: Any) -> dict[str, Any]:
    deadline = clock.to_local(clock.now() + dt.timedelta(days=14)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    body: dict[str, Any] = {
        "solution_id": solution_id,
        "title": "Eksport af kontraktoversigt til CSV",
        "description": "Kommunerne skal kunne eksportere kontraktoversigten.",
        "required": ["72000000-5", "tech:python"],
        "nice_to_have": ["tech:django"],
        "estimate_hours": 120,
        "budget_dkk": 90000,
        "bid_deadline": deadline.isoformat(),
        "delivery_date": (deadline.date() + dt.timedelta(days=60)).isoformat(),
        "funding": [
            {"municipality": "Syddjurs", "amount_dkk": 60000},
            {"municipality": "Aarhus Kommune", "amount_dkk": 30000},
        ],
        "wish_ids": [],
    }
    body.update(overrides)
    return body


async def task(user: User, made: Solution, *, publish: bool = False, **overrides: Any) -> Task:
    created = await tasks.create_task(
        parse(TaskCreate, task_body(made.id, **overrides)), actor=user
    )
    if publish:
        created = await tasks.publish_task(created.id, actor=user)
    return created
