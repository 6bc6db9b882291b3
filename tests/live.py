"""A real `market serve` process on a free port with its own migrated SQLite database and the
demo data: the black-box server that browser and API tests drive."""

from __future__ import annotations

import contextlib
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

ROOT = Path(__file__).resolve().parents[1]
# `python -c` puts the repository first on sys.path, so the local packages win over any stale
# editable-install mapping of the console script.
MARKET = [sys.executable, "-c", "import sys; from market.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    base: str
    database: Path
    env: dict[str, str]


def _wait_until_healthy(base: str) -> None:
    for _ in range(150):
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the live server did not start")


@contextlib.contextmanager
def serve_live(prefix: str) -> Iterator[LiveServer]:
    """Migrate, load the demo, serve; on the way out stop the server and show its tracebacks."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        port = free_port()
        database = Path(folder) / "live.sqlite3"
        env = {
            **os.environ,
            "MARKET_ENV": "test",
            "MARKET_VAR_DIR": folder,
            "DATABASE_URL": f"sqlite://{database}",
            "SECRET_KEY": "live-test-secret-" + "y" * 32,
            "CHECK_ANSWERS": "1",  # every API answer checked against its model
            "ARGON2_PROFILE": "fast",
            "BASE_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("REDIS_URL", None)
        for command in ("migrate", "demo"):
            subprocess.run([*MARKET, command], env=env, check=True, cwd=ROOT, capture_output=True)
        log_path = Path(folder) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*MARKET, "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_until_healthy(base)
                yield LiveServer(base, database, env)
            finally:
                process.terminate()
                process.wait(timeout=10)
        server_log = log_path.read_text(errors="replace")
        if "Traceback" in server_log:
            sys.stderr.write(server_log[-20000:])
