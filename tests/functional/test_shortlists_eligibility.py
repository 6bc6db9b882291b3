"""Eligibility on a shortlist is as of now, and a change in a vendor's Code-of-Conduct standing
refreshes the open shortlists it is on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from market.accounts.models import User
from market.conduct import services as conduct
from market.shortlists import engine
from market.shortlists.models import Shortlist, ShortlistEntry
from market.shortlists.services import fit_reasons
from market.vendors import services as vendors
from tests import factories
from tests import factories_conduct as fc
from tests import factories_shortlists as fs
from tests import factories_tasks as ft


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    engine.forget()
    yield
    engine.forget()


async def _entry(task_id: int, vendor_id: int) -> ShortlistEntry:
    return await ShortlistEntry.get(shortlist__task_id=task_id, vendor_id=vendor_id)


async def test_a_vendor_countersigned_after_publication_joins_the_shortlist(
    client, run_jobs
) -> None:
    pool = await fs.pool()
    coordinator, solution = await ft.coordinator_of()
    task = await ft.task(coordinator, solution, publish=True)
    await run_jobs()
    late = pool["unsigned"]
    before = await _entry(task.id, late.id)
    assert not before.eligible and before.reasons
    runs = (await Shortlist.get(task_id=task.id)).runs

    admin = await User.filter(organisation_id=late.organisation_id).first()
    assert admin is not None
    await fc.signed(late, admin, await conduct.current_version())  # signed and countersigned
    await run_jobs()

    assert (await Shortlist.get(task_id=task.id)).runs > runs  # refreshed without asking
    after = await _entry(task.id, late.id)
    assert after.eligible and after.reasons == []
    reasons = (await fit_reasons(late.id, [task.id]))[task.id]
    assert not any("dfærdskodeks" in r or "Code of Conduct" in r for r in reasons), reasons
    # The coordinator's page no longer lists it among the excluded vendors.
    await factories.login(client, coordinator)
    page = await client.get(f"/tasks/{task.id}/shortlist")
    assert page.status_code == 200
    assert "er ikke underskrevet" not in page.text


async def test_a_vendor_suspended_after_publication_leaves_the_shortlist(client, run_jobs) -> None:
    pool = await fs.pool()
    coordinator, solution = await ft.coordinator_of()
    task = await ft.task(coordinator, solution, publish=True)
    await run_jobs()
    assert (await _entry(task.id, pool["best"].id)).eligible
    secretariat = await factories.user("secretariat")
    await vendors.suspend(pool["best"].id, "Dokumenteret klage", actor=secretariat)
    await run_jobs()
    entry = await _entry(task.id, pool["best"].id)
    assert not entry.eligible and "Dokumenteret klage" in " ".join(entry.reasons)
