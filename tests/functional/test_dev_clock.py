"""The movable clock page of development and test servers: a deadline passes without waiting,
and production has no such page."""

from __future__ import annotations

import dataclasses
import datetime as dt

from market import clock
from tests import factories


async def test_the_clock_moves_and_comes_back(client) -> None:
    before = clock.now()
    moved = await factories.post_form(client, "/dev/clock", {"seconds": "7200"})
    assert moved.status_code == 303
    assert clock.now() - before >= dt.timedelta(hours=2)
    back = await factories.post_form(client, "/dev/clock", {"seconds": "-3600"})
    assert back.status_code == 303
    assert dt.timedelta(minutes=59) < clock.now() - before < dt.timedelta(minutes=61)
    wrong = await factories.post_form(client, "/dev/clock", {"seconds": "1²"})
    assert wrong.status_code == 422 and 'value="1²"' in wrong.text
    await factories.post_form(client, "/dev/clock", {"action": "reset"})
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


async def test_production_has_no_clock_page(client, app, settings) -> None:
    app.state.settings = dataclasses.replace(settings, environment="production")
    try:
        assert (await client.get("/dev/clock")).status_code == 404
    finally:
        app.state.settings = settings
