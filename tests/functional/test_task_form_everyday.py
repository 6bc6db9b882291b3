"""The task form speaks the coordinator's language: a competency picker with labels, default
criteria in Danish or English (stored as codes), and task pages that show labels with codes."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.competencies.models import Competency
from market.tasks.models import Task
from tests import factories
from tests import factories_tasks as ft


async def test_the_form_offers_the_picker_and_criteria_in_the_users_language(client) -> None:
    coordinator, solution = await ft.coordinator_of()
    await factories.login(client, coordinator)
    danish = (await client.get(f"/tasks/new?solution_id={solution.id}")).text
    assert 'id="required-picker"' in danish and 'data-target="field-required"' in danish
    assert "pris: 40\nkvalitet af tilgangen: 40\nleveringstid: 20" in danish
    english = (await client.get(f"/tasks/new?solution_id={solution.id}&lang=en")).text
    assert "price: 40\nquality of approach: 40\ndelivery time: 20" in english


async def test_danish_criteria_are_stored_as_codes_and_codes_shown_with_labels(client) -> None:
    coordinator, solution = await ft.coordinator_of()
    await Competency.get_or_create(
        code="tech:python",
        defaults={"kind": "technology", "label_da": "Python", "label_en": "Python"},
    )
    await factories.login(client, coordinator)
    deadline = clock.to_local(clock.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT12:00")
    form = {
        "solution_id": str(solution.id),
        "title": "Eksport til CSV",
        "description": "En eksport.",
        "required": "tech:python",
        "estimate_hours": "60",
        "budget_dkk": "50000",
        "bid_deadline": deadline,
        "delivery_date": (clock.today() + dt.timedelta(days=80)).isoformat(),
        "funding": "Syddjurs: 50000",
        "criteria": "pris: 50\nKvalitet af tilgangen: 30\nleveringstid: 20",
    }
    created = await factories.post_form(
        client, "/tasks/new", form, csrf_page=f"/tasks/new?solution_id={solution.id}"
    )
    assert created.status_code == 303, created.text[:500]
    task = await Task.get(title="Eksport til CSV")
    assert [c["name"] for c in task.criteria] == ["price", "quality of approach", "delivery time"]
    page = (await client.get(f"/tasks/{task.id}?lang=en")).text
    assert "Python <code>tech:python</code>" in page
    assert "price 50 %" in page
    assert "pris 50 %" in (await client.get(f"/tasks/{task.id}?lang=da")).text
