"""Background jobs ("jobs": "tasks" is a domain word here).

The same job functions run under a real arq worker (`market worker`, production, REDIS_URL set)
or in-process (the embedded default). Jobs take ids, are idempotent and are enqueued after the
transaction that made them necessary commits (see `market.db.after_commit`). Durable work such
as mail is a database row first, so a sweep finds anything whose enqueue was lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arq import cron
from arq.connections import ArqRedis, RedisSettings, create_pool

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

    ids = await services.pending_ids()
    for message_id in ids:
        await services.send_mail(ctx["settings"], message_id)
    return len(ids)


# Every job by name. Domain packages add theirs here.
JOBS: dict[str, JobFunction] = {
    "send_mail": send_mail,
    "sweep_outbox": sweep_outbox,
}

# Periodic jobs: (function, minutes between runs in the inline runner, arq cron kwargs).
PERIODIC: list[tuple[JobFunction, int, dict[str, Any]]] = [
    (sweep_outbox, 1, {"second": 30}),
]


# --- runners -----------------------------------------------------------------------------


class InlineRunner:
    """The embedded stand-in for arq: each job runs as a task of this process."""

    mode = "inline"

    def __init__(self, settings: Settings) -> None:
        self.ctx: dict[str, Any] = {"settings": settings, "job_try": 1}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        task = asyncio.create_task(self._run(name, args))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str, args: tuple[Any, ...]) -> Any:
        try:
            return await JOBS[name](self.ctx, *args)
        except Exception:
            log.exception("job %s%r failed", name, args)
            return None

    async def drain(self) -> None:
        """Wait until every job enqueued so far (and those they enqueue) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        await self.drain()


class ArqRunner:
    """Production: jobs go to Redis and an arq worker runs them."""

    mode = "redis"

    def __init__(self, settings: Settings, pool: ArqRedis | None = None) -> None:
        self.settings = settings
        self.pool = pool

    async def connect(self) -> None:
        if self.pool is None:
            self.pool = await create_pool(
                redis_settings(self.settings), default_queue_name=self.settings.arq_queue
            )

    async def enqueue(self, name: str, *args: Any, job_id: str | None = None) -> None:
        try:
            await self.connect()
            assert self.pool is not None
            await self.pool.enqueue_job(
                name, *args, _job_id=job_id, _queue_name=self.settings.arq_queue
            )
        except Exception as exc:  # noqa: BLE001 - durable rows are swept once Redis is back
            log.warning("could not enqueue %s%r: %s", name, args, exc)

    async def ping(self) -> bool:
        try:
            await self.connect()
            assert self.pool is not None
            return bool(await asyncio.wait_for(self.pool.ping(), timeout=2))
        except Exception:  # noqa: BLE001
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
    from market.security import passwords

    settings = Settings.from_env()
    passwords.configure(settings.argon2_profile)
    ctx["settings"] = settings
    ctx["tortoise"] = await Tortoise.init(
        config=tortoise_config(settings), _enable_global_fallback=True
    )
    install(ArqRunner(settings, pool=ctx["redis"]))


async def worker_shutdown(ctx: dict[str, Any]) -> None:
    from tortoise import Tortoise

    # The ORM context lives in ctx: on_shutdown runs in another task (see STACK.md).
    if ctx.get("tortoise") is not None:
        await Tortoise.close_connections()


class WorkerSettings:
    functions = list(JOBS.values())
    cron_jobs = [cron(function, **kwargs) for function, _, kwargs in PERIODIC]  # type: ignore[arg-type]
    on_startup = worker_startup
    on_shutdown = worker_shutdown
    # redis_settings and queue_name come from Settings: see `market worker` in cli.py.
    max_tries = 5
    job_timeout = 300
