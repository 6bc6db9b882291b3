"""PostgreSQL restarted under a running app: /healthz says 503 meanwhile, then the app recovers
without a restart of its own. Runs a private PostgreSQL cluster on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import free_port

pytestmark = pytest.mark.slow

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PrivatePostgres:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.bin = Path(BIN[-1])

    def _run(self, *args: str) -> None:
        subprocess.run([*AS_POSTGRES, *args], check=True, capture_output=True, cwd="/")

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.folder / "pg.log"),
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    if not BIN or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    folder = Path(tempfile.mkdtemp(prefix="market-pg-"))
    if AS_POSTGRES:
        shutil.chown(folder, "postgres")  # initdb refuses to run as root
    server = PrivatePostgres(folder)
    server.init()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


async def test_the_app_survives_a_postgresql_restart(postgres, deployment_factory) -> None:
    app = deployment_factory("")
    app.env["DATABASE_URL"] = postgres.url
    app.env.pop("REDIS_URL", None)
    await asyncio.to_thread(app.prepare)
    await asyncio.to_thread(app.serve)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=10) as client:
        assert (await client.get("/healthz")).json()["database"] == "ok"
        await asyncio.to_thread(postgres.stop)
        down = await client.get("/healthz")
        assert down.status_code == 503 and down.json()["database"] == "unavailable"
        await asyncio.to_thread(postgres.start)
        for _ in range(50):
            health = await client.get("/healthz")
            if health.status_code == 200:
                break
            await asyncio.sleep(0.2)
        assert health.status_code == 200, "the app did not recover by itself"
        page = await client.get("/login")
        assert page.status_code == 200
