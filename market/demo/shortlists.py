"""Demo shortlists: rank every published demo task, so the demo shows real shortlists."""

from __future__ import annotations

from market.shortlists import services
from market.tasks.models import Task


async def load() -> list[str]:
    tasks = list(await Task.filter(published_at__isnull=False, cancelled_at__isnull=True))
    lines = []
    for task in sorted(tasks, key=lambda t: t.id):
        # Run the job's code here: `market demo` has no worker to hand it to.
        outcome = await services.compute_shortlist(task.id)
        lines.append(f"shortlists: #{task.id} {task.title}: {outcome}")
    return lines
