"""Reading a product's history with `git log` in a subprocess (measured fastest and leanest).

Each commit becomes a `CommitRecord` with hashed author identities and its change figures; no
name or address leaves this module in the clear. Output is streamed, so memory stays flat
however long the history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import unicodedata
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

GIT = "git"
RECORD = b"\x1e"
UNIT = b"\x1f"
# hash, author time, author e-mail, author name, subject
FORMAT = "%x1e%H%x1f%at%x1f%ae%x1f%an%x1f%s"
TIMEOUT_SECONDS = 3600

# File type -> language. Unknown types count towards lines, not towards languages.
LANGUAGES = {
    ".py": "Python", ".pyi": "Python", ".js": "JavaScript", ".mjs": "JavaScript",
    ".jsx": "JavaScript", ".ts": "TypeScript", ".tsx": "TypeScript", ".java": "Java",
    ".kt": "Kotlin", ".cs": "C#", ".php": "PHP", ".rb": "Ruby", ".go": "Go", ".rs": "Rust",
    ".c": "C", ".h": "C", ".cpp": "C++", ".hpp": "C++", ".swift": "Swift", ".scala": "Scala",
    ".html": "HTML", ".htm": "HTML", ".twig": "HTML", ".css": "CSS", ".scss": "CSS",
    ".less": "CSS", ".vue": "Vue", ".sql": "SQL", ".sh": "Shell", ".bash": "Shell",
    ".xml": "XML", ".xsl": "XML", ".yml": "YAML", ".yaml": "YAML", ".json": "JSON",
    ".md": "Markdown", ".rst": "reStructuredText", ".tf": "Terraform", ".dart": "Dart",
}  # fmt: skip
SPECIAL_FILES = {"Dockerfile": "Docker", "Makefile": "Makefile"}


class RepositoryError(Exception):
    """The repository cannot be read; the message says why, in words for people."""


@dataclass
class CommitRecord:
    sha: str
    authored_at: dt.datetime
    email_hash: str
    name_hash: str
    domain_hash: str
    key: str  # the same for a commit and its rebased copy: author, time and subject
    lines_changed: int = 0
    files_touched: int = 0
    languages: dict[str, int] = field(default_factory=dict)  # language -> lines changed
    odd_encoding: bool = False


def normal_email(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip().strip("<>").casefold()


def normal_name(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def identity_hash(kind: str, value: str) -> str:
    """The stored form of an e-mail address, a name or a domain: never the value itself."""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def email_domain(email: str) -> str:
    return email.rpartition("@")[2] if "@" in email else ""


def language_of(path: str) -> str | None:
    name = path.rsplit("/", 1)[-1]
    if name in SPECIAL_FILES:
        return SPECIAL_FILES[name]
    return LANGUAGES.get(os.path.splitext(name)[1].lower())


def _text(raw: bytes) -> tuple[str, bool]:
    """UTF-8, or Latin-1 for old commits written in another encoding (flagged)."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("latin-1"), True


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # No password prompts, no system config, and none of git's command-running transports.
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_ALLOW_PROTOCOL": "https:http:git:ssh:file",
        }
    )
    return env


def git(repository: Path, *args: str, timeout: int = 120) -> str:
    """Run a git command in `repository` and return its output, or raise `RepositoryError`."""
    try:
        done = subprocess.run(  # noqa: S603 - git with an argument list, no shell
            [GIT, "-C", str(repository), *args],
            capture_output=True,
            timeout=timeout,
            env=_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RepositoryError(f"git could not run: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RepositoryError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "replace").strip()


def head(repository: Path) -> str | None:
    """The commit that HEAD points at, or None for a repository without commits."""
    if not repository.exists():
        raise RepositoryError(f"{repository} does not exist")
    git(repository, "rev-parse", "--git-dir")
    try:
        return git(repository, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except RepositoryError:
        return None


def is_ancestor(repository: Path, older: str, newer: str) -> bool:
    try:
        git(repository, "merge-base", "--is-ancestor", older, newer)
    except RepositoryError:
        return False
    return True


def count_commits(repository: Path, revisions: str) -> int:
    return int(git(repository, "rev-list", "--count", "--no-merges", revisions) or 0)


_NUMSTAT = re.compile(rb"^(\d+|-)\t(\d+|-)\t(.*)$")


def _commit(header: bytes) -> CommitRecord:
    sha, at, email_raw, name_raw, subject = (header.split(UNIT) + [b""] * 5)[:5]
    email, odd_email = _text(email_raw)
    name, odd_name = _text(name_raw)
    email = normal_email(email)
    name = normal_name(name)
    when = dt.datetime.fromtimestamp(int(at or 0), dt.UTC)
    return CommitRecord(
        sha=sha.decode("ascii", "replace"),
        authored_at=when,
        email_hash=identity_hash("email", email),
        name_hash=identity_hash("name", name),
        domain_hash=identity_hash("domain", email_domain(email)),
        key=hashlib.sha256(b"\x00".join([email.encode(), at, subject])).hexdigest()[:40],
        odd_encoding=odd_email or odd_name,
    )


def read_commits(repository: Path, revisions: str = "HEAD") -> Generator[CommitRecord, None, None]:
    """Every non-merge commit in `revisions`, oldest first, with its line counts per file.

    `git log --numstat` streams; one commit at a time is held in memory.
    """
    command = [
        GIT, "-C", str(repository), "-c", "core.quotepath=off", "log", "--reverse",
        "--no-merges", "--no-renames", "--numstat", f"--format={FORMAT}", revisions, "--",
    ]  # fmt: skip
    try:
        process = subprocess.Popen(  # noqa: S603 - git with an argument list, no shell
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
        )
    except OSError as exc:
        raise RepositoryError(f"git could not run: {exc}") from exc
    assert process.stdout is not None and process.stderr is not None
    current: CommitRecord | None = None
    try:
        for line in process.stdout:
            if line.startswith(RECORD):
                if current is not None:
                    yield current
                current = _commit(line[1:].rstrip(b"\n"))
                continue
            match = _NUMSTAT.match(line.rstrip(b"\n"))
            if current is None or match is None:
                continue
            added, deleted, path = match.groups()
            lines = (int(added) if added != b"-" else 0) + (int(deleted) if deleted != b"-" else 0)
            current.lines_changed += lines
            current.files_touched += 1
            language = language_of(path.decode("utf-8", "replace"))
            if language:
                current.languages[language] = current.languages.get(language, 0) + lines
        if current is not None:
            yield current
    finally:
        process.stdout.close()
        error = process.stderr.read().decode("utf-8", "replace").strip()
        process.stderr.close()
        code = process.wait(timeout=TIMEOUT_SECONDS)
    if code != 0:
        raise RepositoryError(error.splitlines()[-1] if error else "git log failed")
