"""Demo shortlists: rank every published demo task, so the demo shows real shortlists.

A task that has a shortlist already is left alone, and so are the scale demo's tasks: a
second `market demo --vendors N` would otherwise rank thousands of them here, one by one."""

from __future__ import annotations

from market.demo.scale import TASK_PREFIX
from market.shortlists import services
from market.tasks.models import Task


async def load() -> list[str]:
    tasks = list(
        await Task.filter(
            published_at__isnull=False, cancelled_at__isnull=True, shortlist__id__isnull=True
        ).exclude(title__startswith=TASK_PREFIX)
    )
    lines = []
    for task in sorted(tasks, key=lambda t: t.id):
        # Run the job's code here: `market demo` has no worker to hand it to.
        outcome = await services.compute_shortlist(task.id)
        lines.append(f"shortlists: #{task.id} {task.title}: {outcome}")
    return lines
