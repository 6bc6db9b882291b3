"""Logging: one line per event, JSON in production, readable in development.

Every line carries the request id (also sent back as `X-Request-ID`), the signed-in user's id
and active role, or the job's name and id in the worker. Nothing else about the person: no
addresses, names, e-mails, query strings or secrets (the access line logs the route's name,
not its path, because some paths carry one-time secrets).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import time
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from market.settings import Settings

# The fields of the current request or job; a dict so inner middleware can add the user.
_context: ContextVar[dict[str, Any] | None] = ContextVar("market_log_context", default=None)
FIELDS = ("request_id", "user_id", "role", "job", "job_id")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# E-mail addresses slip into messages from other libraries (an SMTP server's refusal names
# the recipient): they are replaced before any line is written.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
access_log = logging.getLogger("market.access")


def redact(text: str) -> str:
    return _EMAIL.sub("[e-mail]", text)


def bind(**fields: Any) -> dict[str, Any]:
    """Start a fresh log context (a request or a job) with these fields."""
    values = {key: value for key, value in fields.items() if value is not None}
    _context.set(values)
    return values


def current() -> dict[str, Any]:
    return _context.get() or {}


class ContextFilter(logging.Filter):
    """Copies the request or job fields onto every record (empty when there are none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = current()
        for key in FIELDS:
            setattr(record, key, values.get(key, getattr(record, key, "")))
        message = record.getMessage()
        if "@" in message:
            record.msg, record.args = redact(message), ()
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in (*FIELDS, "method", "route", "status", "duration_ms"):
            value = getattr(record, key, "")
            if value not in ("", None):
                line[key] = value
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


JSONFormatter.converter = time.gmtime


class DevFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{key}={getattr(record, key)}" for key in FIELDS if getattr(record, key, "")
        )
        record.ids = f" [{ids}]" if ids else ""
        return super().format(record)


def log_config(settings: Settings) -> dict[str, Any]:
    """The dictConfig of the web processes, the worker and the commands."""
    formatter = "json" if settings.is_production else "dev"
    level = settings.log_level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {
            "json": {"()": JSONFormatter},
            "dev": {
                "()": DevFormatter,
                "format": "%(asctime)s %(levelname)-7s %(name)s%(ids)s: %(message)s",
                "datefmt": "%H:%M:%S",
            },
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Our own access line replaces uvicorn's, which logs client addresses and paths.
            "uvicorn.access": {"handlers": [], "propagate": False},
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "tortoise": {"level": "WARNING"},
            "aiosqlite": {"level": "WARNING"},
            "asyncio": {"level": "WARNING"},
        },
    }


def configure(settings: Settings) -> None:
    logging.config.dictConfig(log_config(settings))


def _request_id(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def route_name(scope: Scope) -> str:
    """The matched route's name ("tasks.detail"), or a fixed word: never the raw path."""
    route = scope.get("route")
    name = getattr(route, "name", None)
    if name:
        return str(name)
    return "static" if scope.get("path", "").startswith("/static/") else "unmatched"


# Told of every finished request: its route's name, status and seconds (the metrics).
RequestObserver = Callable[[str, int, float], None]


class RequestLogMiddleware:
    """Outermost: gives the request its id, answers it in `X-Request-ID`, logs one access line
    and tells each observer (metrics) the route, status and duration."""

    def __init__(self, app: ASGIApp, observers: Sequence[RequestObserver] = ()) -> None:
        self.app = app
        self.observers = tuple(observers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        bind(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            route = route_name(scope)
            access_log.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            for observe in self.observers:
                observe(route, status, seconds)


class LogUserMiddleware:
    """Inside the authentication middleware: adds the user's id and active role to the lines."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope.get("state") or {}
            user = state.get("user")
            values = _context.get()
            if user is not None and values is not None:
                values["user_id"] = user.id
                session = state.get("session")
                role = getattr(session, "active_role", "") if session is not None else ""
                values["role"] = role or ",".join(getattr(user, "roles", []) or [])
        await self.app(scope, receive, send)
