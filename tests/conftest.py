"""Test infrastructure: a throw-away database per session, a transaction per test, the app,
an HTTP client, a real job runner (arq worker when REDIS_URL is set) and factories."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from market import clock, jobs, listcache
from market.app import create_app
from market.db import apply_migrations, is_sqlite, normalise_url, tortoise_config
from market.settings import Settings
from market.vendors import search

BASE_DATABASE_URL = normalise_url(os.environ.get("DATABASE_URL", ""))
REDIS_URL = os.environ.get("REDIS_URL", "")
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def _postgres_admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base, name.split("?")[0]


@pytest.fixture(scope="session")
def var_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="market-test-") as folder:
        yield Path(folder)


@pytest.fixture(scope="session")
async def database_url(var_dir: Path) -> AsyncIterator[str]:
    if not BASE_DATABASE_URL or is_sqlite(BASE_DATABASE_URL):
        yield f"sqlite://{var_dir / 'test.sqlite3'}"
        return
    import asyncpg

    base, admin_db = _postgres_admin_url(BASE_DATABASE_URL)
    name = f"market_test_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{base}/{admin_db}".replace("postgres://", "postgresql://"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    yield f"{base}/{name}"
    admin = await asyncpg.connect(f"{base}/{admin_db}".replace("postgres://", "postgresql://"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture(scope="session")
def settings(var_dir: Path, database_url: str) -> Settings:
    return Settings.from_env(
        {
            "MARKET_ENV": "test",
            "MARKET_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "CHECK_ANSWERS": "1",
            "ARGON2_PROFILE": "fast",
            "ARQ_QUEUE": f"market:test:{secrets.token_hex(4)}",
        }
    )


@pytest.fixture(scope="session")
async def orm(settings: Settings) -> AsyncIterator[None]:
    # The schema comes from the committed migrations, so every run also tests them. While a
    # model change has no migration yet, the schema is generated instead: `make test` fails on
    # that drift in its own step (`market makemigrations --check`), not here.
    from market.db import migration_changes

    drift = await migration_changes(settings, write=False)
    if not drift:
        await apply_migrations(settings)
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    if drift:
        await Tortoise.generate_schemas()
        await search.install()  # what migration 0012 adds beside the models
        await listcache.install()
    from market.accounts.services import seed_organisations

    await seed_organisations()
    yield
    await Tortoise.close_connections()


@pytest.fixture(autouse=True)
async def db(orm: None) -> AsyncIterator[None]:
    """Each test runs in a transaction that is rolled back (tests/unit overrides this)."""
    async with in_transaction() as connection:
        yield
        await connection.rollback()


@pytest.fixture(autouse=True)
def reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(scope="session")
async def redis_pool(settings: Settings) -> AsyncIterator[Any]:
    if not settings.redis_url:
        yield None
        return
    from arq.connections import create_pool

    pool = await create_pool(jobs.redis_settings(settings), default_queue_name=settings.arq_queue)
    yield pool
    await pool.aclose()


@pytest.fixture
async def runner(settings: Settings, redis_pool: Any) -> AsyncIterator[jobs.Runner]:
    """The job runner of the configuration under test: in-process, or arq on real Redis."""
    active: jobs.Runner
    if redis_pool is None:
        active = jobs.InlineRunner(settings, autostart=False)
    else:
        active = jobs.ArqRunner(settings, pool=redis_pool)
    jobs.install(active)
    yield active
    jobs.install(None)


@pytest.fixture
def run_jobs(settings: Settings, runner: jobs.Runner, redis_pool: Any) -> Any:
    """Run every queued job to completion: drains the inline runner or a burst arq worker."""

    async def run() -> None:
        if isinstance(runner, jobs.InlineRunner):
            await runner.drain()
            return
        from arq.worker import create_worker

        worker = create_worker(
            jobs.WorkerSettings,  # type: ignore[arg-type]
            redis_pool=redis_pool,
            queue_name=settings.arq_queue,
            burst=True,
            poll_delay=0.01,
            handle_signals=False,
            max_jobs=1,  # the test's one transaction is one connection: one job at a time
            on_startup=None,
            on_shutdown=None,
            cron_jobs=[],
            ctx={"settings": settings},
        )
        # The pool is shared by the session: run the burst, do not close the worker's pool.
        await worker.run_check()

    return run


@pytest.fixture(scope="session")
def app(settings: Settings) -> Any:
    return create_app(settings, run_periodic=False, manage_orm=False)


@pytest.fixture
async def client(app: Any, runner: jobs.Runner) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
