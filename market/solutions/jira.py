"""Import wishes from a Jira CSV export; idempotent by issue key.

Columns read: Issue key, Summary, Description, Status, Priority, Votes, Labels, Reporter,
Created; kept as the wish's Jira metadata: Issue Type, Parent (or Parent id), Resolution,
Component/s and every "Custom field (...)". Jira writes one column per label, component or
multi-value custom field under the same name, so every column of a name is read.
Descriptions arrive in Jira wiki markup and are stored as plain text (see `strip_wiki`).
Dates come in the exporting user's language: "12/Mar/24 10:15 AM" or "05/maj/26 14:30".
Re-importing updates the text fields of an existing wish and never duplicates it; a wish's
status is only taken from Jira when it is created, so release planning done here survives.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
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
# Columns that Jira repeats, one per value.
MULTI_COLUMNS = ("Labels", "Component/s")
DATE_FORMATS = (
    "%d/%m/%y %I:%M %p",  # Jira's default, month name turned into its number: 12/Mar/24 10:15 AM
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%y %H:%M",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d",
)
# Month names as Jira writes them in English and Danish (abbreviated or in full).
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "januar"),
            ("feb", "february", "februar"),
            ("mar", "march", "marts"),
            ("apr", "april"),
            ("may", "maj"),
            ("jun", "june", "juni"),
            ("jul", "july", "juli"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "okt", "october", "oktober"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_IN_DATE = re.compile(r"^(\d{1,2})[/ -]([^\W\d_]+)\.?[/ -](\d{2,4})\b", re.UNICODE)
_MERIDIEM = {"a.m.": "AM", "p.m.": "PM", "am": "AM", "pm": "PM"}
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
    "jira_fields",
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


def _numeric_month(text: str) -> str | None:
    """ "05/maj/26 2:30 PM" -> "05/05/26 2:30 PM"; None for an unknown month name."""
    match = _MONTH_IN_DATE.match(text)
    if match is None:
        return text
    month = MONTHS.get(match.group(2).lower())
    if month is None:
        return None
    rest = text[match.end() :]
    for written, standard in _MERIDIEM.items():
        rest = re.sub(rf"(?i)\s{re.escape(written)}$", f" {standard}", rest)
    return f"{match.group(1)}/{month:02d}/{match.group(3)}{rest}"


def parse_created(value: str) -> dt.datetime | None:
    """A Jira timestamp (Danish local time) as UTC, or None if it cannot be read."""
    text = _numeric_month(" ".join(value.split()))
    if text is None:
        return None
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
        values: dict[str, Any] = {name: [] for name in MULTI_COLUMNS}
        for name, cell in zip(header, cells, strict=False):
            if name == "Labels":
                values["Labels"].extend(cell.split())
            elif name in MULTI_COLUMNS or name.startswith("Custom field ("):
                if cell.strip():
                    values.setdefault(name, []).append(cell.strip())
            else:
                values.setdefault(name, cell)
        rows.append((number, values))
    return header, rows


def jira_metadata(values: dict[str, Any]) -> dict[str, Any]:
    """Issue type, parent, resolution, components and custom fields, as Jira named them."""
    found: dict[str, Any] = {}
    for key, column in (
        ("issue_type", "Issue Type"),
        ("parent", "Parent"),
        ("parent_summary", "Parent summary"),
        ("resolution", "Resolution"),
    ):
        value = str(values.get(column) or "").strip()
        if value:
            found[key] = value[:300]
    if "parent" not in found and str(values.get("Parent id") or "").strip():
        found["parent"] = str(values["Parent id"]).strip()[:40]
    if values.get("Component/s"):
        found["components"] = sorted(set(values["Component/s"]))
    custom = {
        name.removeprefix("Custom field (").removesuffix(")"): cells[0]
        if len(cells) == 1
        else cells
        for name, cells in values.items()
        if name.startswith("Custom field (") and cells
    }
    if custom:
        found["custom"] = custom
    return found


def _table_row(match: re.Match[str]) -> str:
    return " | ".join(cell.strip() for cell in match.group(1).split("|"))


# Jira wiki markup, in the order the rules apply (see strip_wiki).
_WIKI_BLOCKS = re.compile(r"\{(code|noformat|quote|panel)(:[^}]*)?\}", re.IGNORECASE)
_WIKI_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"^h[1-6]\.\s*", re.MULTILINE), ""),  # headings
    (re.compile(r"^bq\.\s*", re.MULTILINE), "> "),  # block quote
    (re.compile(r"^[*#-]+\s+", re.MULTILINE), "- "),  # bullet and numbered lists
    (re.compile(r"^\|\|(.*)\|\|\s*$", re.MULTILINE), r"\1"),  # table heading rows
    (re.compile(r"\|\|"), " | "),
    (re.compile(r"^\|(.+?)\|?[ \t]*$", re.MULTILINE), _table_row),  # table rows
    (re.compile(r"\{color(:[^}]*)?\}", re.IGNORECASE), ""),
    (re.compile(r"\{\{(.+?)\}\}"), r"\1"),  # monospace
    (re.compile(r"\[~([^\]]+)\]"), r"@\1"),  # mentions
    (re.compile(r"\[([^|\]]+)\|([^\]]+)\]"), r"\1 (\2)"),  # [text|link]
    (re.compile(r"\[((?:https?|mailto):[^\]]+)\]"), r"\1"),  # [link]
    (re.compile(r"!([^!\s|]+)(\|[^!]*)?!"), r"[\1]"),  # attached images
    (re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*\S)?)\*(?![\w*])"), r"\1"),  # *strong*
    (re.compile(r"(?<![\w_])_(\S(?:[^_\n]*\S)?)_(?![\w_])"), r"\1"),  # _emphasis_
    (re.compile(r"(?<![\w+])\+(\S(?:[^+\n]*\S)?)\+(?![\w+])"), r"\1"),  # +inserted+
    (re.compile(r"(?<![\w^])\^(\S(?:[^^\n]*\S)?)\^(?![\w^])"), r"\1"),  # ^superscript^
    (re.compile(r"\\\\"), "\n"),  # forced line break
)


def strip_wiki(text: str) -> str:
    """Jira wiki markup as plain text: the words stay, the markup goes; code stays verbatim."""
    pieces = _WIKI_BLOCKS.split(text.replace("\r\n", "\n"))
    # split() gives text, (name, parameters), text, ...: a block's text alternates in and out.
    out: list[str] = []
    inside: str | None = None
    for index in range(0, len(pieces), 3):
        chunk = pieces[index]
        if inside in ("code", "noformat"):
            out.append(chunk)
        else:
            for pattern, replacement in _WIKI_RULES:
                chunk = pattern.sub(replacement, chunk)
            out.append(chunk)
        if index + 1 < len(pieces):
            name = pieces[index + 1].lower()
            inside = None if inside == name else name
    return re.sub(r"\n{3,}", "\n\n", "".join(out))


class EncodingUnknown(ValueError):
    """The export is not in an encoding that can be told from its bytes."""


def decode_export(raw: bytes, encoding: str | None = None) -> str:
    """The export's text: UTF-8 (with or without a byte order mark) or UTF-16 with one, or
    the encoding named. Anything else raises EncodingUnknown with where it went wrong."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise EncodingUnknown(f"unknown encoding {encoding!r}") from exc
        try:
            return raw.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise EncodingUnknown(
                f"the file is not {encoding}: byte 0x{raw[exc.start]:02x} at position {exc.start}"
            ) from exc
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16").lstrip("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EncodingUnknown(
            f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start}"
        ) from exc


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
        "jira_fields": jira_metadata(values),
        "jira_key": key[:40],
        "title": summary[:300],
        "description": strip_wiki(values.get("Description") or "").strip(),
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
