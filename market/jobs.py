"""Background jobs ("jobs": "tasks" is a domain word here).

The same job functions run under a real arq worker (`market worker`, production, REDIS_URL set)
or in-process (the embedded default). Jobs take ids, are idempotent and are enqueued after the
transaction that made them necessary commits (see `market.db.after_commit`). Durable work such
as mail is a database row first, so a sweep finds anything whose enqueue was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arq import cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import func

from market import logs, metrics, offloop
from market.settings import Settings

log = logging.getLogger(__name__)

JobFunction = Callable[..., Awaitable[Any]]


# --- job functions -----------------------------------------------------------------------


async def send_mail(ctx: dict[str, Any], message_id: int) -> str:
    from market.mail import services

    return await services.send_mail(ctx["settings"], message_id)


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Send whatever is still pending (e.g. queued while Redis was down)."""
    from market.mail import services

    ids = await services.pending_ids(ctx["settings"])
    for message_id in ids:
        await services.send_mail(ctx["settings"], message_id)
    return len(ids)


async def send_bid_receipts(ctx: dict[str, Any]) -> int:
    """The coalesced bid receipts whose quiet time has passed (one per bid per few minutes)."""
    from market.bids import receipts

    return await receipts.send_due_receipts()


async def refresh_vendor_index(ctx: dict[str, Any], vendor_id: int) -> str:
    """Take a vendor's changed competency profile into the matching index (debounced)."""
    from market.competencies import services
    from market.shortlists import services as shortlists

    state = await services.refresh_vendor_index(vendor_id)
    # A new index version (workers upsert the vendor before their next ranking) and fresh
    # shortlists of the open tasks, each debounced by its job id.
    await shortlists.vendor_changed(vendor_id)
    return state


async def send_conduct_reminders(ctx: dict[str, Any]) -> int:
    """Remind vendors that must sign (or re-sign) the Code of Conduct; once per interval."""
    from market.conduct import services

    return await services.send_conduct_reminders(ctx["settings"].reminder_interval_days)


async def compute_shortlist(ctx: dict[str, Any], task_id: int) -> str:
    """Rank every vendor for a published task and store the ranking (idempotent)."""
    from market.shortlists import services

    with metrics.SHORTLIST_SECONDS.time():
        return await services.compute_shortlist(task_id)


async def sweep_shortlists(ctx: dict[str, Any]) -> int:
    """Shortlists whose job was lost (e.g. queued while Redis was down) are queued again."""
    from market.shortlists import services

    return await services.sweep_shortlists(ctx["settings"].job_timeout_seconds)


async def conduct_changed(ctx: dict[str, Any], vendor_id: int, changed_at: str) -> int:
    """Refresh the open shortlists a vendor is on after its Code-of-Conduct standing changed."""
    from market.shortlists import services

    return await services.conduct_changed(vendor_id, changed_at)


async def recompute_open_shortlists(ctx: dict[str, Any]) -> int:
    """Queue fresh shortlists of every open task (after the matching settings changed)."""
    from market.shortlists import services

    return await services.recompute_open_shortlists()


async def refresh_exposure(ctx: dict[str, Any], vendor_ids: list[int]) -> int:
    """Rebuild the exposure ledger of these vendors (after invitations)."""
    from market.shortlists import services

    await services.refresh_exposure(vendor_ids)
    return len(vendor_ids)


async def learn_weights(ctx: dict[str, Any], model_id: int) -> str:
    """Fit weights on the award history; adopt them only when they rank held-out awards better."""
    from market.shortlists import learning

    return await learning.learn_weights(model_id)


async def close_due_tasks(ctx: dict[str, Any]) -> int:
    """Persist `closed` on tasks past their bid deadline (listings only; see tasks.rules)."""
    from market.tasks import services

    return await services.close_due_tasks()


async def notify_award(ctx: dict[str, Any], task_id: int) -> int:
    """Tell every bidder the outcome of an award (one e-mail per bid, however often run)."""
    from market.bids import evaluation

    return await evaluation.notify_award(task_id)


