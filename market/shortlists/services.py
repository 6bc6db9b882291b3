"""Shortlists: computing and storing rankings, reading them, inviting from them, the exposure
ledger and the matching settings. Every write and rule of the matching domain lives here.

The web process only reads stored rows and enqueues jobs; `compute_shortlist` runs in a job
(it imports the engine, and so scikit-learn, lazily).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from market import clock
from market.accounts.models import User
from market.alerts.models import AlertItem
from market.audit.services import record
from market.competencies.services import competencies_by_code, label
from market.contributions import services as contributions
from market.db import after_commit, transaction
from market.errors import NotCoordinator, ValidationFailed
from market.i18n import DEFAULT_LANGUAGE, render_message, set_language
from market.i18n import gettext as _
from market.shortlists import engine
from market.shortlists.models import (
    ExposureLedger,
    MatchingSettings,
    Shortlist,
    ShortlistEntry,
    ShortlistStatus,
)
from market.shortlists.profiles import task_profile
from market.solutions import services as solutions
from market.tasks import services as tasks
from market.tasks.models import Invitation, Task, TaskStatus
from market.tasks.rules import bidding_open
from matching.types import DEFAULT_SETTINGS, DEFAULT_WEIGHTS, FEATURES, Settings, Weights

SETTINGS_ID = 1
EXPOSURE_DEPTH = 10  # places of a shortlist that count as shown
INVITATION_EXPOSURE = 1.0
ALERT_EXPOSURE = 0.5  # per task a vendor's users were alerted to
WEIGHT_LIMIT = 5.0
SHORTLIST_JOB = "shortlist:{}"
REFRESH_JOB = "shortlists:refresh"  # the one job that ranks stale shortlists in a batch
REFRESH_BATCH = 20  # shortlists one refresh job ranks; the minute sweep queues the next batch


def position_exposure(rank: int) -> float:
    """1/log2(1 + rank), as in matching.fairness (not imported: it pulls in numpy)."""
    return 1.0 / math.log2(1.0 + rank)


# --- settings --------------------------------------------------------------------------------


async def settings_row() -> MatchingSettings:
    """The one settings row, created with the defaults on first use."""
    row = await MatchingSettings.get_or_none(id=SETTINGS_ID)
    if row is not None:
        return row
    defaults = engine_settings_of(None)
    try:
        async with transaction():
            return await MatchingSettings.create(
                id=SETTINGS_ID,
                weights=_weights_dict(defaults.weights),
                fairness_strength=defaults.fairness_strength,
                fair_share=defaults.fair_share,
                model_version=defaults.model_version,
            )
    except IntegrityError:
        return await MatchingSettings.get(id=SETTINGS_ID)


def _weights_dict(weights: Weights) -> dict[str, float]:
    return {name: float(getattr(weights, name)) for name in FEATURES}


def engine_settings_of(row: MatchingSettings | None) -> Settings:
    """The engine settings a settings row stands for (the defaults for None)."""
    if row is None:
        return DEFAULT_SETTINGS
    known = {k: v for k, v in (row.weights or {}).items() if k in FEATURES}
    return dataclasses.replace(
        DEFAULT_SETTINGS,
        weights=Weights.from_mapping(known),
        fairness_strength=row.fairness_strength,
        fair_share=row.fair_share,
    )


async def engine_settings() -> Settings:
    return engine_settings_of(await settings_row())


def settings_snapshot(settings: Settings) -> dict[str, Any]:
    return {
        "weights": _weights_dict(settings.weights),
        "fairness_strength": settings.fairness_strength,
        "fair_share": settings.fair_share,
        "model_version": settings.model_version,
    }


def _read_number(raw: Any, low: float, high: float) -> tuple[float | None, str]:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None, _("Write a number, e.g. 0.25.")
    if not math.isfinite(value) or not low <= value <= high:
        return None, _("Write a number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return value, ""


def read_settings(values: dict[str, Any]) -> tuple[dict[str, float], dict[str, float]]:
    """Weights and the two fairness settings (`fairness_strength`, `fair_share`) from a form
    or JSON body; 422 naming each bad field."""
    errors: dict[str, str] = {}
    weights: dict[str, float] = {}
    for name in FEATURES:
        value, problem = _read_number(values.get(name), -WEIGHT_LIMIT, WEIGHT_LIMIT)
        if problem:
            errors[name] = problem
        elif value is not None:
            weights[name] = value
    fairness: dict[str, float] = {}
    for name in ("fairness_strength", "fair_share"):
        value, problem = _read_number(values.get(name), 0.0, 1.0)
        if problem:
            errors[name] = problem
        elif value is not None:
            fairness[name] = value
    if errors:
        raise ValidationFailed(_("Check the weights."), errors)
    return weights, fairness


async def update_settings(
    weights: dict[str, float],
    fairness: dict[str, float],
    *,
    actor: User,
    source: str = "manual",
    address: str = "",
) -> MatchingSettings:
    """Change the weights and the fairness settings (audited); open shortlists are then
    computed again. `fairness` may hold `fairness_strength` and `fair_share`."""
    await settings_row()
    async with transaction():
        row = await MatchingSettings.filter(id=SETTINGS_ID).select_for_update().get()
        before = settings_snapshot(engine_settings_of(row))
        row.weights = {name: float(weights.get(name, 0.0)) for name in FEATURES}
        row.fairness_strength = fairness.get("fairness_strength", row.fairness_strength)
        row.fair_share = fairness.get("fair_share", row.fair_share)
        after_settings = engine_settings_of(row)
        row.model_version = after_settings.model_version
        row.source = source
        row.updated_by_id = actor.id
        row.updated_at = clock.now()
        await row.save()
        after = settings_snapshot(after_settings)
        if before != after:
            await record(
                "matching.settings_changed",
                actor=actor,
                object_type="matching_settings",
                object_id=SETTINGS_ID,
                before=before,
                after={**after, "source": source},
                address=address,
            )
            await mark_stale()  # no refit: the index is fitted without the weights
    return row


async def reset_settings(*, actor: User, address: str = "") -> MatchingSettings:
    return await update_settings(
        _weights_dict(DEFAULT_WEIGHTS),
        {
            "fairness_strength": DEFAULT_SETTINGS.fairness_strength,
            "fair_share": DEFAULT_SETTINGS.fair_share,
        },
        actor=actor,
        source="default",
        address=address,
    )


# --- computing a shortlist (in a job) ---------------------------------------------------------


def _open_tasks() -> QuerySet[Task]:
    return Task.filter(status=TaskStatus.PUBLISHED, bid_deadline__gt=clock.now())


async def open_task_ids() -> list[int]:
    """Published tasks still open for bids: their shortlists follow vendor changes."""
    return [int(i) for i in await _open_tasks().values_list("id", flat=True)]  # type: ignore[call-overload]


async def mark_stale(
    task_ids: Iterable[int] | None = None, statuses: Iterable[str] | None = None
) -> int:
    """Mark the stored shortlists of open tasks (these tasks', or every open task's; in these
    statuses, or any) out of date in one UPDATE and queue the one refresh job when any were:
    never a job per task. Returns how many were marked."""
    query = Shortlist.filter(stale=False, task_id__in=Subquery(_open_tasks().values("id")))
    if task_ids is not None:
        query = query.filter(task_id__in=sorted({int(i) for i in task_ids}))
    if statuses is not None:
        query = query.filter(status__in=list(statuses))
    marked = int(await query.update(stale=True))
    if marked:
        await after_commit("refresh_shortlists", job_id=REFRESH_JOB)
    return marked


async def resume_waiting() -> int:
    """For a worker that starts: the open tasks' shortlists still queued or running are marked
    out of date and the one refresh job is queued, so they are ranked now rather than once
    their lease (a job's timeout) has run out. Their job may never have reached a queue (queued
    while Redis was down) or died with the worker before it; one still running elsewhere is at
    worst ranked once more. Returns how many were marked."""
    return await mark_stale(statuses=(ShortlistStatus.QUEUED, ShortlistStatus.RUNNING))


async def _mark(task_id: int, status: str, **values: Any) -> Shortlist:
    try:
        async with transaction():
            row = await Shortlist.create(task_id=task_id, status=status, **values)
            return row
    except IntegrityError:
        await Shortlist.filter(task_id=task_id).update(status=status, **values)
        return await Shortlist.get(task_id=task_id)


async def compute_shortlist(task_id: int) -> str:
    """Rank every vendor for a published task and store the ranking (idempotent: a second run
    replaces the first, and each run keeps the model version and the settings it used)."""
    set_language(DEFAULT_LANGUAGE)  # reasons are stored in the binding language
    task = await Task.get_or_none(id=task_id)
    if task is None or task.published_at is None:
        return "not published"
    # Not stale from here on: a change made while this runs marks it stale again.
    await _mark(task_id, ShortlistStatus.RUNNING, error="", stale=False)
    try:
        settings = await engine_settings()
        profile = await task_profile(task)
        # Eligibility as of now: a vendor approved after publication is ranked, one
        # suspended since is excluded.
        matches, index_version = await engine.rank(profile, settings, clock.now())
    except Exception as exc:
        await _mark(task_id, ShortlistStatus.FAILED, error=str(exc)[:500])
        raise
    async with transaction():
        shortlist = await Shortlist.filter(task_id=task_id).select_for_update().get()
        old_top = await ShortlistEntry.filter(
            shortlist_id=shortlist.id, rank__lte=EXPOSURE_DEPTH
        ).values_list("vendor_id", flat=True)
        await ShortlistEntry.filter(shortlist_id=shortlist.id).delete()
        await ShortlistEntry.bulk_create([_entry(shortlist.id, m) for m in matches])
        shortlist.status = ShortlistStatus.READY
        shortlist.computed_at = clock.now()
        shortlist.model_version = settings.model_version
        shortlist.index_version = index_version
        shortlist.settings = settings_snapshot(settings)
        shortlist.vendors_ranked = len(matches)
        shortlist.runs += 1
        await shortlist.save()
        touched = {int(v) for v in old_top} | {m.vendor_id for m in matches[:EXPOSURE_DEPTH]}  # type: ignore[call-overload]
        await refresh_exposure(touched)
        # The vendors it fits hear of the task (once per version of it: idempotent).
        await after_commit("queue_task_alerts", task_id)
    return f"{len(matches)} vendors ranked"


def _entry(shortlist_id: int, match: Any) -> ShortlistEntry:
    return ShortlistEntry(
        shortlist_id=shortlist_id,
        vendor_id=match.vendor_id,
        rank=match.rank,
        score=float(match.score),
        eligible=bool(match.eligible),
        reasons=list(match.reasons),
        notes=list(match.notes),
        contributions={k: float(v) for k, v in match.contributions.items()},
        matched_codes=[list(m) for m in match.matched_codes],
        top_terms=list(match.top_terms),
    )


async def request_recompute(task_id: int, user: User) -> None:
    """Queue a fresh ranking of a task (its coordinators and the secretariat)."""
    task = await staff_task(task_id, user)
    if task.published_at is None:
        raise ValidationFailed(_("A shortlist is computed once the task is published."))
    await _mark(task.id, ShortlistStatus.QUEUED)
    await after_commit("compute_shortlist", task.id, job_id=SHORTLIST_JOB.format(task.id))


async def vendor_changed(vendor_id: int) -> int:
    """After a vendor's profile changed: a new index version, and the open shortlists marked
    stale (one UPDATE; any of them may change, the vendor's scores and the text weights alike)
    for the batched refresh, not one job per open task."""
    version = await engine.bump(vendor_id, "vendor profile")
    await mark_stale()
    return version


async def conduct_changed(vendor_id: int, changed_at: str) -> int:
    """After a vendor's Code-of-Conduct standing changed (signed, countersigned, rejected,
    revoked, suspended, reinstated) at `changed_at` (ISO time): fresh shortlists of the open
    tasks it is on that were computed before the change (idempotent)."""
    listed = await ShortlistEntry.filter(
        vendor_id=vendor_id, shortlist__computed_at__lt=dt.datetime.fromisoformat(changed_at)
    ).values_list("shortlist__task_id", flat=True)
    return await mark_stale(int(i) for i in listed)  # type: ignore[call-overload]


async def stale_shortlist_task_ids(lease_seconds: int, limit: int | None = None) -> list[int]:
    """Open tasks whose shortlist is due: never computed (its job was lost, e.g. while Redis
    was down), marked stale, or queued or running for longer than a job may take. Those
    without one first, then the longest out of date. (A closed task's shortlist is computed
    when someone reads it.)"""
    expired = clock.now() - dt.timedelta(seconds=lease_seconds)
    open_ids = Subquery(_open_tasks().values("id"))
    has_one = Shortlist.filter(task_id__in=open_ids).values("task_id")
    missing = _open_tasks().exclude(id__in=Subquery(has_one)).order_by("id")
    ids = [int(i) for i in await missing.limit(limit or 10**9).values_list("id", flat=True)]  # type: ignore[call-overload]
    if limit is not None and len(ids) >= limit:
        return ids
    waiting = Q(
        status__in=[ShortlistStatus.QUEUED, ShortlistStatus.RUNNING], updated_at__lt=expired
    )
    due = (
        Shortlist.filter(Q(stale=True) | waiting, task_id__in=open_ids)
        .order_by("computed_at", "id")
        .limit((limit - len(ids)) if limit is not None else 10**9)
    )
    return ids + [int(i) for i in await due.values_list("task_id", flat=True)]  # type: ignore[call-overload]


async def sweep_shortlists(lease_seconds: int) -> int:
    """Queue the refresh job when shortlists are due (one job, whatever their number)."""
    due = await stale_shortlist_task_ids(lease_seconds, limit=1)
    if due:
        await after_commit("refresh_shortlists", job_id=REFRESH_JOB)
    return len(due)


async def refresh_shortlists(lease_seconds: int, limit: int = REFRESH_BATCH) -> int:
    """Rank the due shortlists (`stale_shortlist_task_ids`), up to `limit` of them in this one
    job with one warm index; the minute sweep queues the job again while any are left."""
    ids = await stale_shortlist_task_ids(lease_seconds, limit)
    for task_id in ids:
        await compute_shortlist(task_id)
    return len(ids)


async def recompute_open_shortlists() -> int:
    """Every open shortlist is out of date (the weights or the Code of Conduct changed)."""
    return await mark_stale()


async def refresh_on_read(task: Task, shortlist: Shortlist | None) -> Shortlist | None:
    """A stale shortlist, or a published task's missing one, is queued for a ranking of its
    own when someone reads it (status `queued`: the page polls until it is done)."""
    if task.published_at is None:
        return shortlist
    due = shortlist is None or (
        shortlist.stale
        and shortlist.status not in (ShortlistStatus.QUEUED, ShortlistStatus.RUNNING)
    )
    if not due:
        return shortlist
    marked = await _mark(task.id, ShortlistStatus.QUEUED)
    await after_commit("compute_shortlist", task.id, job_id=SHORTLIST_JOB.format(task.id))
    return marked


# --- the exposure ledger ----------------------------------------------------------------------


async def refresh_exposure(vendor_ids: Iterable[int]) -> None:
    """Rebuild the ledger of these vendors from the current shortlists, the invitations and the
    alerts (rebuilt, not added to, so a recomputed shortlist or a repeated job never counts
    twice)."""
    ids = sorted({int(v) for v in vendor_ids})
    if not ids:
        return
    places: dict[int, list[int]] = defaultdict(list)
    for vendor_id, rank in await ShortlistEntry.filter(
        vendor_id__in=ids, rank__lte=EXPOSURE_DEPTH, eligible=True
    ).values_list("vendor_id", "rank"):
        places[int(vendor_id)].append(int(rank))
    invited: dict[int, int] = defaultdict(int)
    for vendor_id in await Invitation.filter(vendor_id__in=ids).values_list("vendor_id", flat=True):
        invited[int(vendor_id)] += 1  # type: ignore[call-overload]
    alerted: dict[int, set[int]] = defaultdict(set)
    for vendor_id, task_id in await AlertItem.filter(vendor_id__in=ids).values_list(
        "vendor_id", "task_id"
    ):
        alerted[int(vendor_id)].add(int(task_id))
    existing = {e.vendor_id: e for e in await ExposureLedger.filter(vendor_id__in=ids)}
    for vendor_id in ids:
        value = sum(position_exposure(r) for r in places[vendor_id])
        value += INVITATION_EXPOSURE * invited[vendor_id]
        value += ALERT_EXPOSURE * len(alerted[vendor_id])
        fields: dict[str, Any] = {
            "exposure": value,
            "shortlist_places": len(places[vendor_id]),
            "invitations": invited[vendor_id],
            "alerts": len(alerted[vendor_id]),
        }
        if vendor_id in existing:
            await ExposureLedger.filter(vendor_id=vendor_id).update(**fields)
            continue
        try:
            async with transaction():
                await ExposureLedger.create(vendor_id=vendor_id, **fields)
        except IntegrityError:
            await ExposureLedger.filter(vendor_id=vendor_id).update(**fields)


# --- reading ----------------------------------------------------------------------------------


async def staff_task(task_id: int, user: Any) -> Task:
    """The task, for its coordinators and the secretariat: 404 if unknown, 403 otherwise."""
    task = await tasks.visible_task(task_id, user)
    if user is not None and user.has_role("secretariat"):
        return task
    if await solutions.is_coordinator(user, task.solution_id):
        return task
    raise NotCoordinator(
        _("Only the coordinators of this task's solution and the secretariat see its shortlist.")
    )


async def may_invite(task: Task, user: Any) -> bool:
    """The task's coordinators may invite while bidding is open."""
    return bidding_open(task) and await solutions.is_coordinator(user, task.solution_id)


