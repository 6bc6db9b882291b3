"""Stored reasons and statuses are codes, shown in the reader's language; the API follows
Accept-Language; numbers follow the page's locale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from market.shortlists import engine
from market.shortlists.models import ShortlistEntry
from tests import factories
from tests import factories_shortlists as fs
from tests import factories_tasks as ft


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    engine.forget()
    yield
    engine.forget()


async def test_exclusion_reasons_are_stored_as_codes_and_read_in_each_language(
    client, run_jobs
) -> None:
    pool = await fs.pool()
    coordinator, solution = await ft.coordinator_of()
    task = await ft.task(coordinator, solution, publish=True)
    await run_jobs()
    unsigned = await ShortlistEntry.get(shortlist__task_id=task.id, vendor_id=pool["unsigned"].id)
    assert unsigned.reasons and all(r.startswith("i18n:") for r in unsigned.reasons)

    headers = await factories.bearer(client, coordinator)
    await factories.login(client, coordinator)
    danish = (await client.get(f"/tasks/{task.id}/shortlist?lang=da")).text
    assert "er ikke underskrevet" in danish and "Klage" in danish
    english = (await client.get(f"/tasks/{task.id}/shortlist?lang=en")).text
    assert "is not signed" in english and "er ikke underskrevet" not in english
    assert "no capacity before the delivery date" in english
    assert "Klage" in english  # the secretariat's own words stay as written
    assert "<code>72000000</code>" in english  # matched codes come with their labels

    for language, expected in (("en", "is not signed"), ("da", "er ikke underskrevet")):
        answer = await client.get(
            f"/api/v1/tasks/{task.id}/shortlist",
            headers={**headers, "Accept-Language": f"{language};q=0.9, fr;q=1"},
        )
        assert answer.status_code == 200, answer.text
        reasons = [
            r
            for item in answer.json()["entries"]
            if item["vendor"]["id"] == pool["unsigned"].id
            for r in item["reasons"]
        ]
        assert any(expected in r for r in reasons), reasons


async def test_roles_and_audit_actions_read_as_words_with_readable_values(client) -> None:
    coordinator, solution = await ft.coordinator_of()
    await factories.login(client, coordinator)
    account = (await client.get("/account")).text
    assert "Koordinator" in account and ">coordinator<" not in account
    task = await ft.task(coordinator, solution, title="Rådgivning om søgning")
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = (await client.get("/secretariat/audit?object_type=task")).text
    assert "Opgave oprettet" in page and "<code>task.created</code>" in page
    assert f'href="/tasks/{task.id}"' in page
    assert "\\u00f8" not in page and "\\u00e5" not in page
    english = (await client.get("/secretariat/audit?object_type=task&lang=en")).text
    assert "Task created" in english