async def purge_attachments(ctx: dict[str, Any]) -> int:
    """Delete removed and withdrawn bid attachments past their retention (idempotent, daily)."""
    from market.bids import retention

    settings = ctx["settings"]
    return await retention.purge_attachments(
        settings.upload_dir, settings.attachment_retention_days
    )


async def apply_retention(ctx: dict[str, Any]) -> int:
    """Delete or anonymise personal data past its retention period (idempotent, daily)."""
    from market.privacy import retention

    return sum(outcome.count for outcome in await retention.run())


async def queue_task_alerts(ctx: dict[str, Any], task_id: int) -> int:
    """Tell the vendors a published task fits (after its shortlist was computed)."""
    from market.alerts import delivery

    return await delivery.queue_task_alerts(ctx["settings"], task_id)


async def send_alert_digests(ctx: dict[str, Any]) -> int:
    """The daily and weekly digests of alerts (once per user and period)."""
    from market.alerts import delivery

    return await delivery.send_digests(ctx["settings"])


async def send_deadline_reminders(ctx: dict[str, Any]) -> int:
    """Bid deadline reminders to invited vendors without a submitted bid."""
    from market.alerts import delivery

    return await delivery.send_deadline_reminders(ctx["settings"])


async def send_coordinator_digests(ctx: dict[str, Any]) -> int:
    """Coordinators' daily digest: unanswered questions, tasks waiting for evaluation."""
    from market.alerts import delivery

    return await delivery.send_coordinator_digests(ctx["settings"])


async def record_ocds_releases(ctx: dict[str, Any], task_ids: list[int] | None = None) -> int:
    """Publish a new OCDS release for every public task that changed (immutable, idempotent);
    with `task_ids` only for those (queued by the change itself, so the feed shows it at once)."""
    from market.opendata import ocds

    return await ocds.record_releases(ctx["settings"], task_ids)


async def import_commits(ctx: dict[str, Any], solution_id: int) -> str:
    """Read a solution's new commits from its repository URL (incremental, idempotent)."""
    from market.contributions import jobs

    return await jobs.import_solution(ctx["settings"], solution_id)


async def refresh_contributions(ctx: dict[str, Any]) -> int:
    """Queue an import for every solution with a repository URL (daily)."""
    from market.contributions import jobs

    return await jobs.queue_imports()


async def rebuild_contributions(ctx: dict[str, Any], vendor_id: int = 0) -> int:
    """Re-attribute every imported commit after a vendor's identities changed (idempotent)."""
    from market.contributions import services

    return await services.rebuild_all()


# Every job by name. Domain packages add theirs here.
JOBS: dict[str, JobFunction] = {
    "send_mail": send_mail,
    "sweep_outbox": sweep_outbox,
    "compute_shortlist": compute_shortlist,
    "close_due_tasks": close_due_tasks,
    "send_conduct_reminders": send_conduct_reminders,
    "refresh_vendor_index": refresh_vendor_index,
    "recompute_open_shortlists": recompute_open_shortlists,  # issue 7
    "conduct_changed": conduct_changed,
    "sweep_shortlists": sweep_shortlists,
    "send_bid_receipts": send_bid_receipts,
    "refresh_exposure": refresh_exposure,  # issue 7
    "learn_weights": learn_weights,  # issue 7
    "notify_award": notify_award,  # issue 8
    "queue_task_alerts": queue_task_alerts,
    "send_alert_digests": send_alert_digests,
    "send_deadline_reminders": send_deadline_reminders,
    "send_coordinator_digests": send_coordinator_digests,
    "apply_retention": apply_retention,
    "purge_attachments": purge_attachments,
    "record_ocds_releases": record_ocds_releases,
    "import_commits": import_commits,  # contributions
    "refresh_contributions": refresh_contributions,  # contributions
    "rebuild_contributions": rebuild_contributions,  # contributions
}