@dataclass
class ShortlistView:
    task: Task
    shortlist: Shortlist | None
    entries: list[ShortlistEntry]
    invited: set[int]

    @property
    def status(self) -> str:
        if self.shortlist is None:
            return ShortlistStatus.QUEUED if self.task.published_at else "not_published"
        return self.shortlist.status

    @property
    def ready(self) -> bool:
        return self.shortlist is not None and self.shortlist.computed_at is not None


async def shortlist_for(task_id: int, user: Any) -> ShortlistView:
    task = await staff_task(task_id, user)
    shortlist = await refresh_on_read(task, await Shortlist.get_or_none(task_id=task.id))
    entries: list[ShortlistEntry] = []
    if shortlist is not None:
        entries = list(
            await ShortlistEntry.filter(shortlist_id=shortlist.id)
            .order_by("rank")
            .select_related("vendor")
        )
    invited = await Invitation.filter(task_id=task.id).values_list("vendor_id", flat=True)
    return ShortlistView(task, shortlist, entries, {int(v) for v in invited})  # type: ignore[call-overload]


def entry_json(entry: ShortlistEntry) -> dict[str, Any]:
    vendor: Any = entry.vendor
    return {
        "rank": entry.rank,
        "vendor": {"id": vendor.id, "name": vendor.name, "size_class": vendor.size_class},
        "score": entry.score,
        "eligible": entry.eligible,
        "reasons": [render_message(r) for r in entry.reasons],
        "contributions": dict(entry.contributions),
        "matched_codes": [
            {"task_code": m[0], "vendor_code": m[1], "closeness": m[2]} for m in entry.matched_codes
        ],
        "top_terms": list(entry.top_terms),
        "notes": list(entry.notes),
    }


