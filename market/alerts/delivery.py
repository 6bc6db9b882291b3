"""What the alert jobs send: alerts for tasks that fit, digests, deadline reminders and the
coordinators' daily digest. Every function here is idempotent: it may run twice (a retried
or restarted job) and still tells each user each thing once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from market import clock, urls
from market.accounts.models import User
from market.alerts import services
from market.alerts.models import (
    AlertDigest,
    AlertItem,
    AlertPreference,
    AlertSettings,
    Frequency,
    SavedSearch,
)
from market.bids.models import Bid
from market.competencies.services import ancestors_in, competencies_by_code, label, parent_map
from market.conduct.states import eligibility_many
from market.db import transaction
from market.mail import services as mail
from market.orm import column
from market.settings import Settings
from market.shortlists.models import ShortlistEntry
from market.shortlists.services import refresh_exposure
from market.solutions.models import Solution
from market.tasks.models import Answer, Invitation, Question, Task, TaskStatus
from market.tasks.rules import bidding_open
from market.vendors.models import Vendor

# The fields of a task that matter to a bidder: a change to one of them tells the vendors again.
MATERIAL_FIELDS = (
    "title",
    "description",
    "required",
    "nice_to_have",
    "estimate_hours",
    "budget_dkk",
    "bid_deadline",
    "delivery_date",
)
MAX_REASONS = 6


def task_revision(task: Task) -> str:
    """A fingerprint of the task's material fields."""
    values = {name: getattr(task, name) for name in MATERIAL_FIELDS}
    raw = json.dumps(values, default=str, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


# --- who a task fits --------------------------------------------------------------------------


async def fitting_entries(task_id: int) -> dict[int, ShortlistEntry]:
    """The shortlist's eligible places that count as "fits": the first N or above the score
    the secretariat set."""
    row = await services.fit_settings()
    entries = await ShortlistEntry.filter(shortlist__task_id=task_id, eligible=True)
    return {e.vendor_id: e for e in entries if fits(e, row)}


def fits(entry: ShortlistEntry, row: AlertSettings) -> bool:
    """An eligible place counts as "fits" in the first N or at the minimum score or above."""
    if not entry.eligible:
        return False
    return entry.rank <= row.top_n or (row.min_score is not None and entry.score >= row.min_score)


async def explain(task: Task, entry: ShortlistEntry, solution_name: str) -> list[str]:
    """The same reasons the shortlist gives, short: "Python, OS2kitos, 72212000"."""
    codes = [m[0] for m in entry.matched_codes or []]
    labels = await competencies_by_code(codes)
    reasons: list[str] = []
    for code in codes:
        name = label(labels.get(code), code)
        if name not in reasons:
            reasons.append(name)
    reasons.append(solution_name)
    reasons.extend(t for t in entry.top_terms or [] if t not in reasons)
    return reasons[:MAX_REASONS]


def _code_matches(
    wanted: Iterable[str], task_codes: Iterable[str], parents: dict[str, str]
) -> bool:
    wanted = set(wanted)
    return any(code in wanted or wanted & set(ancestors_in(code, parents)) for code in task_codes)


def wanted_by(
    pref: AlertPreference, task: Task, solution_name: str, parents: dict[str, str]
) -> bool:
    """Whether the user's filters (codes, products, minimum budget) let this task through."""
    if pref.min_budget_dkk is not None and task.budget_dkk < pref.min_budget_dkk:
        return False
    if pref.products and solution_name.lower() not in {p.lower() for p in pref.products}:
        return False
    return not pref.codes or _code_matches(
        pref.codes, [*task.required, *task.nice_to_have], parents
    )


def search_matches(search: SavedSearch, task: Task, parents: dict[str, str]) -> bool:
    text = f"{task.title}\n{task.description}".lower()
    words = search.query.lower().split()
    if words and not all(word in text for word in words):
        return False
    return not search.codes or _code_matches(
        search.codes, [*task.required, *task.nice_to_have], parents
    )


@dataclass
class Recipient:
    user: User
    vendor: Vendor
    preference: AlertPreference
    reasons: list[str]
    source: str


async def _vendor_users(vendor_ids: Iterable[int]) -> dict[int, list[User]]:
    vendors = {v.organisation_id: v.id for v in await Vendor.filter(id__in=list(vendor_ids) or [0])}
    found: dict[int, list[User]] = defaultdict(list)
    for user in await User.filter(organisation_id__in=list(vendors) or [0], is_active=True):
        if user.is_vendor:
            found[vendors[user.organisation_id]].append(user)
    return found


async def _preferences(users: Iterable[User]) -> dict[int, AlertPreference]:
    users = list(users)
    saved = {p.user_id: p for p in await AlertPreference.filter(user_id__in=[u.id for u in users])}
    return {u.id: saved.get(u.id) or services.default_preference(u) for u in users}


async def eligible_vendor_ids(vendor_ids: Iterable[int]) -> set[int]:
    """Vendors that may bid now: never alert or remind a suspended or unsigned vendor."""
    found = await eligibility_many(set(vendor_ids), clock.now())
    return {vendor_id for vendor_id, verdict in found.items() if verdict.eligible}


async def recipients(task: Task) -> list[Recipient]:
    """Every vendor user the task should be told about, with why, by their preferences."""
    solution = await Solution.get(id=task.solution_id)
    parents = await parent_map()
    fits = await fitting_entries(task.id)
    searches = list(await SavedSearch.all().select_related("user"))
    found = [s for s in searches if search_matches(s, task, parents)]
    search_orgs = {s.user.organisation_id for s in found}  # type: ignore[attr-defined]
    search_vendors = await Vendor.filter(organisation_id__in=list(search_orgs) or [0])
    vendor_ids = set(fits) | {v.id for v in search_vendors}
    eligible = await eligible_vendor_ids(vendor_ids)
    users_by_vendor = await _vendor_users(eligible)
    prefs = await _preferences(u for users in users_by_vendor.values() for u in users)
    searched = {s.user_id: s for s in found}
    vendors = {v.id: v for v in await Vendor.filter(id__in=list(eligible) or [0])}
    result = []
    for vendor_id, users in users_by_vendor.items():
        entry = fits.get(vendor_id)
        fit_reasons = await explain(task, entry, solution.name) if entry is not None else []
        for user in users:
            pref = prefs[user.id]
            if pref.frequency == Frequency.OFF:
                continue
            if entry is not None and wanted_by(pref, task, solution.name, parents):
                result.append(Recipient(user, vendors[vendor_id], pref, fit_reasons, "fit"))
            elif user.id in searched:
                search = searched[user.id]
                words = [search.query] if search.query else []
                result.append(
                    Recipient(user, vendors[vendor_id], pref, [*words, *search.codes], "search")
                )
    return result


# --- mail ------------------------------------------------------------------------------------


def list_headers(settings: Settings, user_id: int, kind: str = "alerts") -> dict[str, str]:
    """RFC 8058: one-click unsubscribe by a POST to the signed link."""
    return {
        "List-Unsubscribe": f"<{services.unsubscribe_url(settings, user_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


async def send(
    settings: Settings,
    user: User,
    language: str,
    template: str,
    key: str,
    kind: str = "alerts",
    **values: Any,
) -> int:
    """Queue one mail with its unsubscribe link (text and headers) and preferences link."""
    values = {
        "user": user,
        "base_url": settings.base_url,
        "unsubscribe_url": services.unsubscribe_url(settings, user.id, kind),
        "preferences_url": settings.base_url + urls.url("alerts.preferences"),
        **values,
    }
    subject, text, html = mail.render_mail(template, language, values)
    message = await mail.queue_message(
        to=user.email,
        key=key,
        subject=subject,
        text=text,
        html=html,
        headers=list_headers(settings, user.id, kind),
        language=language,
    )
    return message.id


# --- alerts when a task is published or changed ---------------------------------------------


async def queue_task_alerts(settings: Settings, task_id: int) -> int:
    """Tell the vendors a published task fits: at once, or in their next digest. Once per
    user and version of the task; alerts count as exposure in the fairness ledger."""
    task = await Task.get_or_none(id=task_id)
    if task is None or task.published_at is None or not bidding_open(task):
        return 0
    revision = task_revision(task)
    earlier = set(
        await column(
            AlertItem.filter(task_id=task.id)
            .exclude(revision=revision)
            .values_list("user_id", flat=True)
        )
    )
    told = 0
    alerted: set[int] = set()
    for recipient in await recipients(task):
        if await _tell(settings, task, revision, recipient, recipient.user.id in earlier):
            told += 1
        alerted.add(recipient.vendor.id)
    if alerted:
        await refresh_exposure(alerted)
    return told


async def _tell(
    settings: Settings, task: Task, revision: str, recipient: Recipient, changed: bool
) -> bool:
    user = recipient.user
    try:
        async with transaction():
            item = await AlertItem.create(
                user_id=user.id,
                task_id=task.id,
                vendor_id=recipient.vendor.id,
                revision=revision,
                changed=changed,
                source=recipient.source,
                reasons=recipient.reasons,
            )
            if recipient.preference.frequency == Frequency.INSTANT:
                await send(
                    settings,
                    user,
                    recipient.preference.language,
                    "alerts/instant",
                    f"alert:{item.id}",
                    task=task,
                    item=item,
                    vendor=recipient.vendor,
                )
                item.delivered_at = clock.now()
                await item.save(update_fields=["delivered_at"])
    except IntegrityError:
        return False  # told already about this version of the task
    return True


# --- digests -----------------------------------------------------------------------------------


def digest_period(frequency: str, now: dt.datetime, hour: int) -> tuple[str, dt.datetime]:
    """The period a digest run belongs to and its cut-off: the last digest hour (daily) or
    the last Monday at that hour (weekly) before `now`. Alerts made before the cut-off go in."""
    local = clock.to_local(now)
    cutoff = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if cutoff > local:
        cutoff -= dt.timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        cutoff -= dt.timedelta(days=cutoff.weekday())
        year, week, _day = cutoff.isocalendar()
        return f"weekly:{year}-W{week:02d}", cutoff
    return f"daily:{cutoff.date().isoformat()}", cutoff


async def send_digests(settings: Settings) -> int:
    """One digest per user and period of the alerts waiting for it (idempotent: the digest
    row and its mail are written together, and a period has one row per user)."""
    waiting = await AlertItem.filter(delivered_at__isnull=True).values_list("user_id", flat=True)
    users = list(await User.filter(id__in=sorted(set(waiting)) or [0], is_active=True))
    prefs = await _preferences(users)
    sent = 0
    for user in users:
        if await _digest_one(settings, user, prefs[user.id]):
            sent += 1
    return sent


async def _digest_one(settings: Settings, user: User, pref: AlertPreference) -> bool:
    if pref.frequency == Frequency.OFF:
        return False
    frequency = Frequency.WEEKLY if pref.frequency == Frequency.WEEKLY else Frequency.DAILY
    period, cutoff = digest_period(frequency, clock.now(), settings.alert_digest_hour)
    if await AlertDigest.exists(user_id=user.id, period=period):
        return False
    items = [
        item
        for item in await AlertItem.filter(
            user_id=user.id, delivered_at__isnull=True, created_at__lt=cutoff
        ).select_related("task")
        if bidding_open(item.task)  # type: ignore[arg-type]
    ]
    eligible = await eligible_vendor_ids({i.vendor_id for i in items})
    items = [i for i in items if i.vendor_id in eligible]
    if not items:
        return False
    try:
        async with transaction():
            digest = await AlertDigest.create(user_id=user.id, period=period, items=len(items))
            digest.message_id = await send(
                settings,
                user,
                pref.language,
                "alerts/digest",
                f"alerts-digest:{user.id}:{period}",
                items=items,
                weekly=frequency == Frequency.WEEKLY,
            )
            await digest.save(update_fields=["message_id"])
            await AlertItem.filter(id__in=[i.id for i in items]).update(
                delivered_at=clock.now(), digest_id=digest.id
            )
    except IntegrityError:
        return False  # another run sent this period's digest
    return True


# --- deadline reminders -------------------------------------------------------------------


def reminder_due(task: Task, now: dt.datetime, hours: Sequence[int]) -> int | None:
    """The nearest reminder mark (hours before the bid deadline) that has been reached."""
    left = task.bid_deadline - now
    if left <= dt.timedelta(0):
        return None
    reached = [h for h in hours if left <= dt.timedelta(hours=h)]
    return min(reached) if reached else None


async def send_deadline_reminders(settings: Settings) -> int:
    """Remind invited vendors without a submitted bid, 3 days and 24 hours before the bid
    deadline (ALERT_REMINDER_HOURS); one mail per user, task and mark."""
    now = clock.now()
    hours = settings.alert_reminder_hours
    horizon = now + dt.timedelta(hours=max(hours, default=0))
    tasks = await Task.filter(
        status=TaskStatus.PUBLISHED, bid_deadline__gt=now, bid_deadline__lte=horizon
    )
    sent = 0
    for task in tasks:
        mark = reminder_due(task, now, hours)
        if mark is None:
            continue
        rows = await Invitation.filter(task_id=task.id).values_list("vendor_id", flat=True)
        invited = {int(v) for v in rows}  # type: ignore[call-overload]
        bids = {b.vendor_id: b for b in await Bid.filter(task_id=task.id, vendor_id__in=invited)}
        waiting = {v for v in invited if v not in bids or bids[v].status != "submitted"}
        eligible = await eligible_vendor_ids(waiting)
        users_by_vendor = await _vendor_users(eligible)
        prefs = await _preferences(u for users in users_by_vendor.values() for u in users)
        for vendor_id, users in users_by_vendor.items():
            for user in users:
                if not prefs[user.id].reminders:
                    continue
                await send(
                    settings,
                    user,
                    prefs[user.id].language,
                    "alerts/reminder",
                    f"deadline-reminder:{task.id}:{vendor_id}:{user.id}:{mark}",
                    kind="reminders",
                    task=task,
                    hours=mark,
                    bid=bids.get(vendor_id),
                )
                sent += 1
    return sent


# --- the coordinators' daily digest ------------------------------------------------------------


@dataclass
class CoordinatorNews:
    questions: list[Question]
    waiting: list[Task]

    def __bool__(self) -> bool:
        return bool(self.questions or self.waiting)


async def coordinator_news(user: User) -> CoordinatorNews:
    """Questions waiting for an answer and tasks past their deadline waiting for evaluation,
    on the solutions this user coordinates."""
    solution_ids = list(
        await Solution.filter(coordinators__id=user.id).values_list("id", flat=True)
    )
    if not solution_ids:
        return CoordinatorNews([], [])
    now = clock.now()
    answered = await Answer.all().values_list("question_id", flat=True)
    questions = list(
        await Question.filter(
            task__solution_id__in=solution_ids,
            task__status=TaskStatus.PUBLISHED,
            task__bid_deadline__gt=now,
        )
        .exclude(id__in=list(answered) or [0])
        .select_related("task")
    )
    waiting = list(
        await Task.filter(
            solution_id__in=solution_ids,
            status__in=[TaskStatus.PUBLISHED, TaskStatus.CLOSED],
            bid_deadline__lte=now,
        ).order_by("bid_deadline")
    )
    return CoordinatorNews(questions, waiting)


async def send_coordinator_digests(settings: Settings) -> int:
    """Each coordinator's daily digest, once a day, when there is something to do."""
    sent = 0
    coordinators = [
        u
        for u in await User.filter(is_active=True, coordinated_solutions__id__isnull=False)
        .distinct()
        .order_by("id")
        if u.has_role("coordinator")
    ]
    prefs = await _preferences(coordinators)
    for user in coordinators:
        pref = prefs[user.id]
        if pref.frequency == Frequency.OFF:
            continue
        period, _cutoff = digest_period(Frequency.DAILY, clock.now(), settings.alert_digest_hour)
        period = f"coordinator:{period}"
        if await AlertDigest.exists(user_id=user.id, period=period):
            continue
        news = await coordinator_news(user)
        if not news:
            continue
        try:
            async with transaction():
                digest = await AlertDigest.create(
                    user_id=user.id, period=period, items=len(news.questions) + len(news.waiting)
                )
                digest.message_id = await send(
                    settings,
                    user,
                    pref.language,
                    "alerts/coordinator_digest",
                    f"coordinator-digest:{user.id}:{period}",
                    news=news,
                )
                await digest.save(update_fields=["message_id"])
            sent += 1
        except IntegrityError:
            continue
    return sent
