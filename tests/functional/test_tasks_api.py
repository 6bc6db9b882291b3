"""Tasks through the API: creation rules, who may create and publish, visibility, lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from market import clock
from market.audit.models import AuditEvent
from market.tasks.models import Task, TaskFunding
from tests import factories
from tests import factories_tasks as ft


async def test_coordinator_creates_a_draft_with_normalised_codes_and_default_criteria(client):
    user, solution = await ft.coordinator_of()
    headers = await factories.bearer(client, user)
    response = await client.post("/api/v1/tasks", json=ft.task_body(solution.id), headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] and body["status"] == "draft"
    assert body["required"] == ["72000000", "tech:python"]
    assert [c["weight"] for c in body["criteria"]] == [40, 40, 20]
    assert body["question_deadline"] == body["bid_deadline"]
    assert {f["municipality"] for f in body["funding"]} == {"Syddjurs", "Aarhus"}
    assert await AuditEvent.filter(action="task.created", object_id=str(body["id"])).exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"budget_dkk": 100000}, "funding"),
        ({"funding": [{"municipality": "Atlantis", "amount_dkk": 90000}]}, "funding"),
        (
            {"criteria": [{"name": "price", "weight": 50}, {"name": "quality", "weight": 40}]},
            "criteria",
        ),
        ({"bid_deadline": "2020-01-01T12:00"}, "bid_deadline"),
        ({"bid_deadline": "not a date"}, "bid_deadline"),
        ({"delivery_date": "2020-01-01"}, "delivery_date"),
        ({"delivery_date": "01-02-2030"}, "delivery_date"),
        ({"title": ""}, "title"),
        ({"required": []}, "required"),
        ({"estimate_hours": "many"}, "estimate_hours"),
        ({"budget_dkk": 90000.5}, "budget_dkk"),
        ({"municipality_specific": True}, "municipality_specific"),
        ({"wish_ids": [999999]}, "wish_ids"),
    ],
)
async def test_each_invalid_field_is_named_and_nothing_is_saved(client, override, field):
    user, solution = await ft.coordinator_of()
    headers = await factories.bearer(client, user)
    response = await client.post(
        "/api/v1/tasks", json=ft.task_body(solution.id, **override), headers=headers
    )
    assert response.status_code == 422, response.text
    error = response.json()
    assert field in error["fields"] and error["fields"][field] and error["message"]
    assert not await Task.filter(solution_id=solution.id).exists()
    assert not await TaskFunding.all().exists()


async def test_question_deadline_after_bid_deadline_is_refused(client):
    user, solution = await ft.coordinator_of()
    body = ft.task_body(solution.id)
    late = clock.parse_local(body["bid_deadline"]) + dt.timedelta(hours=1)
    body["question_deadline"] = late.isoformat()
    response = await client.post(
        "/api/v1/tasks", json=body, headers=await factories.bearer(client, user)
    )
    assert response.status_code == 422
    assert "question_deadline" in response.json()["fields"]


async def test_municipality_by_code_and_criteria_as_dict_and_specific_task(client):
    user, solution = await ft.coordinator_of()
    body = ft.task_body(
        solution.id,
        municipality_specific=True,
        criteria={"price": 60, "delivery time": 40},
        funding=[{"municipality": "706", "amount_dkk": 90000}],
    )
    response = await client.post(
        "/api/v1/tasks", json=body, headers=await factories.bearer(client, user)
    )
    assert response.status_code == 201, response.text
    assert response.json()["funding"][0]["municipality"] == "Syddjurs"
    assert response.json()["criteria"] == [
        {"name": "price", "weight": 60},
        {"name": "delivery time", "weight": 40},
    ]
    page = await client.get(f"/tasks/{response.json()['id']}")  # anonymous: still a draft
    assert page.status_code == 404
    await factories.login(client, user)
    page = await client.get(f"/tasks/{response.json()['id']}")
    assert "configurable option" in page.text or "konfigurerbar" in page.text


async def test_only_the_solutions_coordinators_may_create_and_publish(client):
    owner, solution = await ft.coordinator_of()
    other, _other_solution = await ft.coordinator_of()
    other_headers = await factories.bearer(client, other)
    refused = await client.post(
        "/api/v1/tasks", json=ft.task_body(solution.id), headers=other_headers
    )
    assert refused.status_code == 403 and solution.name in refused.json()["message"]
    task = await ft.task(owner, solution)
    # Another coordinator does not even learn that the draft exists.
    assert (
        await client.post(f"/api/v1/tasks/{task.id}/publish", headers=other_headers)
    ).status_code == 404
    secretariat = await factories.user("secretariat")
    sec_headers = await factories.bearer(client, secretariat)
    assert (await client.get(f"/api/v1/tasks/{task.id}", headers=sec_headers)).status_code == 200
    assert (
        await client.post(f"/api/v1/tasks/{task.id}/publish", headers=sec_headers)
    ).status_code == 403
    assert (await client.get(f"/api/v1/tasks/{task.id}")).status_code == 404


async def test_publish_with_empty_body_opens_bidding_and_queues_the_shortlist(client, run_jobs):
    user, solution = await ft.coordinator_of()
    task = await ft.task(user, solution)
    headers = await factories.bearer(client, user)
    response = await client.post(f"/api/v1/tasks/{task.id}/publish", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "published" and response.json()["bidding_open"]
    await run_jobs()
    public = await client.get(f"/api/v1/tasks/{task.id}")
    assert public.status_code == 200
    listing = await client.get("/api/v1/tasks")
    assert task.id in [t["id"] for t in listing.json()["items"]]
    again = await client.post(f"/api/v1/tasks/{task.id}/publish", headers=headers)
    assert again.status_code == 409


async def test_bidding_closes_exactly_at_the_deadline_without_any_job(client):
    user, solution = await ft.coordinator_of()
    task = await ft.task(user, solution, publish=True)
    clock.shift(task.bid_deadline - clock.now() - dt.timedelta(seconds=1))
    assert (await client.get(f"/api/v1/tasks/{task.id}")).json()["status"] == "published"
    clock.shift(dt.timedelta(seconds=1))
    body = (await client.get(f"/api/v1/tasks/{task.id}")).json()
    assert body["status"] == "closed" and body["bidding_open"] is False
    assert (await Task.get(id=task.id)).status == "published", "nothing was persisted"


async def test_illegal_transitions_are_refused(client):
    from market.errors import Conflict
    from market.tasks.rules import transition

    user, solution = await ft.coordinator_of()
    task = await ft.task(user, solution)
    with pytest.raises(Conflict):
        transition(task, "awarded")
    with pytest.raises(Conflict):
        transition(task, "delivered")
    headers = await factories.bearer(client, user)
    assert (
        await client.post(f"/api/v1/tasks/{task.id}/cancel", headers=headers)
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/tasks/{task.id}/publish", headers=headers)
    ).status_code == 409
    await task.refresh_from_db()
    with pytest.raises(Conflict):
        transition(task, "published")
    published = await ft.task(user, solution, publish=True)
    with pytest.raises(Conflict):
        transition(published, "awarded")  # bidding still open
    clock.shift(dt.timedelta(days=15))
    assert transition(published, "awarded") == "closed"


@pytest.mark.parametrize(
    ("given", "stored_utc", "shown_offset"),
    [
        ("2027-03-27T12:00", dt.datetime(2027, 3, 27, 11, 0, tzinfo=dt.UTC), "+01:00"),
        ("2027-03-29T12:00", dt.datetime(2027, 3, 29, 10, 0, tzinfo=dt.UTC), "+02:00"),
    ],
)
async def test_danish_local_deadline_across_daylight_saving(
    client, given, stored_utc, shown_offset
):
    clock.shift(dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC) - clock.now())
    user, solution = await ft.coordinator_of()
    headers = await factories.bearer(client, user)
    response = await client.post(
        "/api/v1/tasks",
        headers=headers,
        json=ft.task_body(solution.id, bid_deadline=given, delivery_date="2027-06-01"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["bid_deadline"] == f"{given}:00{shown_offset}"
    task = await Task.get(id=response.json()["id"])
    assert task.bid_deadline == stored_utc
    await factories.login(client, user)
    page = await client.get(f"/tasks/{task.id}?lang=en")
    assert f"{given[:10]} 12:00" in page.text


async def test_drafts_are_listed_only_for_their_coordinators(client):
    user, solution = await ft.coordinator_of()
    draft = await ft.task(user, solution)
    anonymous = await client.get("/api/v1/tasks")
    assert draft.id not in [t["id"] for t in anonymous.json()["items"]]
    mine = await client.get("/api/v1/tasks", headers=await factories.bearer(client, user))
    assert draft.id in [t["id"] for t in mine.json()["items"]]
    assert mine.json()["page"] == 1 and mine.json()["total"] >= 1
