"""Fault tests run real processes (market serve, market worker, private redis-server) on
their own throw-away database, so they never touch the instances the rest of the suite uses."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.live import free_port

MARKET = str(Path(sys.executable).parent / "market")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    yield


class Redis:
    """A private redis-server that a test may stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis() -> Iterator[Redis]:
    server = Redis()
    server.start()
    yield server
    server.stop()


@dataclass
class FakeSMTP:
    """A minimal SMTP server: `hang` accepts connections and never answers."""

    hang: bool = False
    connections: int = 0
    messages: list[bytes] = field(default_factory=list)
    port: int = 0
    server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.hang:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)
            writer.close()
            return
        writer.write(b"220 fake ESMTP\r\n")
        data: list[bytes] = []
        in_data = False
        while line := await reader.readline():
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    self.messages.append(b"".join(data))
                    writer.write(b"250 queued\r\n")
                else:
                    data.append(line)
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                writer.write(b"250 fake\r\n")
            elif command == b"DATA":
                data = []
                in_data = True
                writer.write(b"354 go on\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def smtp_factory() -> AsyncIterator[object]:
    servers: list[FakeSMTP] = []

    async def make(hang: bool = False) -> FakeSMTP:
        server = FakeSMTP(hang=hang)
        await server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


class Deployment:
    """`market serve` and `market worker` processes on a throw-away SQLite database."""

    def __init__(self, folder: Path, redis_url: str) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "MARKET_ENV": "test",
            "MARKET_VAR_DIR": str(folder),
            "DATABASE_URL": f"sqlite://{folder}/fault.sqlite3",
            "REDIS_URL": redis_url,
            "ARQ_QUEUE": f"market:fault:{secrets.token_hex(4)}",
            "SECRET_KEY": "fault-test-" + "f" * 32,
            "ARGON2_PROFILE": "fast",
            "JOB_TIMEOUT_SECONDS": "2",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[object] = []
        self.base_url = ""

    def prepare(self) -> None:
        for command in (["migrate"], ["demo"]):
            subprocess.run(
                [MARKET, *command], env=self.env, cwd=ROOT, check=True, capture_output=True
            )

    def _spawn(self, args: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        handle = open(self.folder / log, "ab")  # noqa: SIM115 - closed in stop()
        self.logs.append(handle)
        process = subprocess.Popen(
            [MARKET, *args], env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def serve(self) -> subprocess.Popen[bytes]:
        port = free_port()
        process = self._spawn(["serve", "--port", str(port)], self.env, "web.log")
        self.base_url = f"http://127.0.0.1:{port}"
        # A started server answers within a second on a quiet machine; a loaded 2-core CI
        # machine took over 10 s to import the app once, so wait up to a minute, but not for
        # a process that has already exited.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.base_url}/", timeout=1),
            ):
                return process
            time.sleep(0.1)
        log = (self.folder / "web.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"market serve did not start (exit code {process.poll()}):\n{log}")

    def worker(self, **extra_env: str) -> subprocess.Popen[bytes]:
        return self._spawn(["worker"], {**self.env, **extra_env}, "worker.log")

    def query(self, sql: str) -> list[tuple[object, ...]]:
        connection = sqlite3.connect(self.folder / "fault.sqlite3")
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def mail_rows(self) -> list[tuple[str, str, int]]:
        connection = sqlite3.connect(self.folder / "fault.sqlite3")
        try:
            return connection.execute(
                "SELECT to_email, status, attempts FROM outbox_message ORDER BY id"
            ).fetchall()
        finally:
            connection.close()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            if process.poll() is None:
                process.kill()
                process.wait()
        for handle in self.logs:
            handle.close()  # type: ignore[attr-defined]


@pytest.fixture
def deployment_factory(tmp_path: Path) -> Iterator[object]:
    made: list[Deployment] = []

    def make(redis_url: str) -> Deployment:
        deployment = Deployment(tmp_path, redis_url)
        made.append(deployment)
        return deployment

    yield make
    for deployment in made:
        deployment.stop()
