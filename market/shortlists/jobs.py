"""The shortlist jobs: ranking a task's vendors, keeping the index and the ledger fresh,
and learning the weights from the award history."""

from __future__ import annotations

from typing import Any

from market import metrics
from market.competencies import services as competencies
from market.runners import JobFunction, Periodic
from market.shortlists import engine, learning, services


async def refresh_vendor_index(ctx: dict[str, Any], vendor_id: int) -> str:
    """Take a vendor's changed competency profile into the matching index (debounced)."""
    state = await competencies.refresh_vendor_index(vendor_id)
    # A new index version (workers upsert the vendor before their next ranking); the open
    # shortlists are marked stale for the one refresh job (no job per task).
    await services.vendor_changed(vendor_id)
    return state


async def compute_shortlist(ctx: dict[str, Any], task_id: int) -> str:
    """Rank every vendor for a published task and store the ranking (idempotent)."""
    with metrics.time_shortlist():
        return await services.compute_shortlist(task_id)


async def sweep_shortlists(ctx: dict[str, Any]) -> int:
    """Queue the refresh job while shortlists are due: missing (e.g. queued while Redis was
    down), stale, or queued for longer than a job may take."""
    return await services.sweep_shortlists(ctx["settings"].job_timeout_seconds)


async def refresh_shortlists(ctx: dict[str, Any]) -> int:
    """Rank a batch of due shortlists in one job (after a profile save, a weights change...)."""
    return await services.refresh_shortlists(ctx["settings"].job_timeout_seconds)


async def conduct_changed(ctx: dict[str, Any], vendor_id: int, changed_at: str) -> int:
    """Refresh the open shortlists a vendor is on after its Code-of-Conduct standing changed."""
    return await services.conduct_changed(vendor_id, changed_at)


async def recompute_open_shortlists(ctx: dict[str, Any]) -> int:
    """Mark every open shortlist stale (after a new Code of Conduct version)."""
    return await services.recompute_open_shortlists()


async def store_index_snapshot(ctx: dict[str, Any]) -> str:
    """Store the index this worker just fitted or loaded, for the next worker to start from."""
    return await engine.store_snapshot()


async def refresh_exposure(ctx: dict[str, Any], vendor_ids: list[int]) -> int:
    """Rebuild the exposure ledger of these vendors (after invitations)."""
    await services.refresh_exposure(vendor_ids)
    return len(vendor_ids)


async def learn_weights(ctx: dict[str, Any], model_id: int) -> str:
    """Fit weights on the award history; adopt them only when they rank held-out awards better."""
    return await learning.learn_weights(model_id)


JOBS: dict[str, JobFunction] = {
    "compute_shortlist": compute_shortlist,
    "refresh_vendor_index": refresh_vendor_index,
    "recompute_open_shortlists": recompute_open_shortlists,
    "conduct_changed": conduct_changed,
    "sweep_shortlists": sweep_shortlists,
    "refresh_shortlists": refresh_shortlists,
    "store_index_snapshot": store_index_snapshot,
    "refresh_exposure": refresh_exposure,
    "learn_weights": learn_weights,
}
PERIODIC: list[Periodic] = [(sweep_shortlists, 1, {"second": 40})]
