"""`market backup` then `market restore` into a fresh database gives the same content."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from market.db import is_sqlite
from tests.commands import MARKET, command_env, run_market, throwaway_databases

TABLES = ["organisation", "user", "vendor", "audit_event", "outbox_message"]


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


async def test_backup_restores_into_a_fresh_database(tmp_path: Path) -> None:
    env = command_env(tmp_path, "backup-test")
    async with throwaway_databases(tmp_path, "backup", 2) as (source, target):
        await asyncio.to_thread(run_market, {**env, "DATABASE_URL": source}, "migrate")
        await asyncio.to_thread(run_market, {**env, "DATABASE_URL": source}, "demo")
        dump = tmp_path / "backup.bin"
        out = await asyncio.to_thread(
            run_market, {**env, "DATABASE_URL": source}, "backup", "--output", str(dump)
        )
        assert "backup written" in out and dump.stat().st_size > 0
        await asyncio.to_thread(
            run_market, {**env, "DATABASE_URL": target}, "restore", str(dump), "--yes"
        )
        if is_sqlite(source):
            before = _sqlite_rows(source.removeprefix("sqlite://"))
            after = _sqlite_rows(target.removeprefix("sqlite://"))
        else:
            before, after = await _pg_rows(source), await _pg_rows(target)
        assert before["user"], "the demo data made users to compare"
        assert after == before


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
