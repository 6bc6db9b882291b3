"""The open-data jobs: a new OCDS release for every public task that changed."""

from __future__ import annotations

from typing import Any

from market.opendata import ocds
from market.runners import JobFunction, Periodic


async def record_ocds_releases(ctx: dict[str, Any], task_ids: list[int] | None = None) -> int:
    """Publish a new OCDS release for every public task that changed (immutable, idempotent);
    with `task_ids` only for those (queued by the change itself, so the feed shows it at once)."""
    return await ocds.record_releases(ctx["settings"], task_ids)


JOBS: dict[str, JobFunction] = {"record_ocds_releases": record_ocds_releases}
PERIODIC: list[Periodic] = [
    (record_ocds_releases, 5, {"minute": set(range(1, 60, 5)), "second": 50}),
]