# Periodic jobs: (function, minutes between runs in the inline runner, arq cron kwargs).
PERIODIC: list[tuple[JobFunction, int, dict[str, Any]]] = [
    (sweep_outbox, 1, {"second": 30}),
    (sweep_shortlists, 1, {"second": 40}),
    (send_bid_receipts, 1, {"second": 20}),
    (close_due_tasks, 5, {"minute": set(range(0, 60, 5)), "second": 10}),
    (send_conduct_reminders, 24 * 60, {"hour": 7, "minute": 0, "second": 0}),
    # Alerts: digests and coordinators' digests hourly (each sends once per period, after
    # ALERT_DIGEST_HOUR), deadline reminders every 15 minutes.
    (send_alert_digests, 60, {"minute": 5, "second": 0}),
    (send_coordinator_digests, 60, {"minute": 7, "second": 0}),
    (send_deadline_reminders, 15, {"minute": {2, 17, 32, 47}, "second": 0}),
    (apply_retention, 24 * 60, {"hour": 3, "minute": 15, "second": 0}),
    (purge_attachments, 24 * 60, {"hour": 3, "minute": 25, "second": 0}),
    (record_ocds_releases, 5, {"minute": set(range(1, 60, 5)), "second": 50}),
    (refresh_contributions, 24 * 60, {"hour": 3, "minute": 20, "second": 0}),  # contributions
]


# --- runners -----------------------------------------------------------------------------


LOCKED_TRIES = 5  # runs of an inline job that met a locked SQLite database


class InlineRunner:
    """The embedded stand-in for arq: each job runs as a task of this process.

    With `autostart=False` (the tests) jobs wait in a queue until `drain()` runs them one by
    one in the caller's context, so a job never interleaves with the test's own queries.
    """

    mode = "inline"
    debounce_seconds = 2.0

    def __init__(self, settings: Settings, *, autostart: bool = True) -> None:
        self.ctx: dict[str, Any] = {"settings": settings, "job_try": 1}
        self.autostart = autostart
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue: list[tuple[str, tuple[Any, ...], str | None]] = []
        # Job ids queued but not started yet: a second enqueue of one is dropped, as in arq.
        # Such a job waits `debounce_seconds` first, so a burst of changes makes one run.
        self._pending_ids: set[str] = set()
        self._flush = asyncio.Event()

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        if job_id is not None:
            if job_id in self._pending_ids:
                return
            self._pending_ids.add(job_id)
        if not self.autostart:
            self._queue.append((name, args, job_id))
            return
        task = asyncio.create_task(self._run(name, args, job_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str, args: tuple[Any, ...], job_id: str | None = None) -> Any:
        if job_id is not None:
            if self.autostart:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._flush.wait(), timeout=self.debounce_seconds)
            self._pending_ids.discard(job_id)
            if _runner is not self:
                return None  # this runner was replaced meanwhile (a finished test): drop it
        # The job's lines carry the id of the request that queued it.
        logs.bind(request_id=logs.current().get("request_id"), job=name, job_id=job_id)
        for attempt in range(1, LOCKED_TRIES + 1):
            try:
                return await metrics.observe_job(name, lambda: self._call(name, args))
            except Exception as exc:
                # SQLite refuses a write while the ranking process writes: jobs are
                # idempotent, so the job runs again a moment later.
                if attempt < LOCKED_TRIES and "database is locked" in str(exc):
                    await asyncio.sleep(0.25 * attempt)
                    continue
                log.exception("job %s%r failed", name, args)
                return None
        return None

    async def _call(self, name: str, args: tuple[Any, ...]) -> Any:
        # A served app (autostart) ranks in a worker process, off this event loop.
        if self.autostart and name in offloop.OUT_OF_LOOP:
            return await offloop.run(name, args)
        return await JOBS[name](self.ctx, *args)

    async def drain(self) -> None:
        """Run every job enqueued so far (and those they enqueue) to the end."""
        while self._queue:
            name, args, job_id = self._queue.pop(0)
            await self._run(name, args, job_id)
        self._flush.set()  # debounced jobs start now
        try:
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
        finally:
            self._flush.clear()

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        await self.drain()
        offloop.shutdown()


