"""How jobs run: in this process (the embedded default) or through Redis to an arq worker.

This module knows no job by name: the table of every job is handed over by the module at
the top of the import graph that collects each domain's jobs (market.jobs), and the runner
is installed at start-up by the app, the worker or a command. Installing a runner also hands
its `enqueue` to the transaction helper (market.db.after_commit), which therefore imports
nothing of the jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from arq.connections import ArqRedis, RedisSettings, create_pool

from market import db, logs, metrics
from market.settings import Settings

log = logging.getLogger(__name__)

JobFunction = Callable[..., Awaitable[Any]]
# Periodic jobs: (function, minutes between runs in the inline runner, arq cron kwargs).
Periodic = tuple[JobFunction, int, dict[str, Any]]

# Every job by name (market.jobs registers the table at import).
JOBS: dict[str, JobFunction] = {}


def register(jobs: Mapping[str, JobFunction]) -> None:
    """Make these jobs known to every runner of this process."""
    JOBS.update(jobs)


class Offload(Protocol):
    """Runs some jobs in another process (market.offloop): the names, the call, the end."""

    OUT_OF_LOOP: frozenset[str]

    async def run(self, name: str, args: tuple[Any, ...]) -> Any: ...

    def shutdown(self) -> None: ...


LOCKED_TRIES = 5  # runs of an inline job that met a locked SQLite database


class InlineRunner:
    """The embedded stand-in for arq: each job runs as a task of this process.

    With `autostart=False` (the tests) jobs wait in a queue until `drain()` runs them one by
    one in the caller's context, so a job never interleaves with the test's own queries.
    With an `offload` (a served app), the jobs it names run in its worker process.
    """

    mode = "inline"
    debounce_seconds = 2.0

    def __init__(
        self, settings: Settings, *, autostart: bool = True, offload: Offload | None = None
    ) -> None:
        self.ctx: dict[str, Any] = {"settings": settings, "job_try": 1}
        self.autostart = autostart
        self.offload = offload
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
        if self.autostart and self.offload is not None and name in self.offload.OUT_OF_LOOP:
            return await self.offload.run(name, args)
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
        if self.offload is not None:
            self.offload.shutdown()


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url or "redis://127.0.0.1:6379/0")


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
    """Make `runner` the one jobs go to, including those queued by `db.after_commit`."""
    global _runner
    _runner = runner
    db.use_enqueue(enqueue if runner is not None else None)


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
