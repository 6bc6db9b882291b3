"""The matching index of this process: loaded from the database, kept current by version.

Each worker process keeps one fitted `matching.Index` in memory (`_cache`, keyed by the model
version of the settings it was fitted with). The database holds what any worker needs to
reload it: the vendor rows themselves and `IndexVersion`, the change log of the index. A vendor
change adds a version row; before ranking, a worker compares the version it loaded with the
latest and upserts the vendors changed since (or refits when the settings, the taxonomy or a
bulk change call for it). No fitted matrices are stored: refitting from the rows is fast and
can never go stale.

scikit-learn is imported here only inside functions, and all fitting and ranking runs in a
thread (`asyncio.to_thread`), so the event loop is never blocked by a ranking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.functions import Max

from market import clock
from market.competencies.services import parent_map
from market.conduct.models import VendorStanding
from market.conduct.standing import current
from market.conduct.states import eligibility_many
from market.db import after_commit
from market.shortlists.models import ExposureLedger, IndexSnapshot, IndexVersion, ShortlistEntry
from market.shortlists.profiles import vendor_profiles
from market.vendors.models import SME_CLASSES, Vendor, size_class_for
from matching.types import DEFAULT_SETTINGS

if TYPE_CHECKING:
    from matching import Index, Match, Settings, TaskProfile, VendorProfile

log = logging.getLogger(__name__)

BULK_REFIT = 2000  # more changed vendors than this since the loaded version: refit instead
SNAPSHOT_JOB = "index:snapshot"
SNAPSHOT_LAG = 500  # versions the stored snapshot may fall behind before a newer one is stored
LOAD_SNAPSHOTS = True  # False: always fit from the rows (scripts/scale_bench.py times both)
RANK_ALL_UP_TO = 1000  # pools up to this size are stored whole (ineligible vendors included)
TOP = 200  # larger pools: the first places only


@dataclass
class Loaded:
    index: Index
    version: int  # the IndexVersion id the index includes
    model_version: str  # `fit_key` of the settings it was fitted with
    taxonomy_key: str
    # Per vendor, the stored standing the index's eligibility was last judged from.
    judged: dict[int, tuple[Any, ...]] = dataclasses.field(default_factory=dict)


_cache: dict[str, Loaded] = {}
_lock: asyncio.Lock | None = None


def _the_lock() -> asyncio.Lock:
    global _lock
    if _lock is None:
        _lock = asyncio.Lock()
    return _lock


def forget() -> None:
    """Drop the loaded index (tests; a settings change does this by its new model version)."""
    _cache.clear()


async def latest_version() -> int:
    row = await IndexVersion.annotate(top=Max("id")).first().values("top")
    return int(row["top"] or 0) if row else 0


async def bump(vendor_id: int | None, reason: str) -> int:
    """Record that the index must take in a change (a vendor's, or everything when None)."""
    row = await IndexVersion.create(vendor_id=vendor_id, reason=reason[:40])
    return row.id


def _taxonomy_key(parents: dict[str, str]) -> str:
    payload = json.dumps(sorted(parents.items())).encode()
    return hashlib.sha256(payload).hexdigest()[:16]


def fit_key(settings: Settings) -> str:
    """What a fitted index depends on: every setting but the weights and the two fairness
    settings, which only weigh the features at ranking time (a weights change needs no refit)."""
    return dataclasses.replace(
        settings,
        weights=DEFAULT_SETTINGS.weights,
        fairness_strength=DEFAULT_SETTINGS.fairness_strength,
        fair_share=DEFAULT_SETTINGS.fair_share,
    ).model_version


async def _fit(settings: Settings, parents: dict[str, str], version: int) -> Loaded:
    from matching import Index  # noqa: PLC0415 - numpy only where ranking runs

    at = clock.now()
    # Read before the profiles: a standing that changes meanwhile differs and is judged again.
    stored = await _stored_standings(at)
    profiles = await vendor_profiles(None, at)
    index = await asyncio.to_thread(Index.fit, profiles, parents, settings)
    log.info("matching index fitted: %d vendors, version %d", len(index), version)
    # The profiles' eligibility was judged in full just now: the ranking need not judge it again.
    return Loaded(index, version, fit_key(settings), _taxonomy_key(parents), dict(stored or {}))


async def _catch_up(loaded: Loaded, latest: int) -> Loaded | None:
    """Upsert the vendors changed since the loaded version; None when a refit is due."""
    changed = await IndexVersion.filter(id__gt=loaded.version, id__lte=latest).values_list(
        "vendor_id", flat=True
    )
    if any(v is None for v in changed) or len(set(changed)) > BULK_REFIT:
        return None
    ids = sorted({int(v) for v in changed if v is not None})  # type: ignore[call-overload]
    at = clock.now()
    stored = await _stored_standings(at)
    profiles = await vendor_profiles(ids, at)
    found = {p.id for p in profiles}

    def apply() -> None:
        loaded.index.remove_many(i for i in ids if i not in found)
        loaded.index.upsert_many(profiles)

    await asyncio.to_thread(apply)
    if stored is not None:  # judged in full just now
        loaded.judged.update({i: stored[i] for i in found if i in stored})
    loaded.version = latest
    return loaded


async def current_index(settings: Settings) -> Loaded:
    """This process's index for `settings`, brought up to the latest version."""
    parents = await parent_map()
    latest = await latest_version()
    loaded = _cache.get(fit_key(settings))
    if loaded is not None and (
        loaded.taxonomy_key != _taxonomy_key(parents) or loaded.version > latest
    ):
        loaded = None  # another taxonomy, or a database that is not the one loaded from
    if loaded is not None and loaded.version < latest:
        loaded = await _catch_up(loaded, latest)
    if loaded is None:
        if LOAD_SNAPSHOTS:
            loaded = await _load_snapshot(fit_key(settings), _taxonomy_key(parents), latest)
        if loaded is not None and loaded.version < latest:
            loaded = await _catch_up(loaded, latest)
        if loaded is None:
            loaded = await _fit(settings, parents, latest)
        _cache.clear()
        _cache[loaded.model_version] = loaded
        await after_commit("store_index_snapshot", job_id=SNAPSHOT_JOB)
    loaded.index.settings = settings  # this ranking's weights and fairness settings
    return loaded


async def _load_snapshot(key: str, taxonomy_key: str, latest: int) -> Loaded | None:
    """The stored snapshot fitted with these settings and this taxonomy, if any."""
    from matching import Index  # noqa: PLC0415 - numpy only where ranking runs

    row = (
        await IndexSnapshot.filter(fit_key=key, taxonomy_key=taxonomy_key, version__lte=latest)
        .order_by("-version", "-id")
        .first()
    )
    if row is None:
        return None
    data = bytes(row.data)
    try:
        index = await asyncio.to_thread(lambda: Index.from_bytes(zlib.decompress(data)))
    except Exception:  # a cache that cannot be read (e.g. an older format) is refitted
        log.warning("matching index snapshot %d unreadable: refitting", row.id, exc_info=True)
        # and dropped, so that the refitted index is stored in its place: left, it would look
        # current to `store_snapshot` and every fresh worker would refit until the vendors
        # changed enough.
        await IndexSnapshot.filter(id=row.id).delete()
        return None
    if fit_key(index.settings) != key:
        return None
    log.info("matching index loaded: %d vendors, version %d", len(index), row.version)
    judged = {
        int(vendor_id): (state, eligible, dt.datetime.fromisoformat(at), suspended)
        for vendor_id, state, eligible, at, suspended in row.judged or []
    }
    return Loaded(index, row.version, key, taxonomy_key, judged)


async def store_snapshot(*, lag: int = SNAPSHOT_LAG) -> str:
    """Store this process's index when no snapshot of its settings and taxonomy is stored, or
    the stored one is more than `lag` versions older (older snapshots are deleted)."""
    if not _cache:
        return "no index loaded"
    async with _the_lock():
        loaded = next(iter(_cache.values()))
        same = IndexSnapshot.filter(fit_key=loaded.model_version, taxonomy_key=loaded.taxonomy_key)
        newest = await same.order_by("-version").first().values_list("version", "vendors")
        # Current: recent enough, and of as many vendors (rows written around the change log,
        # such as `market demo --vendors N`'s bulk inserts, add no version but are taken in
        # at each ranking: a snapshot without them would be caught up at every start).
        if (
            newest is not None
            and int(newest[0]) + lag >= loaded.version
            and int(newest[1]) == len(loaded.index)
        ):
            return "snapshot current"
        data = await asyncio.to_thread(lambda: zlib.compress(loaded.index.to_bytes(), 1))
        version, vendors = loaded.version, len(loaded.index)
        judged = [
            [vendor_id, state, eligible, at.isoformat(), suspended]
            for vendor_id, (state, eligible, at, suspended) in loaded.judged.items()
        ]
    row = await IndexSnapshot.create(
        fit_key=loaded.model_version,
        taxonomy_key=loaded.taxonomy_key,
        version=version,
        vendors=vendors,
        data=data,
        judged=judged,
    )
    await IndexSnapshot.exclude(id=row.id).delete()
    return f"stored version {version}: {vendors} vendors, {len(data)} bytes"


async def _judge_at(loaded: Loaded, at: dt.datetime) -> None:
    """Take new vendors in and set each vendor's Code-of-Conduct eligibility as of `at`.

    Eligibility depends on the moment (a task's publication), so it is checked for every
    ranking and changed in place (`Index.set_eligibility`: the index keeps no profile to
    upsert again, and a changed standing needs no new one). Ranking now
    (the app's case), the stored standing says whose state changed since the index last
    looked, and only those are judged in full (for their reasons)."""
    index = loaded.index
    all_ids = [int(i) for i in await Vendor.all().values_list("id", flat=True)]  # type: ignore[call-overload]
    known = set(index.vendor_ids.tolist())
    missing = [i for i in all_ids if i not in known]
    gone = sorted(known - set(all_ids))
    fresh = await vendor_profiles(missing, at) if missing else []
    stored = await _stored_standings(at)
    if stored is None:  # another moment: judge everyone
        loaded.judged.clear()
        to_judge = all_ids
    else:
        to_judge = [i for i in all_ids if loaded.judged.get(i) != stored.get(i)]
    standing = await eligibility_many(to_judge, at) if to_judge else {}
    if stored is not None:
        loaded.judged.update({i: stored[i] for i in to_judge if i in stored})
    verdicts = {
        vendor_id: (verdict.eligible, () if verdict.eligible else tuple(verdict.reason_codes))
        for vendor_id, verdict in standing.items()
        if vendor_id in known  # new vendors come in with their profiles, judged at `at`
    }
    if fresh or gone or verdicts:

        def apply() -> None:
            index.remove_many(gone)
            index.upsert_many(fresh)
            # In place: the index keeps no profile to re-upsert, and needs none for this.
            for vendor_id, (eligible, reasons) in verdicts.items():
                index.set_eligibility(vendor_id, eligible, reasons)

        await asyncio.to_thread(apply)


async def _stored_standings(at: dt.datetime) -> dict[int, tuple[Any, ...]] | None:
    """Each vendor's stored standing (state, eligible, when computed, suspended) when `at` is
    now; None for another moment, which the stored rows do not describe."""
    if abs((at - clock.now()).total_seconds()) > 60:
        return None
    await current(at)
    suspended = {
        int(i)  # type: ignore[call-overload]
        for i in await Vendor.filter(suspended_at__isnull=False).values_list("id", flat=True)
    }
    rows = await VendorStanding.all().values_list("vendor_id", "state", "eligible", "computed_at")
    return {int(v): (s, e, c, int(v) in suspended) for v, s, e, c in rows}


async def exposure(task_id: int | str | None = None) -> Any:
    """The persisted exposure as a `matching.ExposureLedger`, with the SME place counts of the
    first ten eligible places of every other task's current shortlist (for the fair share)."""
    from matching.fairness import ExposureLedger as Ledger  # noqa: PLC0415 - numpy only where ranking runs

    rows = await ExposureLedger.all().values_list("vendor_id", "exposure")
    places = ShortlistEntry.filter(rank__lte=10, eligible=True)
    if isinstance(task_id, int):
        places = places.exclude(shortlist__task_id=task_id)
    employees = await places.values_list("vendor__employees", flat=True)
    sme = sum(size_class_for(int(e)) in SME_CLASSES for e in employees)  # type: ignore[call-overload]
    return Ledger({int(v): float(e) for v, e in rows}, len(employees), sme)


async def rank(task: TaskProfile, settings: Settings, at: dt.datetime) -> tuple[list[Match], int]:
    """Every vendor (or the first places of a large pool) for `task`, and the index version.

    One ranking at a time per process: the index is shared and updated in place."""
    async with _the_lock():
        loaded = await current_index(settings)
        await _judge_at(loaded, at)
        ledger = await exposure(task.id)
        top = None if len(loaded.index) <= RANK_ALL_UP_TO else TOP
        today = clock.to_local(at).date()
        matches = await asyncio.to_thread(loaded.index.rank, task, top, ledger, today)
        return matches, loaded.version


async def score_rows(
    tasks: list[tuple[TaskProfile, dt.datetime, list[int]]], settings: Settings
) -> list[tuple[list[int], list[list[float]]]]:
    """Feature rows of the given vendors for each task (for learning from award history).

    Each task's vendors are scored as they stood just before it was awarded: a private copy
    of the index takes in their profiles as of that moment (`history_before`), task by task,
    so a later award, delivery or rating never leaks into an earlier award's features. The
    shared index is not touched."""
    from matching import Index  # noqa: PLC0415 - numpy only where ranking runs

    async with _the_lock():
        loaded = await current_index(settings)
        data = await asyncio.to_thread(loaded.index.to_bytes)
    index = await asyncio.to_thread(Index.from_bytes, data)
    found: list[tuple[list[int], list[list[float]]]] = []
    for task, at, vendor_ids in tasks:
        then = await vendor_profiles(vendor_ids, at, history_before=at)

        def compute(
            task: TaskProfile = task, then: list[VendorProfile] = then
        ) -> tuple[list[int], list[list[float]]]:
            for profile in then:
                index.upsert(profile)
            table = index.score(task)
            position = {int(v): n for n, v in enumerate(index.vendor_ids)}
            rows = [p.id for p in then if p.id in position]
            return rows, [table.features[position[i]].tolist() for i in rows]

        found.append(await asyncio.to_thread(compute))
    return found
