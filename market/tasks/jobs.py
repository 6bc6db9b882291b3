"""The task jobs: tasks past their bid deadline are stored as closed."""

from __future__ import annotations

from typing import Any

from market.runners import JobFunction, Periodic
from market.tasks import services


async def close_due_tasks(ctx: dict[str, Any]) -> int:
    """Persist `closed` on tasks past their bid deadline (listings only; see tasks.rules)."""
    return await services.close_due_tasks()


JOBS: dict[str, JobFunction] = {"close_due_tasks": close_due_tasks}
PERIODIC: list[Periodic] = [
    (close_due_tasks, 5, {"minute": set(range(0, 60, 5)), "second": 10}),
]
