"""Attempt limits per account and per address, counted atomically before the slow check.

`admit` counts the attempt first and answers whether it is within the limit: one conditional
UPDATE (`count < limit`) decides, which is atomic on SQLite and PostgreSQL alike, so twelve
simultaneous wrong passwords for one account get at most `limit` password checks.
"""

from __future__ import annotations

import datetime as dt

from tortoise.expressions import F

from market import clock
from market.accounts.models import Throttle

KEY_LENGTH = 320


async def admit(key: str, limit: int, window: dt.timedelta) -> bool:
    """Count one attempt under `key`; True when it is within `limit` for the current window."""
    key = key[:KEY_LENGTH]
    now = clock.now()
    await Throttle.bulk_create(
        [Throttle(key=key, window_start=now, count=0)], ignore_conflicts=True
    )
    # A window that has run out starts again; only one of several parallel resets matches.
    await Throttle.filter(key=key, window_start__lte=now - window).update(count=0, window_start=now)
    admitted = await Throttle.filter(key=key, count__lt=limit).update(count=F("count") + 1)
    return bool(admitted)


async def release(key: str) -> None:
    """Give back one attempt (a successful sign-in does not count against its address)."""
    await Throttle.filter(key=key[:KEY_LENGTH], count__gt=0).update(count=F("count") - 1)


async def clear(key: str) -> None:
    """Forget the attempts under `key` (a successful sign-in or a new password)."""
    await Throttle.filter(key=key[:KEY_LENGTH]).update(count=0)
