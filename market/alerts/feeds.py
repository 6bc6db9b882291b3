"""Feeds: an Atom feed of open tasks (public) and of the tasks that fit a vendor (private),
and an iCalendar feed of the deadlines that concern a user (RFC 4287, RFC 5545)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from market import clock, urls
from market.accounts.models import User
from market.alerts import delivery, services
from market.alerts.models import Frequency
from market.bids.models import Bid
from market.competencies.services import parent_map
from market.i18n import gettext as _
from market.settings import Settings
from market.shortlists.models import ShortlistEntry
from market.solutions.models import Solution
from market.tasks.models import Invitation, Task, TaskStatus
from market.vendors.models import Vendor

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
SUMMARY_LENGTH = 600


@dataclass
class FeedEntry:
    task: Task
    reasons: list[str] = field(default_factory=list)


async def open_tasks(limit: int = FEED_SIZE) -> list[Task]:
    """Published tasks still open for bids, newest first."""
    return list(
        await Task.filter(
            status=TaskStatus.PUBLISHED,
            published_at__isnull=False,
            bid_deadline__gt=clock.now(),
        )
        .order_by("-published_at", "-id")
        .limit(limit)
    )


async def fitting_tasks(user: User) -> list[FeedEntry]:
    """Open tasks that fit the user's vendor, by the shortlist and the user's filters (not by
    the mail frequency: the feed is there whatever mail the user wants)."""
    vendor = await Vendor.get_or_none(organisation_id=user.organisation_id)
    if vendor is None or not user.is_vendor:
        return []
    if vendor.id not in await delivery.eligible_vendor_ids([vendor.id]):
        return []
    pref = await services.preference_of(user)
    pref.frequency = Frequency.DAILY  # the filters count here, not how often mail goes out
    parents = await parent_map()
    names = dict(await Solution.all().values_list("id", "name"))
    row = await services.fit_settings()
    tasks = await open_tasks(limit=500)
    places = {
        int(e.shortlist.task_id): e
        for e in await ShortlistEntry.filter(
            vendor_id=vendor.id, shortlist__task_id__in=[t.id for t in tasks] or [0]
        ).select_related("shortlist")
    }
    entries = []
    for task in tasks:
        entry = places.get(task.id)
        name = str(names.get(task.solution_id, ""))
        wanted = entry is not None and delivery.fits(entry, row)
        if entry is not None and wanted and delivery.wanted_by(pref, task, name, parents):
            entries.append(FeedEntry(task, await delivery.explain(task, entry, name)))
        if len(entries) >= FEED_SIZE:
            break
    return entries


def _stamp(value: dt.datetime) -> str:
    return clock.to_local(value).isoformat(timespec="seconds")


def atom(settings: Settings, title: str, self_url: str, entries: list[FeedEntry]) -> bytes:
    """An Atom 1.0 document (escaping by the XML library, never by hand)."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    updated = max((e.task.updated_at for e in entries), default=clock.now())
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(
        feed, f"{{{ATOM}}}link", rel="alternate", href=settings.base_url + urls.url("tasks.list")
    )
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Partner Market"
    for item in entries:
        task = item.task
        url = settings.base_url + urls.url("tasks.detail", id=task.id)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}title").text = task.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(task.updated_at)
        if task.published_at:
            ET.SubElement(entry, f"{{{ATOM}}}published").text = _stamp(task.published_at)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url)
        for code in [*task.required, *task.nice_to_have]:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=code)
        summary = task.description[:SUMMARY_LENGTH]
        lines = [
            summary,
            _("Budget: %(amount)d DKK") % {"amount": task.budget_dkk},
            _("Bid deadline: %(when)s") % {"when": _stamp(task.bid_deadline)},
        ]
        if item.reasons:
            lines.append(", ".join(item.reasons))
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = "\n".join(lines)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body


# --- iCalendar -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1  # never cut a character in two
        parts.append(raw[start:end].decode("utf-8"))
        start, limit = end, 74
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Deadline:
    uid: str
    summary: str
    url: str
    at: dt.datetime | None = None
    day: dt.date | None = None


def _task_deadlines(task: Task, url: str, delivery_too: bool) -> list[Deadline]:
    found = [
        Deadline(
            f"task-{task.id}-bid",
            _("Bid deadline: %(title)s") % {"title": task.title},
            url,
            at=task.bid_deadline,
        ),
    ]
    if task.question_deadline < task.bid_deadline:
        found.append(
            Deadline(
                f"task-{task.id}-questions",
                _("Question deadline: %(title)s") % {"title": task.title},
                url,
                at=task.question_deadline,
            )
        )
    if delivery_too:
        found.append(
            Deadline(
                f"task-{task.id}-delivery",
                _("Delivery: %(title)s") % {"title": task.title},
                url,
                day=task.delivery_date,
            )
        )
    return found


async def user_deadlines(settings: Settings, user: User) -> list[Deadline]:
    """Bid, question and delivery dates of the tasks that concern the user: for a vendor the
    tasks it is invited to, bids on or that fit it; for a coordinator their solutions' tasks."""
    found: list[Deadline] = []
    if user.is_vendor:
        vendor = await Vendor.get_or_none(organisation_id=user.organisation_id)
        if vendor is not None:
            invited = await Invitation.filter(vendor_id=vendor.id).values_list("task_id", flat=True)
            bids = {b.task_id: b for b in await Bid.filter(vendor_id=vendor.id)}
            fitting = [e.task.id for e in await fitting_tasks(user)]
            ids = {*invited, *bids, *fitting}
            for task in await Task.filter(id__in=list(ids) or [0], published_at__isnull=False):
                won = task.status in (TaskStatus.AWARDED, TaskStatus.DELIVERED) and bool(
                    bids.get(task.id)
                )
                url = settings.base_url + urls.url("tasks.detail", id=task.id)
                found.extend(_task_deadlines(task, url, delivery_too=won))
    if user.has_role("coordinator"):
        for task in await Task.filter(
            solution__coordinators__id=user.id, published_at__isnull=False
        ).exclude(status=TaskStatus.CANCELLED):
            url = settings.base_url + urls.url("tasks.detail", id=task.id)
            found.extend(_task_deadlines(task, url, delivery_too=True))
    unique = {d.uid: d for d in found}
    return sorted(unique.values(), key=lambda d: d.uid)


def icalendar(settings: Settings, deadlines: list[Deadline]) -> bytes:
    """A VCALENDAR of one event per deadline (CRLF lines, folded, text escaped)."""
    host = settings.base_url.split("://", 1)[-1].split("/", 1)[0] or "partnermarket"
    stamp = _utc(clock.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Partner Market//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Partner Market",
    ]
    for deadline in deadlines:
        lines += ["BEGIN:VEVENT", f"UID:{deadline.uid}@{host}", f"DTSTAMP:{stamp}"]
        if deadline.at is not None:
            lines += [f"DTSTART:{_utc(deadline.at)}", f"DTEND:{_utc(deadline.at)}"]
        elif deadline.day is not None:
            end = deadline.day + dt.timedelta(days=1)
            lines += [
                f"DTSTART;VALUE=DATE:{deadline.day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{end:%Y%m%d}",
            ]
        lines += [
            f"SUMMARY:{_escape(deadline.summary)}",
            f"URL:{deadline.url}",
            f"DESCRIPTION:{_escape(deadline.url)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
