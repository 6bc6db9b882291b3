"""Background work: the scheduled import of each solution's repository, and the jobs."""

from __future__ import annotations

import logging
from typing import Any

from market.contributions import services
from market.db import after_commit
from market.runners import JobFunction, Periodic
from market.settings import Settings
from market.solutions.models import Solution

log = logging.getLogger(__name__)


async def import_solution(settings: Settings, solution_id: int) -> str:
    """Import the new commits of one solution from its repository URL (idempotent)."""
    solution = await Solution.get_or_none(id=solution_id)
    if solution is None or not solution.repository_url.strip():
        return "no repository"
    try:
        report = await services.import_commits(
            solution, solution.repository_url, var_dir=settings.var_dir
        )
    except services.ImportFailed as exc:
        log.warning("import of %s failed: %s", solution.name, exc.message)
        return f"failed: {exc.message}"
    return " ".join(report.lines())


async def queue_imports() -> int:
    """One import job per solution with a repository URL (a second run finds nothing new)."""
    ids = await Solution.exclude(repository_url="").values_list("id", flat=True)
    for solution_id in ids:
        await after_commit("import_commits", solution_id)
    return len(ids)


async def import_commits(ctx: dict[str, Any], solution_id: int) -> str:
    """Read a solution's new commits from its repository URL (incremental, idempotent)."""
    return await import_solution(ctx["settings"], solution_id)


async def refresh_contributions(ctx: dict[str, Any]) -> int:
    """Queue an import for every solution with a repository URL (daily)."""
    return await queue_imports()


async def rebuild_contributions(ctx: dict[str, Any], vendor_id: int = 0) -> int:
    """Re-attribute every imported commit after a vendor's identities changed (idempotent)."""
    return await services.rebuild_all()


JOBS: dict[str, JobFunction] = {
    "import_commits": import_commits,
    "refresh_contributions": refresh_contributions,
    "rebuild_contributions": rebuild_contributions,
}
PERIODIC: list[Periodic] = [
    (refresh_contributions, 24 * 60, {"hour": 3, "minute": 20, "second": 0}),
]