def shortlist_json(view: ShortlistView) -> dict[str, Any]:
    """The API answer (API.md): computed_at and model_version are null until computed."""
    shortlist = view.shortlist
    ready = view.ready and shortlist is not None
    return {
        "task_id": view.task.id,
        "status": view.status,
        "computed_at": clock.to_local(shortlist.computed_at).isoformat()
        if ready and shortlist and shortlist.computed_at
        else None,
        "model_version": shortlist.model_version if ready and shortlist else None,
        "settings": shortlist.settings if ready and shortlist else None,
        "entries": [entry_json(e) for e in view.entries] if ready else [],
    }


async def shortlist_status(task_id: int, user: Any) -> dict[str, Any]:
    """What the progress poll needs: the status and when the last ranking finished."""
    task = await staff_task(task_id, user)
    shortlist = await Shortlist.get_or_none(task_id=task.id)
    view = ShortlistView(task, shortlist, [], set())
    return {
        "status": view.status,
        "computed_at": clock.to_local(shortlist.computed_at).isoformat()
        if shortlist and shortlist.computed_at
        else None,
        "runs": shortlist.runs if shortlist else 0,
    }


# --- inviting from the shortlist --------------------------------------------------------------


async def invite_from_shortlist(
    task_id: int, vendor_ids: list[int], *, actor: User, address: str = ""
) -> list[Invitation]:
    """Invite the chosen vendors through the tasks module; invitations count as exposure."""
    if not vendor_ids:
        raise ValidationFailed(
            _("Choose at least one vendor to invite."),
            {"vendor_ids": _("Tick the vendors to invite.")},
        )
    invitations = await tasks.invite_vendors(task_id, vendor_ids, actor=actor, address=address)
    await refresh_exposure(i.vendor_id for i in invitations)
    return invitations


