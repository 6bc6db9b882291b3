"""`market backup` then `market restore` into a fresh database gives the same content."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from market.db import is_sqlite, normalise_url

MARKET = str(Path(sys.executable).parent / "market")
BASE = normalise_url(os.environ.get("DATABASE_URL", ""))
TABLES = ["organisation", "user", "vendor", "audit_event", "outbox_message"]


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([MARKET, *args], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


async def _pg_rows(url: str) -> dict[str, list[tuple]]:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return {
            table: [
                tuple(r) for r in await connection.fetch(f'SELECT * FROM "{table}" ORDER BY id')
            ]
            for table in TABLES
        }
    finally:
        await connection.close()


def _sqlite_rows(path: str) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(path)
    try:
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            for table in TABLES
        }
    finally:
        connection.close()


async def _admin(sql: str) -> None:
    import asyncpg

    base = BASE.rsplit("/", 1)[0]
    connection = await asyncpg.connect(f"{base}/postgres".replace("postgres://", "postgresql://"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def test_backup_restores_into_a_fresh_database(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MARKET_VAR_DIR": str(tmp_path),
        "ARGON2_PROFILE": "fast",
        "SECRET_KEY": "backup-test-" + "z" * 32,
    }
    env.pop("REDIS_URL", None)
    names: list[str] = []
    if not BASE or is_sqlite(BASE):
        source, target = f"sqlite://{tmp_path}/source.db", f"sqlite://{tmp_path}/target.db"
    else:
        base = BASE.rsplit("/", 1)[0]
        names = [f"market_backup_{secrets.token_hex(3)}" for _ in range(2)]
        for name in names:
            await _admin(f'CREATE DATABASE "{name}"')
        source, target = f"{base}/{names[0]}", f"{base}/{names[1]}"
    try:
        await asyncio.to_thread(_run, {**env, "DATABASE_URL": source}, "migrate")
        await asyncio.to_thread(_run, {**env, "DATABASE_URL": source}, "demo")
        dump = tmp_path / "backup.bin"
        out = await asyncio.to_thread(
            _run, {**env, "DATABASE_URL": source}, "backup", "--output", str(dump)
        )
        assert "backup written" in out and dump.stat().st_size > 0
        await asyncio.to_thread(
            _run, {**env, "DATABASE_URL": target}, "restore", str(dump), "--yes"
        )
        if names:
            before, after = await _pg_rows(source), await _pg_rows(target)
        else:
            before = _sqlite_rows(source.removeprefix("sqlite://"))
            after = _sqlite_rows(target.removeprefix("sqlite://"))
        assert before["user"], "the demo data made users to compare"
        assert after == before
    finally:
        for name in names:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_refuses_a_missing_file(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MARKET_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite://{tmp_path}/x.db",
    }
    result = subprocess.run(
        [MARKET, "restore", str(tmp_path / "nope"), "--yes"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "nope" in result.stderr


pytestmark = pytest.mark.slow
