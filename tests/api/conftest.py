"""Black-box API tests: a real `market serve` process on a free port with its own migrated
SQLite database and the demo data (see tests/live.py)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.live import LiveServer, serve_live

__all__ = ["LiveServer", "token_for"]


@pytest.fixture(scope="session")
def live_api() -> Iterator[LiveServer]:
    """The app served by `market serve` on a free port, on its own SQLite database."""
    with serve_live("market-api-") as live:
        yield live


def token_for(base: str, email: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(json.loads(answer.read())["token"])


# Black-box tests share no transaction with the app: no rolled-back `db` fixture here.
@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    yield
