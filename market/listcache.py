"""Whole answers of the public list pages, kept per process and checked against a version in
the database on every request.

`list_version` holds one row per group of lists ("tasks", "vendors"). Database triggers on
every table such a list reads give the row a new, never reused value in the same transaction
as the write (PostgreSQL: a sequence; SQLite: a random 63-bit number), so a process that
reads the row before it builds a page knows whether its copy is still the database's answer,
whichever process wrote. Time alone also changes these lists (a bid deadline passes, a
Code of Conduct version comes into force at midnight): each copy says until when it holds.

Only anonymous GETs without a pending flash message are answered from a copy: a signed-in
user's page depends on the user. A page carries the visitor's CSRF token in its forms, so a
copy holds a marker in its place, replaced per answer. One query per request when the copy
holds (the version), the page's own queries otherwise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from market import clock
from market.db import normalise_url
from market.i18n import get_language
from market.tasks.models import Task

log = logging.getLogger(__name__)

# Each group and the tables its lists read.
GROUPS = {
    "tasks": ("task", "solution"),
    "vendors": (
        "vendor",
        "vendor_competency",
        "vendor_reference",
        "competency",
        "solution",
        "vendor_contribution",
        "conduct_version",
        "conduct_signature",
        "conduct_signature_decision",
        "conduct_vendor_standing",
    ),
    # The taxonomy alone (labels, parents, the product list) for what reads nothing else: it
    # changes seldom, so what is kept for it outlives the vendors' frequent writes.
    "taxonomy": ("competency",),
}
MARKER = "pm-csrf-marker-9f2c41d7"
CHANNEL = "list_version"
MAX_ENTRIES = 1000
FLASH_COOKIE = "pm_flash"
# Headers of the view's answer kept with the copy (the middleware add the rest per answer).
KEPT_HEADERS = ("content-type", "link", "cache-control")

Until = Callable[[dt.datetime], Awaitable[dt.datetime | None]]


@dataclass
class Copy:
    version: int
    since: dt.datetime
    until: dt.datetime | None
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def holds(self, now: dt.datetime) -> bool:
        """Built at or before `now` (a test's clock moves both ways), and not yet overtaken."""
        return self.since <= now and (self.until is None or now < self.until)


_copies: OrderedDict[tuple[str, ...], Copy] = OrderedDict()


def clear() -> None:
    _copies.clear()
    _kept.clear()
    _computing.clear()


async def _read() -> dict[str, int]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT name, version FROM list_version"
    )
    return {str(r["name"]): int(r["version"]) for r in rows}


class _Reads:
    """One read of the versions at a time, shared by the requests that arrived before it
    started: a request arriving while a read runs waits for the next one, so what it gets was
    read after it arrived (as if it had asked alone), and many concurrent requests cost one
    query."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.next: asyncio.Future[dict[str, int]] | None = None
        self.running = False
        self.task: asyncio.Task[None] | None = None

    async def versions(self) -> dict[str, int]:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # a new event loop (tests): start afresh
            self.loop, self.next, self.running = loop, None, False
        if self.next is None:
            self.next = loop.create_future()
            if not self.running:
                self.running = True
                self.task = loop.create_task(self._run())
        return await asyncio.shield(self.next)

    async def _run(self) -> None:
        try:
            while self.next is not None:
                batch, self.next = self.next, None
                try:
                    batch.set_result(await _read())
                except Exception as exc:  # noqa: BLE001 - handed to every waiting request
                    batch.set_exception(exc)
        finally:
            self.running = False


_reads = _Reads()


class _Pushed:
    """PostgreSQL pushes each new version (NOTIFY, sent when the writing transaction commits)
    to one listening connection per process: while it listens, a request needs no query.
    Until it listens, or once its connection is lost, versions are read per request again."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.versions: dict[str, int] | None = None  # None: not listening
        self.connection: Any = None
        self.task: asyncio.Task[None] | None = None
        self.retry_at = 0.0

    def start(self, dsn: str) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop, self.versions, self.connection, self.task = loop, None, None, None
        busy = self.task is not None and not self.task.done()
        if self.connection is None and not busy and loop.time() >= self.retry_at:
            self.task = loop.create_task(self._listen(dsn))

    async def _listen(self, dsn: str) -> None:
        try:
            connection = await asyncpg.connect(dsn)
            await connection.add_listener(CHANNEL, self._notified)
            connection.add_termination_listener(self._lost)
            # Read after LISTEN: no version committed in between is missed.
            rows = await connection.fetch("SELECT name, version FROM list_version")
            self.versions = {str(r["name"]): int(r["version"]) for r in rows}
            self.connection = connection
        except (TimeoutError, OSError, asyncpg.PostgresError):
            log.warning("list versions: not listening; reading them per request")
            self.versions, self.connection = None, None
            self.retry_at = asyncio.get_running_loop().time() + 10

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        group, _sep, value = payload.partition(":")
        if self.versions is not None and value.isdigit():
            self.versions[group] = int(value)

    def _lost(self, _connection: Any) -> None:
        self.versions, self.connection = None, None


