"""Figures about the running app read from the database: the backlogs /metrics reports."""

from __future__ import annotations

from typing import Any

from tortoise.functions import Count

from market.bids.models import Bid
from market.mail.models import MailStatus, OutboxMessage


async def outbox_backlog() -> int:
    """E-mails still to go out: waiting, being sent, or failed with tries left."""
    return await OutboxMessage.filter(
        status__in=[MailStatus.PENDING, MailStatus.FAILED, MailStatus.SENDING], attempts__lt=8
    ).count()


async def bids_by_task_state() -> dict[str, int]:
    """Submitted, not withdrawn bids grouped by their task's stored state, counted in SQL."""
    rows: list[dict[str, Any]] = await (
        Bid.filter(submitted_at__isnull=False, withdrawn_at__isnull=True)
        .annotate(n=Count("id"))
        .group_by("task__status")
        .values("task__status", "n")
    )
    return {str(row["task__status"]): int(row["n"]) for row in rows}
