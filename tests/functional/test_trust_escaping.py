"""User text is text: every page that shows it escapes it, and templates never translate it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from market import clock
from market.shortlists import engine
from market.tasks.models import Question
from market.vendors.models import Vendor
from tests import factories, factories_bids, factories_shortlists, factories_tasks

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '<meta http-equiv="refresh" content="0;url=https://evil.example">Kvalitet'
RAW = '<meta http-equiv="refresh"'
ESCAPED = "&lt;meta http-equiv="


@pytest.fixture(autouse=True)
def fresh_index():
    engine.forget()
    yield
    engine.forget()


def test_no_template_passes_a_value_through_gettext():
    """`_(value)` marks its result safe with newstyle gettext: only literals are translated."""
    dynamic = re.compile(r"(?<![\w.])_\(\s*(?![\"'])")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.suffix in (".html", ".txt")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if dynamic.search(line)
    ]
    assert not found, "use |label or |criterion instead of _(value): " + ", ".join(found)


async def test_hostile_user_text_is_escaped_on_every_page_that_shows_it(client, run_jobs):
    vendors = await factories_shortlists.pool()
    await Vendor.filter(id=vendors["suspended"].id).update(suspension_reason=HOSTILE)
    await Vendor.filter(id=vendors["good"].id).update(name=HOSTILE)
    coordinator, solution = await factories_tasks.coordinator_of()
    wish = await factories_tasks.wish(solution, title=HOSTILE, description=HOSTILE)
    task = await factories_tasks.task(
        coordinator,
        solution,
        title=HOSTILE,
        description=HOSTILE,
        wish_ids=[wish.id],
        criteria=[{"name": HOSTILE, "weight": 60}, {"name": "price", "weight": 40}],
        bid_deadline=factories_bids.deadline_in(dt.timedelta(hours=2)),
    )
    from market.tasks import services as tasks

    await tasks.publish_task(task.id, actor=coordinator)
    await run_jobs()
    best = vendors["best"]
    admin = await factories.user("vendor_admin", organisation=await best.organisation)
    bid = await factories_bids.place_bid(client, admin, task, approach=HOSTILE)
    await Question.create(task=task, vendor=best, asked_by_id=admin.id, text=HOSTILE)

    async def check(path: str, *, shows: bool = True) -> None:
        response = await client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert RAW not in response.text, f"{path} renders user text as HTML"
        if shows:
            assert ESCAPED in response.text, f"{path} should show the text, escaped"

    for path in ("/tasks", f"/tasks/{task.id}", "/partners", f"/vendors/{vendors['good'].id}"):
        await check(path)
    await factories.login(client, admin)
    for path in ("/my-bids", f"/bids/{bid['id']}", "/opportunities", f"/tasks/{task.id}/bid"):
        await check(path)
    client.cookies.clear()
    await factories.login(client, coordinator)
    for path in (
        f"/tasks/{task.id}",
        f"/tasks/{task.id}/shortlist",
        f"/solutions/{solution.id}",
        f"/wishes/{wish.id}",
        f"/tasks/{task.id}/edit",
    ):
        await check(path)
    shortlist = (await client.get(f"/tasks/{task.id}/shortlist")).text
    assert "Klage" not in shortlist and ESCAPED in shortlist
    factories_bids.pass_deadline(task)
    client.cookies.clear()
    headers = await factories.bearer(client, coordinator)
    declared = await client.post(
        f"/api/v1/tasks/{task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    assert declared.status_code == 201, declared.text
    await factories.login(client, coordinator)
    await check(f"/tasks/{task.id}/evaluation")
    assert clock.now() > task.bid_deadline


def test_a_name_no_view_passes_is_an_error_not_an_empty_string():
    import jinja2

    from market.templating import templates

    with pytest.raises(jinja2.UndefinedError):
        templates.from_string("{{ nmae }}").render()