class ArqRunner:
    """Production: jobs go to Redis and an arq worker runs them."""

    mode = "redis"
    debounce_seconds = 2.0

    def __init__(self, settings: Settings, pool: ArqRedis | None = None) -> None:
        self.settings = settings
        self.pool = pool

    async def connect(self) -> None:
        if self.pool is None:
            # One quick try: a request must not wait seconds for a Redis that is down (arq
            # retries five times a second apart by default). What could not be queued is
            # durable elsewhere (the outbox, unranked tasks) and the sweeps find it.
            quick = dataclasses.replace(
                redis_settings(self.settings), conn_retries=0, conn_timeout=1
            )
            self.pool = await create_pool(quick, default_queue_name=self.settings.arq_queue)

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        try:
            await self.connect()
            assert self.pool is not None
            await self.pool.enqueue_job(
                name,
                *args,
                # arq keeps job ids in one namespace per Redis: prefix them with the queue, so
                # two deployments (or test sessions) on one Redis never swallow each other's.
                _job_id=f"{self.settings.arq_queue}:{job_id}" if job_id is not None else None,
                _queue_name=self.settings.arq_queue,
                _defer_by=self.debounce_seconds if job_id is not None else None,
            )
        except Exception as exc:  # noqa: BLE001 - any failure here is handled the same way
            log.warning("could not enqueue %s%r: %s", name, args, exc)

    async def ping(self) -> bool:
        try:
            await self.connect()
            assert self.pool is not None
            return bool(await asyncio.wait_for(self.pool.ping(), timeout=2))
        except Exception:  # noqa: BLE001 - any failure here is handled the same way
            return False

    async def drain(self) -> None:
        return None

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()
            self.pool = None


Runner = InlineRunner | ArqRunner
_runner: Runner | None = None


def install(runner: Runner | None) -> None:
    global _runner
    _runner = runner


def runner() -> Runner:
    if _runner is None:
        raise RuntimeError("no job runner installed")
    return _runner


async def enqueue(name: str, *args: Any, job_id: str | None = None) -> None:
    if name not in JOBS:
        raise KeyError(f"unknown job {name}")
    if _runner is None:
        log.warning("no job runner: %s%r not enqueued", name, args)
        return
    await _runner.enqueue(name, *args, job_id=job_id)


def build_runner(settings: Settings) -> Runner:
    return ArqRunner(settings) if settings.redis_url else InlineRunner(settings)


async def run_periodic_inline(runner: InlineRunner) -> None:
    """The inline runner's clock: periodic jobs every few minutes while the app runs."""
    tick = 0
    # The OCDS feed of a freshly started app (e.g. the demo data) does not wait for the sweep.
    await runner._run(record_ocds_releases.__name__, ())
    while True:
        await asyncio.sleep(60)
        tick += 1
        for function, minutes, _ in PERIODIC:
            if tick % minutes == 0:
                await runner._run(function.__name__, ())


# --- arq worker --------------------------------------------------------------------------


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")


async def worker_startup(ctx: dict[str, Any]) -> None:
    from tortoise import Tortoise

    from market.db import tortoise_config
    from market.mail import services as mail
    from market.security import passwords

    settings = Settings.from_env()
    passwords.configure(settings.argon2_profile)
    mail.configure(settings.base_url)
    ctx["settings"] = settings
    ctx["tortoise"] = await Tortoise.init(
        config=tortoise_config(settings), _enable_global_fallback=True
    )
    install(ArqRunner(settings, pool=ctx["redis"]))
    # Whatever was queued while no worker (or no Redis) was there goes out now.
    await ctx["redis"].enqueue_job("sweep_outbox", _queue_name=settings.arq_queue)
    await ctx["redis"].enqueue_job("sweep_shortlists", _queue_name=settings.arq_queue)
    await ctx["redis"].enqueue_job("record_ocds_releases", _queue_name=settings.arq_queue)


async def worker_shutdown(ctx: dict[str, Any]) -> None:
    from tortoise import Tortoise

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
DEBOUNCED = {"refresh_vendor_index", "compute_shortlist", "rebuild_contributions", "import_commits"}


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
