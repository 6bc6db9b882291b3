"""No fan-out: a profile save, a weights change or the minute sweep marks shortlists stale and
queues one refresh job (never one job per open task); a stale shortlist is ranked again by
that batch job or when someone reads it, and the result is the same as a fresh ranking."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from market import jobs
from market.shortlists import engine, services
from market.shortlists.models import IndexSnapshot, Shortlist, ShortlistEntry
from market.vendors.models import Vendor
from matching import Index
from matching.types import FEATURES
from tests import factories
from tests import factories_shortlists as fs
from tests import factories_tasks as ft

LEASE = 300


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    engine.forget()
    yield
    engine.forget()


@pytest.fixture
def queued(runner: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    """The names and arguments of the jobs enqueued from now on (they still run)."""
    found: list[tuple[str, tuple[Any, ...]]] = []
    original = runner.enqueue

    async def record(name: str, *args: Any, job_id: str | None = None) -> None:
        found.append((name, args))
        await original(name, *args, job_id=job_id)

    monkeypatch.setattr(runner, "enqueue", record)
    return found


async def open_tasks(run_jobs: Any, count: int = 3) -> tuple[Any, list[Any], dict[str, Any]]:
    vendors = await fs.pool()
    user, solution = await ft.coordinator_of()
    made = [await ft.task(user, solution, publish=True) for _ in range(count)]
    await run_jobs()
    return user, made, vendors


async def left_waiting(run_jobs: Any) -> list[Any]:
    """Three open tasks with shortlists: the first left queued, the second running, the third
    ready (as a process that died would leave them)."""
    _user, made, _vendors = await open_tasks(run_jobs)
    await Shortlist.filter(task_id=made[0].id).update(status="queued")
    await Shortlist.filter(task_id=made[1].id).update(status="running")
    return made


async def all_ranked(made: list[Any]) -> None:
    for task in made:
        shortlist = await Shortlist.get(task_id=task.id)
        assert (shortlist.status, shortlist.stale) == ("ready", False), task.id
    assert await ShortlistEntry.filter(shortlist__task_id=made[0].id).count() > 0


async def runs(tasks: list[Any]) -> dict[int, int]:
    return {t.id: (await Shortlist.get(task_id=t.id)).runs for t in tasks}


async def ranking(task_id: int) -> list[tuple[int, int, bool]]:
    return [
        (e.vendor_id, e.rank, e.eligible)
        for e in await ShortlistEntry.filter(shortlist__task_id=task_id).order_by("rank")
    ]


async def test_a_profile_save_marks_the_open_shortlists_stale_and_queues_one_job(
    client, run_jobs, queued
) -> None:
    _user, made, vendors = await open_tasks(run_jobs)
    before = await runs(made)
    queued.clear()

    await services.vendor_changed(vendors["best"].id)  # what a saved profile runs

    assert [name for name, _args in queued] == ["refresh_shortlists"]
    assert await Shortlist.filter(stale=True).count() == len(made)
    await run_jobs()
    after = await runs(made)
    assert all(after[t.id] == before[t.id] + 1 for t in made)
    assert await Shortlist.filter(stale=True).count() == 0
    # The batch ranked exactly what a ranking of its own gives.
    batch = {t.id: await ranking(t.id) for t in made}
    for task in made:
        await services.compute_shortlist(task.id)
        assert await ranking(task.id) == batch[task.id]


async def test_a_standing_change_marks_only_the_shortlists_computed_before_it(
    client, run_jobs, queued
) -> None:
    _user, made, vendors = await open_tasks(run_jobs, count=2)
    first, second = made
    computed = {t.id: (await Shortlist.get(task_id=t.id)).computed_at for t in made}
    between = min(computed.values()) + (max(computed.values()) - min(computed.values())) / 2
    await Shortlist.filter(task_id=second.id).update(computed_at=between + dt.timedelta(hours=1))
    await Shortlist.filter(task_id=first.id).update(computed_at=between - dt.timedelta(hours=1))
    queued.clear()
    assert await services.conduct_changed(vendors["best"].id, between.isoformat()) == 1
    assert await Shortlist.filter(stale=True).values_list("task_id", flat=True) == [first.id]
    assert [name for name, _args in queued] == ["refresh_shortlists"]
    queued.clear()  # a change older than every shortlist marks nothing and queues nothing
    earlier = (between - dt.timedelta(days=1)).isoformat()
    assert await services.conduct_changed(vendors["best"].id, earlier) == 0
    assert queued == []


async def test_a_weights_change_marks_stale_without_a_job_per_task_or_a_refit(
    client, run_jobs, queued
) -> None:
    _user, made, _vendors = await open_tasks(run_jobs)
    fitted = engine._cache and next(iter(engine._cache.values())).index
    queued.clear()
    secretariat = await factories.user("secretariat")
    await services.update_settings({n: 0.2 for n in FEATURES}, {}, actor=secretariat)
    assert [name for name, _args in queued] == ["refresh_shortlists"]
    await run_jobs()
    for task in made:
        shortlist = await Shortlist.get(task_id=task.id)
        assert not shortlist.stale
        assert shortlist.settings["weights"]["required_codes"] == pytest.approx(0.2)
    if fitted:  # the same process ranked: its index was reused, not fitted again
        assert next(iter(engine._cache.values())).index is fitted


async def test_the_sweep_queues_one_job_however_many_are_due(client, run_jobs, queued) -> None:
    _user, made, _vendors = await open_tasks(run_jobs)
    await Shortlist.filter(task_id__in=[t.id for t in made]).delete()  # e.g. lost while down
    queued.clear()
    assert await services.sweep_shortlists(LEASE) == 1
    assert [name for name, _args in queued] == ["refresh_shortlists"]
    assert sorted(await services.stale_shortlist_task_ids(LEASE)) == sorted(t.id for t in made)
    assert len(await services.stale_shortlist_task_ids(LEASE, limit=2)) == 2
    await run_jobs()
    assert await Shortlist.filter(task_id__in=[t.id for t in made], status="ready").count() == 3
    queued.clear()
    assert await services.sweep_shortlists(LEASE) == 0 and queued == []


async def test_a_starting_worker_takes_up_shortlists_left_queued_or_running(
    client, run_jobs, queued
) -> None:
    # Queued while Redis was down (no job exists) and running on a worker that died: the lease
    # has not run out, so the sweep would leave them for minutes; a starting worker does not.
    made = await left_waiting(run_jobs)
    waiting, running, ready = made
    queued.clear()
    assert await services.sweep_shortlists(LEASE) == 0 and queued == []
    assert await services.resume_waiting() == 2
    assert [name for name, _args in queued] == ["refresh_shortlists"]
    assert sorted(await services.stale_shortlist_task_ids(LEASE)) == sorted(
        [waiting.id, running.id]
    )
    await run_jobs()
    await all_ranked(made)
    queued.clear()
    assert await services.resume_waiting() == 0 and queued == []  # nothing left waiting
    assert ready.id not in await services.stale_shortlist_task_ids(LEASE)


async def test_a_stale_shortlist_is_ranked_again_when_read(client, run_jobs, queued) -> None:
    user, made, _vendors = await open_tasks(run_jobs, count=1)
    task = made[0]
    old = await ranking(task.id)
    await Shortlist.filter(task_id=task.id).update(stale=True)
    queued.clear()
    answer = await client.get(
        f"/api/v1/tasks/{task.id}/shortlist", headers=await factories.bearer(client, user)
    )
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "queued"
    assert len(body["entries"]) == len(old)  # the last ranking is shown meanwhile
    assert [name for name, _args in queued] == ["compute_shortlist"]
    await run_jobs()
    shortlist = await Shortlist.get(task_id=task.id)
    assert shortlist.status == "ready" and not shortlist.stale
    assert await ranking(task.id) == old


async def test_a_fresh_worker_starts_from_the_stored_snapshot(
    client, run_jobs, monkeypatch
) -> None:
    _user, made, vendors = await open_tasks(run_jobs, count=1)
    # The worker that fitted the index stored it (a job of its own, after the ranking).
    assert await IndexSnapshot.all().count() == 1
    assert await engine.store_snapshot(lag=0) == "snapshot current"
    expected = await ranking(made[0].id)
    engine.forget()  # a new process

    def no_fit(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("fitted instead of loading the snapshot")

    monkeypatch.setattr(Index, "fit", no_fit)
    await services.compute_shortlist(made[0].id)
    assert await ranking(made[0].id) == expected
    # A vendor changed since the snapshot is caught up, not refitted.
    await services.vendor_changed(vendors["best"].id)
    engine.forget()
    await services.compute_shortlist(made[0].id)
    assert await ranking(made[0].id) == expected


async def test_an_unreadable_snapshot_is_replaced_by_the_refitted_index(
    client, run_jobs, monkeypatch
) -> None:
    """A snapshot left by an older release (another format) is refitted once and replaced:
    the next fresh worker loads the new one instead of refitting again."""
    _user, made, _vendors = await open_tasks(run_jobs, count=1)
    expected = await ranking(made[0].id)
    await IndexSnapshot.all().update(data=zlib.compress(b"matching-index/3 from an older release"))
    engine.forget()  # a new process after the upgrade
    await services.compute_shortlist(made[0].id)
    assert await ranking(made[0].id) == expected
    await run_jobs()  # the refitting worker stores its index
    assert await IndexSnapshot.all().count() == 1
    engine.forget()

    def no_fit(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("fitted again instead of loading the replaced snapshot")

    monkeypatch.setattr(Index, "fit", no_fit)
    await services.compute_shortlist(made[0].id)
    assert await ranking(made[0].id) == expected


async def test_a_snapshot_without_vendors_written_around_the_change_log_is_stored_again(
    client, run_jobs
) -> None:
    """Vendors written straight into the tables (as `market demo --vendors N` does in bulk)
    add no index version, but each ranking takes them in: the stored snapshot then lacks them
    and is replaced, or every fresh worker would take them in again."""
    _user, made, _vendors = await open_tasks(run_jobs, count=1)
    assert await engine.store_snapshot(lag=0) == "snapshot current"
    before = (await IndexSnapshot.get()).vendors
    await fs.vendor("Masseindsat ApS", codes={"72000000": "basic"}, text="Python og Django")
    await services.compute_shortlist(made[0].id)  # takes the new vendor in
    assert (await engine.store_snapshot(lag=0)).startswith("stored")
    snapshot = await IndexSnapshot.get()
    assert snapshot.vendors == before + 1 == await Vendor.all().count()


async def test_a_starting_app_on_the_embedded_default_takes_up_shortlists_left_queued(
    settings, runner, run_jobs
) -> None:
    # The in-process queue dies with the app: a shortlist queued or running then has no job.
    # The inline runner's clock, started with the app, queues their refresh at once.
    made = await left_waiting(run_jobs)
    inline = jobs.InlineRunner(settings, autostart=False)
    jobs.install(inline)
    try:
        clock = asyncio.create_task(jobs.run_periodic_inline(inline))
        for _ in range(500):  # until the clock has queued its jobs and waits for its next tick
            if inline._queue or clock.done():
                break
            await asyncio.sleep(0.01)
        clock.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clock
        assert [name for name, _args, _id in inline._queue] == ["refresh_shortlists"]
        await inline.drain()
    finally:
        jobs.install(runner)
    await all_ranked(made)
