"""The Code-of-Conduct jobs: reminders to vendors that must sign or re-sign."""

from __future__ import annotations

from typing import Any

from market.conduct import services
from market.runners import JobFunction, Periodic


async def send_conduct_reminders(ctx: dict[str, Any]) -> int:
    """Remind vendors that must sign (or re-sign) the Code of Conduct; once per interval."""
    return await services.send_conduct_reminders(ctx["settings"].reminder_interval_days)


JOBS: dict[str, JobFunction] = {"send_conduct_reminders": send_conduct_reminders}
PERIODIC: list[Periodic] = [
    (send_conduct_reminders, 24 * 60, {"hour": 7, "minute": 0, "second": 0}),
]
