"""Real git repositories built with the git CLI, with commits by several vendors' people."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BASE_TIME = 1_700_000_000  # November 2023


def git(repository: Path, *args: str, env: dict[bytes, bytes] | None = None) -> str:
    environment: dict[bytes, bytes] = {
        k.encode(): v.encode() for k, v in os.environ.items() if not k.startswith("GIT_")
    }
    environment.update(
        {
            b"GIT_CONFIG_NOSYSTEM": b"1",
            b"GIT_CONFIG_GLOBAL": b"/dev/null",
            b"GIT_COMMITTER_NAME": b"Robot",
            b"GIT_COMMITTER_EMAIL": b"robot@example.org",
        }
    )
    environment.update(env or {})
    done = subprocess.run(
        ["git", "-C", str(repository), *args], env=environment, capture_output=True, check=True
    )
    return done.stdout.decode().strip()


def new_repository(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def commit(
    repository: Path,
    author: bytes | str,
    email: str,
    files: dict[str, str],
    *,
    when: int,
    message: str = "",
) -> str:
    """One commit by `author <email>` at `when` (epoch seconds) writing `files`."""
    for name, text in files.items():
        target = repository / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        git(repository, "add", name)
    name = author if isinstance(author, bytes) else author.encode()
    stamp = f"{when} +0100".encode()
    git(
        repository,
        "commit",
        "-q",
        "-m",
        message or f"Change {', '.join(files)} at {when}",
        env={
            b"GIT_AUTHOR_NAME": name,
            b"GIT_AUTHOR_EMAIL": email.encode(),
            b"GIT_AUTHOR_DATE": stamp,
            b"GIT_COMMITTER_DATE": stamp,
        },
    )
    return git(repository, "rev-parse", "HEAD")


def product_history(path: Path) -> Path:
    """Three commits by fjordsoft.dk, two by nordlys.dk, one by a gmail.com hobbyist."""
    repository = new_repository(path)
    day = 86400
    commit(
        repository, "Anna Ærø", "anna@fjordsoft.dk", {"app/models.py": "a\nb\nc\n"}, when=BASE_TIME
    )
    commit(repository, "Bo", "bo@nordlys.dk", {"web/app.ts": "x\ny\n"}, when=BASE_TIME + day)
    commit(
        repository,
        "Anna Ærø",
        "Anna@FjordSoft.dk",
        {"app/views.py": "1\n2\n", "app/models.py": "a\nB\nc\nd\n"},
        when=BASE_TIME + 40 * day,
    )
    commit(
        repository, "Hobby", "hobby@gmail.com", {"README.md": "hej\n"}, when=BASE_TIME + 41 * day
    )
    commit(
        repository, "Carl", "carl@fjordsoft.dk", {"app/api.py": "q\n"}, when=BASE_TIME + 70 * day
    )
    commit(
        repository, "Bo", "bo@nordlys.dk", {"web/app.ts": "x\ny\nz\n"}, when=BASE_TIME + 71 * day
    )
    return repository
