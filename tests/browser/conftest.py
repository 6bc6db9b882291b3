"""Browser tests: a real server process (migrated, with demo data) and Debian's Chromium."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.live import serve_live

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app served by `market serve` on a free port, on its own SQLite database."""
    with serve_live("market-live-") as live:
        yield live.base


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        await instance.close()


@pytest.fixture
async def page(browser: Any, live_server: str) -> AsyncIterator[Any]:
    context = await browser.new_context(base_url=live_server, locale="da-DK")
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# Browser tests don't use the rolled-back test transaction of the functional tests.
@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    yield
