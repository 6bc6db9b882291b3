"""Black-box API tests: a real `market serve` process on a free port with its own SQLite
database (migrated, or built from the models while migrations lag), demo data loaded."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# `python -c` puts the repository first on sys.path, so the local packages win over any stale
# editable-install mapping of the console script.
MARKET = [sys.executable, "-c", "import sys; from market.cli import main; sys.exit(main())"]

# The schema: from the migrations, or from the models while a migration is missing (the
# lead regenerates market/migrations; `make test` reports that drift in its own step).
PREPARE = """
import asyncio
from tortoise import Tortoise
from market.db import apply_migrations, migration_changes, tortoise_config
from market.settings import Settings

async def main():
    settings = Settings.from_env()
    if await migration_changes(settings, write=False):
        await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
        await Tortoise.generate_schemas()
        from market.conduct.services import seed_if_migrated
        await seed_if_migrated()
        await Tortoise.close_connections()
    else:
        await apply_migrations(settings)
        await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
        from market.conduct.services import seed_if_migrated
        await seed_if_migrated()
        await Tortoise.close_connections()

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    base: str
    database: Path


@pytest.fixture(scope="session")
def live_api() -> Iterator[LiveServer]:
    """The app served by `market serve` on a free port, on its own SQLite database."""
    with tempfile.TemporaryDirectory(prefix="market-api-") as folder:
        port = _free_port()
        database = Path(folder) / "live.sqlite3"
        env = {
            **os.environ,
            "MARKET_ENV": "test",
            "MARKET_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite://{database}",
            "SECRET_KEY": "api-test-secret-" + "z" * 32,
            "ARGON2_PROFILE": "fast",
            "BASE_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("REDIS_URL", None)
        python = str(Path(sys.executable))
        subprocess.run([python, "-c", PREPARE], env=env, check=True, cwd=ROOT)
        subprocess.run([*MARKET, "demo"], env=env, check=True, cwd=ROOT, capture_output=True)
        log = open(Path(folder) / "server.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [*MARKET, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("the live server did not start")
            yield LiveServer(base, database)
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()
            server_log = (Path(folder) / "server.log").read_text(errors="replace")
            if "Traceback" in server_log:
                sys.stderr.write(server_log[-20000:])


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
