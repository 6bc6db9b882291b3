"""Tortoise ORM configuration: SQLite by default, PostgreSQL from DATABASE_URL."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite.client import SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.transactions import in_transaction

from market.settings import Settings


def _utc_text(value: dt.datetime) -> str:
    """A datetime as SQLite keeps it: text, and SQLite compares text. Every stored time is in
    UTC, so a time zone-aware value (a cut-off in Danish local time) is turned to UTC first;
    Tortoise's own adapter kept its offset, and a filter then compared 07:00+01:00 above
    06:48+00:00."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat(" ")


# Replaces the adapter Tortoise's SQLite executor registered (imported above, by the client).
sqlite3.register_adapter(dt.datetime, _utc_text)

# Every module that holds models. A domain package adds itself here.
MODEL_MODULES = [
    "market.accounts.models",
    "market.audit.models",
    "market.mail.models",
    "market.vendors.models",
    "market.competencies.models",
    "market.conduct.models",
    "market.solutions.models",
    "market.tasks.models",
    "market.bids.models",
    "market.shortlists.models",
    "market.alerts.models",
    "market.privacy.models",
    "market.opendata.models",
    "market.contributions.models",
    # each domain package adds its models module here (one line each)
]


def normalise_url(url: str) -> str:
    """Tortoise wants `postgres://`; accept the `postgresql://` spelling too."""
    for prefix in ("postgresql+asyncpg://", "postgresql://"):
        if url.startswith(prefix):
            return "postgres://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


async def _begin_immediate(self: SqliteTransactionWrapper) -> None:
    """Start SQLite transactions with BEGIN IMMEDIATE: the write lock is taken first, waiting
    for it if another process holds it (the embedded ranking process writes shortlists).
    A plain BEGIN reads first and, once another process has committed meanwhile, fails its
    first write at once with "database is locked" (WAL's stale snapshot) whatever the timeout."""
    try:
        await self._connection.commit()
        await self._connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise TransactionManagementError(exc) from exc


SqliteTransactionWrapper.begin = _begin_immediate  # type: ignore[method-assign]


async def keep_session(connection: Any) -> None:
    """What asyncpg's pool does to a connection given back, beyond rolling back an open
    transaction: nothing. Every query takes a pooled connection and gives it back, and the
    default reset (RESET ALL, UNLISTEN *, CLOSE ALL, advisory unlocks) was a second round trip
    per query; the app keeps no session state (no SET, LISTEN or session-level locks)."""


def tortoise_config(settings: Settings, *, db_url: str | None = None) -> dict[str, Any]:
    url = normalise_url(db_url or settings.database_url)
    if is_sqlite(url):
        path = url.removeprefix("sqlite://")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection: str | dict[str, Any] = url
    if url.startswith("postgres://"):
        connection = expand_db_url(url)
        connection["credentials"]["reset"] = keep_session
    return {
        "connections": {"default": connection},
        "apps": {
            "market": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "market.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# --- transactions that enqueue their jobs only after they commit -------------------------

log = logging.getLogger(__name__)


class Enqueue(Protocol):
    def __call__(self, name: str, *args: Any, job_id: str | None = None) -> Awaitable[None]: ...


# The installed job runner's enqueue (market.runners.install hands it over at start-up).
_enqueue: Enqueue | None = None


def use_enqueue(enqueue: Enqueue | None) -> None:
    """Send the jobs `after_commit` queues to `enqueue` (None: no runner, they are dropped)."""
    global _enqueue
    _enqueue = enqueue


async def _send(name: str, args: tuple[Any, ...], job_id: str | None) -> None:
    if _enqueue is None:
        log.warning("no job runner: %s%r not enqueued", name, args)
        return
    await _enqueue(name, *args, job_id=job_id)


_depth: ContextVar[int] = ContextVar("market_tx_depth", default=0)
_after_commit: ContextVar[list[tuple[str, tuple[Any, ...], str | None]] | None] = ContextVar(
    "market_after_commit", default=None
)


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """`in_transaction()` that runs the jobs queued inside it once the outermost block commits."""
    depth = _depth.get()
    token_depth = _depth.set(depth + 1)
    token_jobs = _after_commit.set([]) if depth == 0 else None
    ok = False
    try:
        async with in_transaction() as connection:
            yield connection
        ok = True
    finally:
        _depth.reset(token_depth)
        if token_jobs is not None:
            pending = _after_commit.get() or []
            _after_commit.reset(token_jobs)
            if ok:
                seen: set[str] = set()
                for name, args, job_id in pending:
                    if job_id is not None and job_id in seen:
                        continue  # the same debounced job twice in one transaction
                    if job_id is not None:
                        seen.add(job_id)
                    await _send(name, args, job_id)


async def after_commit(name: str, *args: Any, job_id: str | None = None) -> None:
    """Enqueue a job once the surrounding `transaction()` commits (at once outside one).

    With a `job_id` the job is debounced: while one with that id is queued and not yet
    started, another enqueue of it is dropped (arq does this by job id; so does the inline
    runner).
    """
    pending = _after_commit.get()
    if pending is not None and _depth.get() > 0:
        pending.append((name, args, job_id))
        return
    await _send(name, args, job_id)


# --- migrations --------------------------------------------------------------------------


async def apply_migrations(settings: Settings, *, db_url: str | None = None) -> None:
    """Apply every migration (the one migration set serves SQLite and PostgreSQL)."""
    try:
        await migrate(config=tortoise_config(settings, db_url=db_url))
    finally:
        await Tortoise.close_connections()


async def migration_changes(
    settings: Settings, *, write: bool, name: str | None = None
) -> list[str]:
    """The migrations the models need beyond the committed ones (written when `write`)."""
    config = tortoise_config(settings, db_url="sqlite://:memory:")
    ctx = await Tortoise.init(config=config, init_connections=False)
    try:
        assert ctx.apps is not None
        detector = MigrationAutodetector(ctx.apps, config["apps"])
        writers = await detector.changes()
        paths = []
        for writer in writers:
            if name:
                number = writer.name.split("_", 1)[0]
                writer.name = f"{number}_{name}"
            paths.append(str(writer.write()) if write else writer.name)
        return paths
    finally:
        await Tortoise.close_connections()


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def is_id(value: object) -> bool:
    """A value that can be a row id: a whole number the database can hold (not a bool).
    Looking up a larger number fails inside the driver (a 500), so callers check first."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
