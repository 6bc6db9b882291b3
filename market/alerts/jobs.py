"""The alert jobs: alerts for a published task, digests, deadline reminders."""

from __future__ import annotations

from typing import Any

from market.alerts import delivery
from market.runners import JobFunction, Periodic


async def queue_task_alerts(ctx: dict[str, Any], task_id: int) -> int:
    """Tell the vendors a published task fits (after its shortlist was computed)."""
    return await delivery.queue_task_alerts(ctx["settings"], task_id)


async def send_alert_digests(ctx: dict[str, Any]) -> int:
    """The daily and weekly digests of alerts (once per user and period)."""
    return await delivery.send_digests(ctx["settings"])


async def send_deadline_reminders(ctx: dict[str, Any]) -> int:
    """Bid deadline reminders to invited vendors without a submitted bid."""
    return await delivery.send_deadline_reminders(ctx["settings"])


async def send_coordinator_digests(ctx: dict[str, Any]) -> int:
    """Coordinators' daily digest: unanswered questions, tasks waiting for evaluation."""
    return await delivery.send_coordinator_digests(ctx["settings"])


JOBS: dict[str, JobFunction] = {
    "queue_task_alerts": queue_task_alerts,
    "send_alert_digests": send_alert_digests,
    "send_deadline_reminders": send_deadline_reminders,
    "send_coordinator_digests": send_coordinator_digests,
}
# Digests and coordinators' digests hourly (each sends once per period, after
# ALERT_DIGEST_HOUR), deadline reminders every 15 minutes.
PERIODIC: list[Periodic] = [
    (send_alert_digests, 60, {"minute": 5, "second": 0}),
    (send_coordinator_digests, 60, {"minute": 7, "second": 0}),
    (send_deadline_reminders, 15, {"minute": {2, 17, 32, 47}, "second": 0}),
]
