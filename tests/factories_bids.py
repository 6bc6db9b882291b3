"""Factories and helpers for bids: a published task, eligible vendors, bids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient

from market import clock
from market.accounts.models import User
from market.bids.schemas import BidContent
from market.schemas import parse
from market.tasks.models import Task, TaskStatus
from market.vendors.models import Vendor
from tests import factories, factories_conduct, factories_tasks


@dataclass
class Scene:
    coordinator: User
    task: Task
    vendor: Vendor
    admin: User
    other_vendor: Vendor
    other_admin: User


def deadline_in(delta: dt.timedelta) -> str:
    return clock.to_local(clock.now() + delta).replace(microsecond=0).isoformat()


async def published_task(
    coordinator: User, solution: Any, *, hours: float = 1, **overrides: Any
) -> Task:
    """Published without the shortlist job (it would run beside the test's transaction)."""
    overrides.setdefault("bid_deadline", deadline_in(dt.timedelta(hours=hours)))
    task = await factories_tasks.task(coordinator, solution, **overrides)
    await Task.filter(id=task.id).update(status=TaskStatus.PUBLISHED, published_at=clock.now())
    await task.refresh_from_db()
    return task


async def scene(**overrides: Any) -> Scene:
    coordinator, solution = await factories_tasks.coordinator_of()
    task = await published_task(coordinator, solution, **overrides)
    vendor, admin = await factories_conduct.active_vendor()
    other, other_admin = await factories_conduct.active_vendor()
    return Scene(coordinator, task, vendor, admin, other, other_admin)


def bid_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "price_dkk": 85000,
        "hours": 110,
        "delivery_date": (clock.today() + dt.timedelta(days=50)).isoformat(),
        "approach": "Vi bygger eksporten som et Django-modul med tests.",
        "team": [{"name": "Anne Udvikler", "role": "udvikler"}],
        "assumptions": "Adgang til testmiljø.",
    }
    body.update(overrides)
    return body


def bid_data(**overrides: Any) -> BidContent:
    """`bid_body` as the typed value the bid services take."""
    return parse(BidContent, bid_body(**overrides))


async def place_bid(
    client: AsyncClient, user: User, task: Task, **overrides: Any
) -> dict[str, Any]:
    headers = await factories.bearer(client, user)
    response = await client.post(
        f"/api/v1/tasks/{task.id}/bids", json=bid_body(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def pass_deadline(task: Task, extra: dt.timedelta = dt.timedelta(seconds=1)) -> None:
    """Move the clock to just after the task's bid deadline."""
    clock.shift(task.bid_deadline - clock.now() + extra)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
