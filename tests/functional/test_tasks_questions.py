"""Invitations, clarification Q&A and the change log of a published task."""

from __future__ import annotations

import datetime as dt

from market import clock
from market.accounts.models import OrganisationKind
from market.mail.models import OutboxMessage
from market.tasks.models import Invitation, TaskChange
from market.vendors.models import Vendor
from tests import factories
from tests import factories_tasks as ft


async def vendor_with_user(name: str = "Fjordsoft ApS", cvr: str = "31000004"):
    org = await factories.organisation(OrganisationKind.VENDOR, name=name)
    vendor = await Vendor.create(organisation=org, name=name, cvr=cvr)
    user = await factories.user("vendor_admin", organisation=org)
    return vendor, user


async def test_invite_vendors_mails_their_users_and_rejects_unknown_ids(client, run_jobs):
    coordinator, solution = await ft.coordinator_of()
    task = await ft.task(coordinator, solution, publish=True)
    vendor, vendor_user = await vendor_with_user()
    headers = await factories.bearer(client, coordinator)
    unknown = await client.post(
        f"/api/v1/tasks/{task.id}/invitations",
        headers=headers,
        json={"vendor_ids": [vendor.id, 999999]},
    )
    assert unknown.status_code == 422 and "999999" in unknown.json()["fields"]["vendor_ids"]
    assert not await Invitation.exists()
    invited = await client.post(
        f"/api/v1/tasks/{task.id}/invitations", headers=headers, json={"vendor_ids": [vendor.id]}
    )
    assert invited.status_code == 201, invited.text
    again = await client.post(
        f"/api/v1/tasks/{task.id}/invitations", headers=headers, json={"vendor_ids": [vendor.id]}
    )
    assert again.status_code == 201 and await Invitation.filter(task_id=task.id).count() == 1
    await run_jobs()
    assert await OutboxMessage.filter(to_email=vendor_user.email).count() == 1


async def test_question_answered_and_published_without_the_asker(client, run_jobs):
    coordinator, solution = await ft.coordinator_of()
    task = await ft.task(coordinator, solution, publish=True)
    asker, asker_user = await vendor_with_user("Asker ApS", "31000012")
    other, other_user = await vendor_with_user("Anden Leverandør ApS", "31000020")
    _outsider, outsider_user = await vendor_with_user("Udenfor ApS", "31000039")
    await Invitation.create(task=task, vendor=asker)
    await Invitation.create(task=task, vendor=other)
    refused = await client.post(
        f"/api/v1/tasks/{task.id}/questions",
        json={"text": "Må vi?"},
        headers=await factories.bearer(client, outsider_user),
    )
    assert refused.status_code == 403 and refused.json()["message"]
    asked = await client.post(
        f"/api/v1/tasks/{task.id}/questions",
        json={"text": "Skal løsningen understøtte SAML?"},
        headers=await factories.bearer(client, asker_user),
    )
    assert asked.status_code == 201, asked.text
    # Not yet public: others see nothing.
    public = (await client.get(f"/api/v1/tasks/{task.id}/questions")).json()
    assert public["items"] == [] and public["pending"] == []
    answered = await client.post(
        f"/api/v1/questions/{asked.json()['id']}/answer",
        json={"text": "Ja, SAML 2.0 via OS2faktor."},
        headers=await factories.bearer(client, coordinator),
    )
    assert answered.status_code == 201, answered.text
    await run_jobs()
    public = (await client.get(f"/api/v1/tasks/{task.id}/questions")).json()
    assert public["items"][0]["answer"] == "Ja, SAML 2.0 via OS2faktor."
    page = await client.get(f"/tasks/{task.id}")
    assert "Ja, SAML 2.0 via OS2faktor." in page.text and "Asker ApS" not in page.text
    for user in (asker_user, other_user):
        assert await OutboxMessage.filter(
            to_email=user.email, idempotency_key__startswith="task-answer"
        ).exists()


async def test_questions_are_refused_after_the_question_deadline(client):
    coordinator, solution = await ft.coordinator_of()
    body = ft.task_body(solution.id)
    deadline = clock.parse_local(body["bid_deadline"])
    task = await ft.task(
        coordinator,
        solution,
        publish=True,
        question_deadline=(deadline - dt.timedelta(days=7)).isoformat(),
    )
    vendor, user = await vendor_with_user()
    await Invitation.create(task=task, vendor=vendor)
    clock.shift(dt.timedelta(days=8))
    late = await client.post(
        f"/api/v1/tasks/{task.id}/questions",
        json={"text": "Hvornår?"},
        headers=await factories.bearer(client, user),
    )
    assert late.status_code == 409


async def test_editing_a_published_task_logs_changes_and_tells_the_vendors(client, run_jobs):
    coordinator, solution = await ft.coordinator_of()
    task = await ft.task(coordinator, solution, publish=True)
    vendor, vendor_user = await vendor_with_user()
    await Invitation.create(task=task, vendor=vendor)
    headers = await factories.bearer(client, coordinator)
    bad = await client.put(f"/api/v1/tasks/{task.id}", headers=headers, json={"budget_dkk": 100000})
    assert bad.status_code == 422 and "funding" in bad.json()["fields"]
    assert not await TaskChange.filter(task_id=task.id).exists()
    edited = await client.put(
        f"/api/v1/tasks/{task.id}",
        headers=headers,
        json={
            "budget_dkk": 100000,
            "estimate_hours": 130,
            "funding": [{"municipality": "Syddjurs", "amount_dkk": 100000}],
        },
    )
    assert edited.status_code == 200, edited.text
    log = {c["field"]: c for c in edited.json()["changes"]}
    assert log["budget_dkk"]["before"] == "90000" and log["budget_dkk"]["after"] == "100000"
    assert log["estimate_hours"]["by"]
    await run_jobs()
    assert await OutboxMessage.filter(
        to_email=vendor_user.email, idempotency_key__startswith="task-changed"
    ).exists()
    page = await client.get(f"/tasks/{task.id}")
    assert "100000" in page.text


async def test_coordinator_journey_through_the_web_forms(client):
    coordinator, solution = await ft.coordinator_of()
    wish = await ft.wish(solution)
    await factories.login(client, coordinator)
    form = {
        "solution_id": str(solution.id),
        "title": "Eksport til CSV",
        "description": "Beskrivelse",
        "required": "72000000-5, tech:python",
        "estimate_hours": "80",
        "budget_dkk": "60.000",
        "bid_deadline": "2099-03-27T12:00",
        "delivery_date": "2099-06-01",
        "funding": "Syddjurs: 40.000\nAarhus Kommune: 21000",
        "wish_ids": str(wish.id),
    }
    wrong = await factories.post_form(client, "/tasks/new", form)
    assert wrong.status_code == 422 and "60000" in wrong.text.replace(".", "")
    assert 'value="Eksport til CSV"' in wrong.text, "what was right is kept"
    form["funding"] = "Syddjurs: 40.000\nAarhus Kommune: 20000"
    created = await factories.post_form(client, "/tasks/new", form)
    assert created.status_code == 303, created.text
    task_url = created.headers["location"]
    asked = await factories.post_form(client, f"{task_url}/publish", {})
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.text
    published = await factories.post_form(client, f"{task_url}/publish", {"confirmed": "yes"})
    assert published.status_code == 303
    page = await client.get(task_url + "?lang=en")
    assert "published" in page.text and "27-03-2099" not in page.text
    assert "2099-03-27 12:00 CET" in page.text
