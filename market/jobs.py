"""Background jobs ("jobs": "tasks" is a domain word here): every domain's, collected.

Each domain keeps its job functions in its own `jobs.py` (a `JOBS` table by name and its
`PERIODIC` ones); this module, at the top of the import graph, collects them into one table
for the runners (market.runners) and the arq worker's settings. The same job functions run
under a real arq worker (`market worker`, production, REDIS_URL set) or in-process (the
embedded default). Jobs take ids, are idempotent and are enqueued after the transaction that
made them necessary commits (see `market.db.after_commit`). Durable work such as mail is a
database row first, so a sweep finds anything whose enqueue was lost.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from arq import cron
from arq.worker import func
from tortoise import Tortoise

from market import logs, metrics
from market.alerts import jobs as alerts
from market.bids import jobs as bids
from market.conduct import jobs as conduct
from market.contributions import jobs as contributions
from market.db import tortoise_config
from market.mail import jobs as mail
from market.mail import services as mail_services
from market.opendata import jobs as opendata
from market.privacy import jobs as privacy
from market.runners import (
    ArqRunner,
    InlineRunner,
    JobFunction,
    Offload,
    Periodic,
    Runner,
    enqueue,
    install,
    redis_settings,
    register,
    runner,
)
from market.security import passwords
from market.settings import Settings
from market.shortlists import jobs as shortlists
from market.shortlists import services as shortlist_services
from market.tasks import jobs as tasks

__all__ = [
    "DEBOUNCED",
    "JOBS",
    "PERIODIC",
    "ArqRunner",
    "InlineRunner",
    "Runner",
    "WorkerSettings",
    "build_runner",
    "enqueue",
    "install",
    "redis_settings",
    "run_periodic_inline",
    "runner",
]

log = logging.getLogger(__name__)

# Each domain's jobs, in the order their periodic jobs run on a tick of the inline runner.
DOMAINS: list[tuple[dict[str, JobFunction], list[Periodic]]] = [
    (mail.JOBS, mail.PERIODIC),
    (shortlists.JOBS, shortlists.PERIODIC),
    (bids.JOBS, bids.PERIODIC),
    (tasks.JOBS, tasks.PERIODIC),
    (conduct.JOBS, conduct.PERIODIC),
    (alerts.JOBS, alerts.PERIODIC),
    (privacy.JOBS, privacy.PERIODIC),
    (opendata.JOBS, opendata.PERIODIC),
    (contributions.JOBS, contributions.PERIODIC),
]
# Every job by name.
JOBS: dict[str, JobFunction] = {name: job for table, _ in DOMAINS for name, job in table.items()}
# Periodic jobs: (function, minutes between runs in the inline runner, arq cron kwargs).
PERIODIC: list[Periodic] = [entry for _, periodic in DOMAINS for entry in periodic]

register(JOBS)


def build_runner(settings: Settings, *, offload: Offload | None = None) -> Runner:
    """The runner of this deployment: arq with REDIS_URL, else inline (ranking in `offload`)."""
    return ArqRunner(settings) if settings.redis_url else InlineRunner(settings, offload=offload)


async def run_periodic_inline(runner: InlineRunner) -> None:
    """The inline runner's clock: periodic jobs every few minutes while the app runs."""
    tick = 0
    # The OCDS feed of a freshly started app (e.g. the demo data) does not wait for the sweep.
    await runner._run(opendata.record_ocds_releases.__name__, ())
    # Shortlists the last process left queued or running lost their job with its in-process
    # queue: they are ranked now, as a starting arq worker does, not once their lease runs out.
    await shortlist_services.resume_waiting()
    while True:
        await asyncio.sleep(60)
        tick += 1
        for function, minutes, _ in PERIODIC:
            if tick % minutes == 0:
                await runner._run(function.__name__, ())


# --- arq worker --------------------------------------------------------------------------


async def worker_startup(ctx: dict[str, Any]) -> None:
    settings = Settings.from_env()
    passwords.configure(settings.argon2_profile)
    mail_services.configure(settings.base_url)
    ctx["settings"] = settings
    ctx["tortoise"] = await Tortoise.init(
        config=tortoise_config(settings), _enable_global_fallback=True
    )
    install(ArqRunner(settings, pool=ctx["redis"]))
    # Whatever was queued while no worker (or no Redis) was there goes out now: shortlists
    # waiting for a job that may not exist do not wait for their lease to run out.
    await shortlist_services.resume_waiting()
    await ctx["redis"].enqueue_job("sweep_outbox", _queue_name=settings.arq_queue)
    await ctx["redis"].enqueue_job("sweep_shortlists", _queue_name=settings.arq_queue)
    await ctx["redis"].enqueue_job("record_ocds_releases", _queue_name=settings.arq_queue)


async def worker_shutdown(ctx: dict[str, Any]) -> None:
    # The ORM context lives in ctx: on_shutdown runs in another task (see STACK.md).
    if ctx.get("tortoise") is not None:
        await Tortoise.close_connections()


def observed(name: str, function: JobFunction) -> JobFunction:
    """The job as the arq worker runs it: its log lines name it, metrics count and time it."""

    @functools.wraps(function)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        logs.bind(job=name, job_id=ctx.get("job_id"))
        return await metrics.observe_job(name, lambda: function(ctx, *args, **kwargs))

    return run


# Jobs enqueued with a job id to debounce them keep no result: arq refuses a job id while
# its result is kept, which would swallow the next change for an hour.
DEBOUNCED = {
    "refresh_vendor_index",
    "compute_shortlist",
    "refresh_shortlists",
    "store_index_snapshot",
    "rebuild_contributions",
    "import_commits",
}


class WorkerSettings:
    functions = [
        func(observed(name, function), name=name, keep_result=0)  # type: ignore[arg-type]
        if name in DEBOUNCED
        else func(observed(name, function), name=name)  # type: ignore[arg-type]
        for name, function in JOBS.items()
    ]
    cron_jobs = [
        cron(observed(function.__name__, function), **kwargs)  # type: ignore[arg-type]
        for function, _, kwargs in PERIODIC
    ]
    on_startup = worker_startup
    on_shutdown = worker_shutdown
    # redis_settings and queue_name come from Settings: see `market worker` in cli.py.
    max_tries = 5
    job_timeout = 300
    # How often the worker renews its health key (`market worker --check` reads it).
    health_check_interval = 30
