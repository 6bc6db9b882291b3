"""The privacy jobs: personal data past its retention period goes (daily)."""

from __future__ import annotations

from typing import Any

from market.privacy import retention
from market.runners import JobFunction, Periodic


async def apply_retention(ctx: dict[str, Any]) -> int:
    """Delete or anonymise personal data past its retention period (idempotent, daily)."""
    return sum(outcome.count for outcome in await retention.run())


JOBS: dict[str, JobFunction] = {"apply_retention": apply_retention}
PERIODIC: list[Periodic] = [
    (apply_retention, 24 * 60, {"hour": 3, "minute": 15, "second": 0}),
]
