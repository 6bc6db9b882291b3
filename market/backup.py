"""`market backup` and `market restore`: pg_dump/pg_restore, or the SQLite backup API."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

from market.db import is_sqlite, normalise_url


class BackupError(RuntimeError):
    """A backup or restore could not be made."""


def _sqlite_path(url: str) -> Path:
    path = url.removeprefix("sqlite://")
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def _pg_env(url: str) -> tuple[list[str], dict[str, str]]:
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    args = ["--host", parts.hostname or "127.0.0.1", "--port", str(parts.port or 5432)]
    if parts.username:
        args += ["--username", unquote(parts.username)]
    args += ["--dbname", parts.path.lstrip("/") or "postgres"]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def backup(database_url: str, output: Path) -> Path:
    """Write a consistent copy of the database to `output`."""
    url = normalise_url(database_url)
    output.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(output)
        try:
            source.backup(target)  # consistent even while the app writes
        finally:
            target.close()
            source.close()
        return output
    args, env = _pg_env(url)
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from our own settings
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(output), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_dump failed")
    return output


def restore(database_url: str, source: Path) -> None:
    """Replace the database's content with the backup in `source`."""
    if not source.exists():
        raise BackupError(f"no such backup file: {source}")
    url = normalise_url(database_url)
    if is_sqlite(url):
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        backup_db = sqlite3.connect(source)
        target = sqlite3.connect(target_path)
        try:
            backup_db.backup(target)
        finally:
            target.close()
            backup_db.close()
        return
    args, env = _pg_env(url)
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from our own settings
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or "pg_restore failed")