# --- reasons for the vendor's side (opportunities) ----------------------------------------


async def fit_reasons(vendor_id: int, task_ids: Iterable[int]) -> dict[int, list[str]]:
    """Why each task fits the vendor, in words, from the stored shortlists (matched codes,
    shared terms, place). Tasks without a stored entry for the vendor get an empty list."""
    ids = list(task_ids)
    reasons: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return reasons
    rows = await ShortlistEntry.filter(vendor_id=vendor_id, shortlist__task_id__in=ids).values(
        "shortlist__task_id", "rank", "eligible", "matched_codes", "top_terms", "reasons"
    )

    codes = {m[0] for row in rows for m in row["matched_codes"] or []}
    labels = await competencies_by_code(codes)
    for row in rows:
        found = reasons.setdefault(int(row["shortlist__task_id"]), [])
        for task_code, vendor_code, _closeness in row["matched_codes"] or []:
            name = label(labels.get(task_code), task_code)
            if task_code == vendor_code:
                found.append(_("You offer %(code)s") % {"code": name})
            else:
                found.append(
                    _("Your %(vendor)s is close to the task's %(task)s")
                    % {"vendor": vendor_code, "task": name}
                )
        if row["top_terms"]:
            found.append(
                _("Your profile shares these words with the task: %(terms)s")
                % {"terms": ", ".join(row["top_terms"][:5])}
            )
        if row["eligible"] and row["rank"] <= EXPOSURE_DEPTH:
            found.append(_("Among the ten best matches (place %(rank)d)") % {"rank": row["rank"]})
        elif not row["eligible"]:
            found.extend(render_message(r) for r in row["reasons"] or [])
    return reasons


# Contribution figures are part of a vendor's profile: a rebuild that changes them is a change
# of the vendor, as a profile save is.
contributions.on_vendor_changed(vendor_changed)
