"""Times are instants whatever zone they are written in: a filter with a Danish local cut-off
(the alert digests' 07:00) compares the same instants on SQLite as on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from market.accounts.models import LoginFailure


@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "Pacific/Kiritimati", "America/Adak"])
async def test_a_filter_in_any_time_zone_compares_instants(zone) -> None:
    failure = await LoginFailure.create(email="a@example.org", address="192.0.2.1")
    stored = (await LoginFailure.get(id=failure.id)).created_at
    other = ZoneInfo(zone)
    before, after = ((stored + dt.timedelta(minutes=d)).astimezone(other) for d in (-30, 30))
    assert await LoginFailure.filter(id=failure.id, created_at__lt=after).exists()
    assert not await LoginFailure.filter(id=failure.id, created_at__lt=before).exists()
    assert await LoginFailure.filter(id=failure.id, created_at__gt=before).exists()
    assert not await LoginFailure.filter(id=failure.id, created_at__gt=after).exists()
    # A time written in a zone is kept as the same instant.
    failure.created_at = before
    await failure.save()
    assert (await LoginFailure.get(id=failure.id)).created_at == before
