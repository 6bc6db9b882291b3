"""`market demo --vendors N --tasks M` can be run again, and a stopped run continues where it
stopped: the market it ends with is the one a single run makes."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from tortoise.exceptions import IntegrityError

from market.accounts.models import Organisation, User
from market.competencies.models import Competency, VendorCompetency
from market.conduct.models import Signature, SignatureDecision, VendorStanding
from market.db import is_sqlite
from market.demo.scale import (
    SCALE_DOMAIN,
    TASK_PREFIX,
    IncompleteScaleData,
    load_scale,
    plan,
    scale_cvrs,
)
from market.tasks.models import Task
from market.vendors.models import Vendor
from tests import factories
from tests import factories_competencies as fcomp
from tests import factories_conduct as fc
from tests import factories_tasks as ft
from tests.commands import command_env, run_market, throwaway_databases


async def _scale_counts() -> dict[str, int]:
    vendors = Vendor.filter(email__endswith=SCALE_DOMAIN)
    return {
        "vendors": await vendors.count(),
        "organisations": await Organisation.filter(vendor__email__endswith=SCALE_DOMAIN).count(),
        "users": await User.filter(email__endswith=SCALE_DOMAIN).count(),
        "codes": await VendorCompetency.filter(vendor__email__endswith=SCALE_DOMAIN).count(),
        "signatures": await Signature.filter(vendor__email__endswith=SCALE_DOMAIN).count(),
        "decisions": await SignatureDecision.filter(
            signature__vendor__email__endswith=SCALE_DOMAIN
        ).count(),
        "standings": await VendorStanding.filter(vendor__email__endswith=SCALE_DOMAIN).count(),
        "tasks": await Task.filter(title__startswith=TASK_PREFIX).count(),
        "all organisations": await Organisation.all().count(),
    }


async def _is_the_planned_market(vendors: int) -> None:
    """Every scale vendor is the one its number plans, with its user, codes and signature."""
    codes = sorted(
        str(c) for c in await Competency.filter(retired_at=None).values_list("code", flat=True)
    )
    cvrs = scale_cvrs(vendors)
    for n, cvr in enumerate(cvrs):
        planned = plan(n, codes)
        vendor = await Vendor.get(cvr=cvr)
        assert (vendor.name, vendor.profile_text_da) == (planned.name, planned.profile)
        assert (vendor.suspended_at is not None) == planned.suspended
        stored = await VendorCompetency.filter(vendor_id=vendor.id).values_list("code", "level")
        assert sorted(stored) == sorted(planned.codes)
        assert await User.filter(organisation_id=vendor.organisation_id).count() == 1
        assert await Signature.filter(vendor_id=vendor.id).count() == (planned.roll >= 0.05)


async def _prerequisites() -> None:
    await fcomp.taxonomy()
    await fc.version_1()
    await ft.solution()


async def test_a_stopped_scale_load_continues_where_it_stopped() -> None:
    await _prerequisites()
    assert await load_scale(7, 3, batch=5) == [
        "scale: 7 vendors added (7 in all)",
        "scale: 3 tasks added (3 in all)",
    ]
    before = await _scale_counts()
    # The next run stops inside its first batch (vendors 7-11): a user it writes exists.
    blocker = await factories.user("secretariat", email=f"admin{scale_cvrs(12)[11]}{SCALE_DOMAIN}")
    with pytest.raises(IntegrityError):
        await load_scale(12, 5, batch=5)
    assert await _scale_counts() == {**before, "users": before["users"] + 1}  # none of it kept

    await blocker.delete()
    assert await load_scale(12, 5, batch=5) == [
        "scale: 5 vendors added (12 in all)",
        "scale: 2 tasks added (5 in all)",
    ]
    after = await _scale_counts()
    assert after["vendors"] == after["organisations"] == after["users"] == 12
    assert after["standings"] == 12 and after["tasks"] == 5
    assert after["all organisations"] == before["all organisations"] + 5
    await _is_the_planned_market(12)
    assert await load_scale(12, 5, batch=5) == []  # a run with nothing to add adds nothing
    assert await _scale_counts() == after


async def test_vendors_left_half_made_by_an_older_version_are_named_not_crashed_on() -> None:
    await _prerequisites()
    await load_scale(3, 0, batch=5)
    org = await factories.organisation("vendor", name="Halv 3 ApS")
    await Vendor.create(
        organisation=org, name="Halv 3 ApS", cvr="59999999", email=f"k{SCALE_DOMAIN}"
    )
    with pytest.raises(IncompleteScaleData) as stopped:
        await load_scale(10, 0, batch=5)
    assert "1 of the 4 scale vendors in this database are incomplete" in stopped.value.message
    assert "new database" in stopped.value.message
    assert await Vendor.filter(email__endswith=SCALE_DOMAIN).count() == 4


# --- the command, run twice on a database of its own -----------------------------------


COUNTS = {
    "scale vendors": f"SELECT count(*) FROM vendor WHERE email LIKE '%{SCALE_DOMAIN}'",
    "scale tasks": f"SELECT count(*) FROM task WHERE title LIKE '{TASK_PREFIX}%'",
    "commits": "SELECT count(*) FROM contribution_commit",
    "shortlists": "SELECT count(*) FROM shortlist",
    "users": 'SELECT count(*) FROM "user"',
}


async def _counts(url: str) -> dict[str, int]:
    if is_sqlite(url):
        connection = sqlite3.connect(url.removeprefix("sqlite://"))
        try:
            return {k: connection.execute(q).fetchone()[0] for k, q in COUNTS.items()}
        finally:
            connection.close()
    import asyncpg

    pg = await asyncpg.connect(url.replace("postgres://", "postgresql://"))
    try:
        return {k: await pg.fetchval(q) for k, q in COUNTS.items()}
    finally:
        await pg.close()


@pytest.mark.slow
async def test_the_demo_command_runs_again_and_adds_what_is_missing(tmp_path: Path) -> None:
    env = command_env(tmp_path, "scale-demo-test")
    async with throwaway_databases(tmp_path, "scale", 1) as (url,):
        env["DATABASE_URL"] = url
        await asyncio.to_thread(run_market, env, "migrate")
        first = await asyncio.to_thread(run_market, env, "demo", "--vendors", "20", "--tasks", "4")
        assert "scale: 20 vendors added (20 in all)" in first
        counts = await _counts(url)
        assert counts["scale vendors"] == 20 and counts["scale tasks"] == 4

        again = await asyncio.to_thread(run_market, env, "demo", "--vendors", "30", "--tasks", "6")
        assert "scale: 10 vendors added (30 in all)" in again
        assert "scale: 2 tasks added (6 in all)" in again
        assert "contributions: demo commits already present" in again
        assert await _counts(url) == {
            **counts,
            "scale vendors": 30,
            "scale tasks": 6,
            "users": counts["users"] + 10,
        }  # the ordinary demo added nothing twice, and ranked no scale task
