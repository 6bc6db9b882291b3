"""Import wishes from a Jira CSV export; idempotent by issue key.

Columns read: Issue key, Summary, Description, Status, Priority, Votes, Labels, Reporter,
Created. Jira writes one "Labels" column per label, so every column of that name is read.
Re-importing updates the text fields of an existing wish and never duplicates it; a wish's
status is only taken from Jira when it is created, so release planning done here survives.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError

from market import clock
from market.accounts.models import User
from market.audit.services import record
from market.db import transaction
from market.errors import ValidationFailed
from market.i18n import gettext as _
from market.parsing import whole_number
from market.solutions.models import Solution, Wish, WishStatus

REQUIRED_COLUMNS = ("Issue key", "Summary")
DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",  # Jira's default: 12/Mar/24 10:15 AM
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d",
)
STATUS_MAP = {
    "to do": WishStatus.NEW,
    "open": WishStatus.NEW,
    "backlog": WishStatus.NEW,
    "ny": WishStatus.NEW,
    "åben": WishStatus.NEW,
    "reopened": WishStatus.NEW,
    "selected for development": WishStatus.ACCEPTED,
    "accepteret": WishStatus.ACCEPTED,
    "in progress": WishStatus.PLANNED,
    "i gang": WishStatus.PLANNED,
    "planlagt": WishStatus.PLANNED,
    "done": WishStatus.DONE,
    "closed": WishStatus.DONE,
    "resolved": WishStatus.DONE,
    "færdig": WishStatus.DONE,
    "løst": WishStatus.DONE,
    "lukket": WishStatus.DONE,
    "won't do": WishStatus.REJECTED,
    "won't fix": WishStatus.REJECTED,
    "afvist": WishStatus.REJECTED,
}
PRIORITY_MAP = {
    "highest": "high",
    "high": "high",
    "blocker": "high",
    "critical": "high",
    "høj": "high",
    "medium": "medium",
    "normal": "medium",
    "major": "medium",
    "mellem": "medium",
    "low": "low",
    "lowest": "low",
    "minor": "low",
    "trivial": "low",
    "lav": "low",
}
COMPARED = (
    "title",
    "description",
    "priority",
    "jira_status",
    "jira_votes",
    "jira_reporter",
    "jira_created_at",
    "labels",
)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged) + len(self.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": [{"row": row, "reason": reason} for row, reason in self.rejected],
        }


def parse_created(value: str) -> dt.datetime | None:
    """A Jira timestamp (Danish local time) as UTC, or None if it cannot be read."""
    text = value.strip()
    for fmt in DATE_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=clock.COPENHAGEN).astimezone(dt.UTC)
    try:
        return clock.parse_local(text)
    except ValueError:
        return None


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Header and (row number, values) pairs; row numbers count the header as row 1."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return [], []
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        values: dict[str, Any] = {"Labels": []}
        for name, cell in zip(header, cells, strict=False):
            if name == "Labels":
                values["Labels"].extend(cell.split())
            else:
                values.setdefault(name, cell)
        rows.append((number, values))
    return header, rows


def _row_fields(values: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    key = (values.get("Issue key") or "").strip()
    summary = (values.get("Summary") or "").strip()
    if not key:
        return None, _("the issue key is missing")
    if not summary:
        return None, _("%(key)s: the summary is missing") % {"key": key}
    created_text = (values.get("Created") or "").strip()
    created = parse_created(created_text) if created_text else None
    if created_text and created is None:
        return None, _("%(key)s: the date %(value)r in Created cannot be read") % {
            "key": key,
            "value": created_text,
        }
    votes_text = (values.get("Votes") or "0").strip() or "0"
    votes = whole_number(votes_text)
    if votes is None or votes > 2_000_000_000:
        return None, _("%(key)s: Votes must be a whole number") % {"key": key}
    jira_status = (values.get("Status") or "").strip()
    return {
        "jira_key": key[:40],
        "title": summary[:300],
        "description": (values.get("Description") or "").strip(),
        "priority": PRIORITY_MAP.get((values.get("Priority") or "").strip().lower(), "medium"),
        "jira_status": jira_status[:60],
        "jira_votes": votes,
        "jira_reporter": (values.get("Reporter") or "").strip()[:200],
        "jira_created_at": created,
        "labels": sorted(set(values.get("Labels") or [])),
        "status": STATUS_MAP.get(jira_status.lower(), WishStatus.NEW),
    }, ""


async def import_jira(
    solution: Solution,
    text: str,
    *,
    actor: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a Jira CSV export into the wishes of `solution`."""
    header, rows = read_rows(text)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(
            _("This is not a Jira CSV export: the columns %(columns)s are missing.")
            % {"columns": ", ".join(missing)},
            {"file": _("Export the issues from Jira as CSV (all fields).")},
        )
    report = ImportReport()
    seen: set[str] = set()
    for number, values in rows:
        fields, reason = _row_fields(values)
        if fields is None:
            report.rejected.append((number, reason))
        elif fields["jira_key"] in seen:
            report.rejected.append(
                (number, _("%(key)s appears twice in the file") % {"key": fields["jira_key"]})
            )
        else:
            seen.add(fields["jira_key"])
            outcome = await _upsert(solution, fields)
            getattr(report, outcome).append(fields["jira_key"])
        if progress is not None:
            progress(1)
    async with transaction():
        await record(
            "wish.jira_imported",
            actor=actor,
            object_type="solution",
            object_id=solution.id,
            after=report.as_dict(),
        )
    return report


async def _upsert(solution: Solution, fields: dict[str, Any]) -> str:
    existing = await Wish.get_or_none(solution_id=solution.id, jira_key=fields["jira_key"])
    if existing is None:
        try:
            async with transaction():
                await Wish.create(solution=solution, **fields)
            return "created"
        except IntegrityError:  # imported at the same moment by someone else
            existing = await Wish.get(solution_id=solution.id, jira_key=fields["jira_key"])
    changed = [name for name in COMPARED if getattr(existing, name) != fields[name]]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(existing, name, fields[name])
    await existing.save(update_fields=[*changed, "updated_at"])
    return "updated"
