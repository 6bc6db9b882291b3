"""Browser tests: a real server process (migrated, with demo data) and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
MARKET = str(Path(sys.executable).parent / "market")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The app served by `market serve` on a free port, on its own SQLite database."""
    with tempfile.TemporaryDirectory(prefix="market-live-") as folder:
        env = {
            **os.environ,
            "MARKET_ENV": "test",
            "MARKET_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite://{folder}/live.sqlite3",
            "SECRET_KEY": "browser-test-secret-" + "y" * 32,
            "ARGON2_PROFILE": "fast",
        }
        env.pop("REDIS_URL", None)
        subprocess.run([MARKET, "migrate"], env=env, check=True, cwd=ROOT, capture_output=True)
        subprocess.run([MARKET, "demo"], env=env, check=True, cwd=ROOT, capture_output=True)
        port = _free_port()
        log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [MARKET, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("the live server did not start")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


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