_pushed = _Pushed()


async def version(group: str, dsn: str = "") -> int:
    """The group's version as stored now: pushed (PostgreSQL, outside a transaction) or read
    after this call began. Inside a transaction (the tests' rolled-back ones) it is read, so
    the transaction's own uncommitted writes count."""
    client = connections.get("default")
    if isinstance(client, TransactionalDBClient):
        # Read on the transaction's own connection, never shared: a read shared with requests
        # outside it would hand them a version its uncommitted writes made, and what they
        # computed without those writes would be kept under it.
        return (await _read()).get(group, 0)
    if dsn:
        _pushed.start(dsn)
        if _pushed.versions is not None and group in _pushed.versions:
            return _pushed.versions[group]
    return (await _reads.versions()).get(group, 0)


def _dsn(request: Request) -> str:
    """The PostgreSQL address to listen on ("" on SQLite: versions are read per request)."""
    url = normalise_url(str(request.app.state.settings.database_url))
    return url if url.startswith("postgres://") else ""


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The next local midnight, when Code of Conduct states change by time alone."""
    tomorrow = clock.to_local(now).date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=clock.COPENHAGEN).astimezone(dt.UTC)


async def until_midnight(now: dt.datetime) -> dt.datetime | None:
    return next_midnight(now)


# --- figures kept per process: what a list shows beside its rows (totals, counts) ------------

T = TypeVar("T")
# (group, what, the group's version) -> (value, computed at, holds until)
_kept: OrderedDict[tuple[str, str, int], tuple[Any, dt.datetime, dt.datetime]] = OrderedDict()
# Computations under way: a request that needs the same figure meanwhile waits for it.
_computing: dict[tuple[str, str, int], asyncio.Future[Any]] = {}


async def kept(group: str, what: str, compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()`, kept per process while the group's version is unchanged, until the next
    local midnight at the latest (as the copies of pages are). Only for what reads nothing but
    the group's tables and does not depend on who asks; `what` names it whole."""
    current = await version(group)  # read before computing, as the copies are
    now = clock.now()
    key = (group, what, current)
    found = _kept.get(key)
    if found is not None and found[1] <= now < found[2]:
        _kept.move_to_end(key)
        return cast("T", found[0])
    under_way = _computing.get(key)
    if under_way is not None and under_way.get_loop() is asyncio.get_running_loop():
        # Several requests for the same figure at once compute it once; if the computing
        # request fails or is cancelled (its client left), each waiter computes it itself.
        await asyncio.wait([under_way])
        if not under_way.cancelled():
            return cast("T", under_way.result())
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    _computing[key] = future
    try:
        value = await compute()
    except BaseException:
        future.cancel()
        raise
    finally:
        if _computing.get(key) is future:
            del _computing[key]
    future.set_result(value)
    _kept[key] = (value, now, next_midnight(now))
    while len(_kept) > MAX_ENTRIES:
        _kept.popitem(last=False)
    return value


async def until_deadline(now: dt.datetime) -> dt.datetime | None:
    """The next bid or question deadline (a task's status and the open list change then),
    or midnight if that comes first."""
    found = [next_midnight(now)]
    for name in ("bid_deadline", "question_deadline"):
        rows = (
            await Task.filter(**{f"{name}__gt": now})
            .order_by(name)
            .limit(1)
            .values_list(name, flat=True)
        )
        found += list(rows)  # type: ignore[arg-type]
    return min(found)


