"""The one clock of the app. Tests move it; time rules read it at the moment of the request."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
_offset = dt.timedelta(0)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + _offset


def local_now() -> dt.datetime:
    return now().astimezone(COPENHAGEN)


def today() -> dt.date:
    return local_now().date()


def shift(delta: dt.timedelta) -> None:
    """Move the clock (tests and demos only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = dt.timedelta(0)


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(COPENHAGEN)


def parse_local(value: str) -> dt.datetime:
    """Parse an ISO timestamp; one without an offset is Danish local time (DST-correct)."""
    parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=COPENHAGEN)
    return parsed.astimezone(dt.UTC)
