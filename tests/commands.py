"""The `market` command in a subprocess, on throw-away databases of the suite's kind (SQLite
files under the test's folder, or fresh PostgreSQL databases beside DATABASE_URL's)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from market.db import is_sqlite, normalise_url

MARKET = str(Path(sys.executable).parent / "market")
BASE = normalise_url(os.environ.get("DATABASE_URL", ""))


def run_market(env: dict[str, str], *args: str) -> str:
    """`market ARGS`: its output; the test fails with its error output if it fails."""
    result = subprocess.run([MARKET, *args], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def command_env(folder: Path, secret: str) -> dict[str, str]:
    """The environment of a `market` command with its own var folder, fast hashing and no
    Redis (jobs in-process)."""
    env = {
        **os.environ,
        "MARKET_VAR_DIR": str(folder),
        "ARGON2_PROFILE": "fast",
        "SECRET_KEY": secret + "-" + "s" * 32,
    }
    env.pop("REDIS_URL", None)
    return env


async def admin(sql: str) -> None:
    """SQL on the PostgreSQL server's `postgres` database (CREATE/DROP DATABASE)."""
    import asyncpg

    base = BASE.rsplit("/", 1)[0]
    connection = await asyncpg.connect(f"{base}/postgres".replace("postgres://", "postgresql://"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_databases(folder: Path, prefix: str, count: int) -> AsyncIterator[list[str]]:
    """`count` empty databases' URLs, dropped afterwards (SQLite: files under `folder`)."""
    if not BASE or is_sqlite(BASE):
        yield [f"sqlite://{folder}/{prefix}{n}.db" for n in range(count)]
        return
    base = BASE.rsplit("/", 1)[0]
    names = [f"market_{prefix}_{secrets.token_hex(3)}" for _ in range(count)]
    try:
        for name in names:
            await admin(f'CREATE DATABASE "{name}"')
        yield [f"{base}/{name}" for name in names]
    finally:
        for name in names:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