def _cacheable(request: Request) -> bool:
    return (
        request.method == "GET"
        and getattr(request.state, "user", None) is None
        and FLASH_COOKIE not in request.cookies
    )


def _answer(copy: Copy, token: str) -> Response:
    body = copy.body.replace(MARKER.encode(), token.encode()) if token else copy.body
    response = Response(body, status_code=copy.status)
    for name, value in copy.headers:
        response.headers[name] = value
    return response


def cached(group: str, until: Until = until_midnight) -> Callable[..., Any]:
    """Answer an anonymous GET of this view from the process's copy while the group's version
    is unchanged and `until` (when the answer stops holding by time alone) has not passed."""

    def decorate(view: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
        @functools.wraps(view)
        async def answer(request: Request) -> Response:
            if not _cacheable(request):
                return await view(request)
            key = (
                request.url.path,
                str(sorted(request.query_params.multi_items())),
                get_language(),
            )
            token = str(getattr(request.state, "csrf_token", "") or "")
            current = await version(group, _dsn(request))  # before the page's own reads
            now = clock.now()
            copy = _copies.get(key)
            if copy and copy.version == current and copy.holds(now):
                _copies.move_to_end(key)
                return _answer(copy, token)
            request.state.csrf_token = MARKER
            try:
                response = await view(request)
            finally:
                request.state.csrf_token = token
            if "set-cookie" in response.headers or not hasattr(response, "body"):
                return response
            copy = Copy(
                version=current,
                since=now,
                until=await until(now),
                status=response.status_code,
                headers=[(k, v) for k, v in response.headers.items() if k in KEPT_HEADERS],
                body=bytes(response.body),
            )
            if response.status_code == 200:
                _copies[key] = copy
                while len(_copies) > MAX_ENTRIES:
                    _copies.popitem(last=False)
            return _answer(copy, token)

        return answer

    return decorate


# --- the schema: the version rows and their triggers ---------------------------------------


def _postgres_sql() -> list[str]:
    statements = [
        "CREATE SEQUENCE IF NOT EXISTS list_version_seq",
        """CREATE TABLE IF NOT EXISTS list_version (
            name VARCHAR(20) PRIMARY KEY, version BIGINT NOT NULL)""",
        """CREATE OR REPLACE FUNCTION list_version_bump() RETURNS TRIGGER LANGUAGE plpgsql AS $$
            DECLARE
                new_version BIGINT := nextval('list_version_seq');
            BEGIN
                UPDATE list_version SET version = new_version WHERE name = TG_ARGV[0];
                PERFORM pg_notify('list_version', TG_ARGV[0] || ':' || new_version);
                RETURN NULL;
            END
        $$""",
    ]
    for group, tables in GROUPS.items():
        statements.append(
            f"INSERT INTO list_version (name, version) VALUES ('{group}', "
            "nextval('list_version_seq')) ON CONFLICT (name) DO NOTHING"
        )
        for table in tables:
            trigger = f"list_version_{group}_{table}"
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
                f"""CREATE TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
                    ON {table} FOR EACH STATEMENT EXECUTE FUNCTION list_version_bump('{group}')""",
            ]
    return statements


def _sqlite_sql() -> list[str]:
    statements = [
        """CREATE TABLE IF NOT EXISTS list_version (
            name VARCHAR(20) PRIMARY KEY, version BIGINT NOT NULL)"""
    ]
    bump = "UPDATE list_version SET version = abs(random()) WHERE name = '{group}';"
    for group, tables in GROUPS.items():
        statements.append(
            f"INSERT OR IGNORE INTO list_version (name, version) VALUES ('{group}', abs(random()))"
        )
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                trigger = f"list_version_{group}_{table}_{event.lower()}"
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER {event} ON {table} "
                    f"BEGIN {bump.format(group=group)} END"
                )
    return statements


async def install(client: Any = None) -> None:
    """Create the version rows and their triggers (idempotent)."""
    client = client or connections.get("default")
    postgres = client.capabilities.dialect == "postgres"
    for statement in _postgres_sql() if postgres else _sqlite_sql():
        await client.execute_script(statement)
