"""CPU-bound jobs of the embedded job runner, run in one worker process off the event loop.

Without Redis the web process runs jobs itself (runners.InlineRunner). A shortlist of 10,000
vendors is seconds of Python (profiles, eligibility, fitting, ranking) that would stall every
other request of that process, and it would load scikit-learn into the web process. So the
jobs named in OUT_OF_LOOP run in a single spawned worker process with its own database
connection and its own matching index (kept warm between jobs); the web process awaits the
result without blocking. The jobs those jobs queue (alerts, mail) run there too, in order.
With Redis, arq workers are separate processes anyway and this module is not used.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from tortoise import Tortoise

from market import clock, jobs, urls
from market.db import tortoise_config
from market.mail import services as mail
from market.routes import routes
from market.security import passwords
from market.settings import Settings

OUT_OF_LOOP = frozenset({"compute_shortlist", "refresh_shortlists", "store_index_snapshot"})

NICENESS = 10  # the worker process's scheduling priority, below the web process's

_pool: ProcessPoolExecutor | None = None
_loop: asyncio.AbstractEventLoop | None = None  # in the worker process
_ctx: dict[str, Any] = {}


def _offset_seconds() -> float:
    """How far this process's clock is moved (the development clock): the worker follows."""
    return (clock.now() - dt.datetime.now(dt.UTC)).total_seconds()


def pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("spawn")  # no inherited loop or connections
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start)
    return _pool


async def run(name: str, args: tuple[Any, ...]) -> Any:
    """Run job `name` in the worker process and return its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool(), _run, name, args, _offset_seconds())


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


# --- in the worker process -------------------------------------------------------------------


def _start() -> None:
    global _loop
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # The web process's requests come first: on a busy machine the ranking takes the CPU time
    # they leave instead of competing with them for it.
    os.nice(NICENESS)
    _loop = asyncio.new_event_loop()
    asyncio.set_event_loop(_loop)
    _loop.run_until_complete(_connect())


def _exit_with_parent(parent: int) -> None:
    """The worker ends when the web process that started it is gone (even killed)."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


async def _connect() -> None:
    settings = Settings.from_env()
    passwords.configure(settings.argon2_profile)
    mail.configure(settings.base_url)
    urls.configure(routes)
    # The context lives on after this coroutine: later jobs run on the same loop.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    _ctx.update(settings=settings, job_try=1)
    jobs.install(jobs.InlineRunner(settings, autostart=False))


def _run(name: str, args: tuple[Any, ...], offset_seconds: float) -> Any:
    assert _loop is not None
    clock.reset()
    clock.shift(dt.timedelta(seconds=offset_seconds))
    return _loop.run_until_complete(_job(name, args))


async def _job(name: str, args: tuple[Any, ...]) -> Any:
    try:
        return await jobs.JOBS[name](_ctx, *args)
    finally:
        await jobs.runner().drain()
