"""A published task's deadlines cannot be bent, and every vendor concerned hears of changes."""

from __future__ import annotations

import datetime as dt
import re

from market import clock
from market.mail.models import OutboxMessage
from market.tasks.models import Task, TaskChange
from tests import factories, factories_bids, factories_conduct

MINUTE = dt.timedelta(minutes=1)


async def _scene_with_bids(client):
    scene = await factories_bids.scene(hours=48)
    await factories_bids.place_bid(client, scene.admin, scene.task)
    await factories_bids.place_bid(client, scene.other_admin, scene.task, draft=True)
    return scene


async def _mails_about(task: Task, email: str) -> list[OutboxMessage]:
    mails = await OutboxMessage.filter(to_email=email).order_by("id")
    return [m for m in mails if task.title in m.body_text or task.title in m.subject]


async def test_a_published_bid_deadline_cannot_move_earlier_through_the_api(client):
    scene = await _scene_with_bids(client)
    headers = await factories.bearer(client, scene.coordinator)
    deadline = scene.task.bid_deadline
    soon = clock.to_local(clock.now() + dt.timedelta(seconds=65)).isoformat()
    response = await client.put(
        f"/api/v1/tasks/{scene.task.id}", json={"bid_deadline": soon}, headers=headers
    )
    assert response.status_code == 409, response.text
    assert "bid_deadline" in response.json()["fields"]
    assert "later" in response.json()["message"] or "senere" in response.json()["message"]
    await scene.task.refresh_from_db()
    assert scene.task.bid_deadline == deadline
    # 70 s later the bids are still sealed.
    clock.shift(dt.timedelta(seconds=70))
    sealed = await client.get(f"/api/v1/tasks/{scene.task.id}/bids", headers=headers)
    assert sealed.json()["sealed"] is True


async def test_moving_the_bid_deadline_later_keeps_the_question_deadline_and_tells_bidders(
    client,
):
    scene = await _scene_with_bids(client)
    headers = await factories.bearer(client, scene.coordinator)
    question_deadline = scene.task.question_deadline
    later = clock.to_local(scene.task.bid_deadline + dt.timedelta(days=2)).isoformat()
    response = await client.put(
        f"/api/v1/tasks/{scene.task.id}", json={"bid_deadline": later}, headers=headers
    )
    assert response.status_code == 200, response.text
    await scene.task.refresh_from_db()
    assert scene.task.question_deadline == question_deadline, "an untouched field changed"
    changed = await TaskChange.filter(task_id=scene.task.id).values_list("field", flat=True)
    assert list(changed) == ["bid_deadline"]
    # The bidder and the vendor with only a draft are both told, about the bid deadline only.
    for admin in (scene.admin, scene.other_admin):
        mails = await _mails_about(scene.task, admin.email)
        told = [m for m in mails if "er ændret" in m.body_text]
        assert told, f"{admin.email} was not told of the change"
        assert "Tilbudsfrist" in told[-1].body_text or "Budfrist" in told[-1].body_text
        assert "Spørgefrist" not in told[-1].body_text


async def test_the_question_deadline_never_moves_earlier_or_after_the_bid_deadline(client):
    scene = await _scene_with_bids(client)
    headers = await factories.bearer(client, scene.coordinator)
    path = f"/api/v1/tasks/{scene.task.id}"
    earlier = clock.to_local(scene.task.question_deadline - dt.timedelta(hours=2)).isoformat()
    response = await client.put(path, json={"question_deadline": earlier}, headers=headers)
    assert response.status_code == 409
    assert "question_deadline" in response.json()["fields"]
    after_bids = clock.to_local(scene.task.bid_deadline + dt.timedelta(hours=1)).isoformat()
    response = await client.put(path, json={"question_deadline": after_bids}, headers=headers)
    assert response.status_code == 422
    assert "question_deadline" in response.json()["fields"]


async def test_the_edit_form_refuses_an_earlier_deadline_and_keeps_untouched_fields(client):
    scene = await _scene_with_bids(client)
    await factories.login(client, scene.coordinator)
    path = f"/tasks/{scene.task.id}/edit"
    page = await client.get(path)
    values = {}
    for tag in re.findall(r"<input[^>]*>", page.text):
        name, value = re.search(r'name="(\w+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="checkbox"' not in tag or " checked" in tag):
            values[name.group(1)] = value.group(1)
    for name in re.findall(r'<textarea[^>]*name="(\w+)"', page.text):
        found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page.text, re.S)
        values[name] = found.group(1).strip() if found else ""
    values.pop("csrf_token", None)
    soon = clock.to_local(clock.now() + dt.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    refused = await factories.post_form(
        client, path, {**values, "bid_deadline": soon}, csrf_page=path
    )
    assert refused.status_code == 409
    assert "Annullér" in refused.text or "annuller" in refused.text.lower()
    await scene.task.refresh_from_db()
    question_deadline = scene.task.question_deadline
    later = clock.to_local(scene.task.bid_deadline + dt.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    saved = await factories.post_form(
        client, path, {**values, "bid_deadline": later}, csrf_page=path
    )
    assert saved.status_code == 303, saved.text
    await scene.task.refresh_from_db()
    assert clock.to_local(scene.task.bid_deadline).strftime("%Y-%m-%dT%H:%M") == later
    assert scene.task.question_deadline == question_deadline
    changed = await TaskChange.filter(task_id=scene.task.id).values_list("field", flat=True)
    assert list(changed) == ["bid_deadline"]


async def test_cancelling_tells_every_bidder_including_drafts(client):
    scene = await _scene_with_bids(client)
    await factories.login(client, scene.coordinator)
    path = f"/tasks/{scene.task.id}"
    response = await factories.post_form(client, f"{path}/cancel", {}, csrf_page=path)
    assert response.status_code == 303, response.text
    for admin in (scene.admin, scene.other_admin):
        mails = await _mails_about(scene.task, admin.email)
        assert any("annull" in (m.subject + m.body_text).lower() for m in mails), admin.email


async def test_the_audit_log_hides_who_bids_until_the_deadline(client):
    scene = await _scene_with_bids(client)
    secretary = await factories.user("secretariat")
    await factories.login(client, secretary)
    sealed = await client.get("/secretariat/audit?object_type=bid")
    assert sealed.status_code == 200
    assert scene.admin.email not in sealed.text and scene.other_admin.email not in sealed.text
    assert scene.task.title not in sealed.text
    assert f"opgave {scene.task.id} (forseglet" in sealed.text, "the rows are there, redacted"
    assert "bid.submitted" not in sealed.text and "bid.drafted" not in sealed.text
    for query in (f"actor={scene.admin.email}", "action=bid.submitted", "action=bid"):
        table = (await client.get(f"/secretariat/audit?{query}")).text.split("<table")[-1]
        assert "bid.submitted" not in table and "<td>bid " not in table, query
    factories_bids.pass_deadline(scene.task)
    await factories.login(client, secretary)
    opened = await client.get("/secretariat/audit?object_type=bid")
    assert scene.admin.email in opened.text and "bid.submitted" in opened.text
    assert scene.other_admin.email in opened.text and "bid.drafted" in opened.text


async def test_a_code_of_conduct_version_cannot_take_effect_in_the_past(client):
    from market.conduct.models import ConductVersion

    secretary = await factories.user("secretariat")
    headers = await factories.bearer(client, secretary)
    yesterday = (clock.today() - dt.timedelta(days=1)).isoformat()
    body = {
        "version": "7",
        "title": "Adfærdskodeks 7",
        "text": "# Version 7\n\nTekst.",
        "effective_from": yesterday,
        "grace_days": 30,
    }
    refused = await client.post("/api/v1/conduct/versions", json=body, headers=headers)
    assert refused.status_code == 422 and "effective_from" in refused.json()["fields"]
    await factories.login(client, secretary)
    page = "/secretariat/conduct/versions"
    form = await factories.post_form(client, page, {**body, "grace_days": "30"}, csrf_page=page)
    assert form.status_code == 422 and "i dag eller senere" in form.text
    assert not await ConductVersion.filter(label="7").exists()
    today = {**body, "effective_from": clock.today().isoformat()}
    assert (
        await client.post("/api/v1/conduct/versions", json=today, headers=headers)
    ).status_code == 201


async def test_a_vendor_that_follows_a_task_is_told_of_its_changes(client):
    scene = await factories_bids.scene(hours=48)
    _follower, follower_admin = await factories_conduct.active_vendor()
    await factories.login(client, follower_admin)
    path = f"/tasks/{scene.task.id}"
    followed = await factories.post_form(client, f"{path}/follow", {"follow": "1"}, csrf_page=path)
    assert followed.status_code == 303
    assert "Følg ikke længere opgaven" in (await client.get(path)).text
    client.cookies.clear()
    headers = await factories.bearer(client, scene.coordinator)
    later = clock.to_local(scene.task.bid_deadline + dt.timedelta(days=1)).isoformat()
    changed = await client.put(f"/api/v1{path}", json={"bid_deadline": later}, headers=headers)
    assert changed.status_code == 200
    mails = await _mails_about(scene.task, follower_admin.email)
    assert any("er ændret" in m.body_text for m in mails), "the follower was not told"
    # Through the API a vendor stops following; the other vendor's admin never followed.
    vendor_headers = await factories.bearer(client, follower_admin)
    stopped = await client.delete(f"/api/v1{path}/follow", headers=vendor_headers)
    assert stopped.status_code == 200 and stopped.json()["following"] is False


async def test_a_code_of_conduct_version_is_previewed_then_published_on_confirmation(client):
    from market.conduct.models import ConductVersion
    from market.conduct.services import text_hash

    await factories.login(client, await factories.user("secretariat"))
    page = "/secretariat/conduct/versions"
    text = "# Version 8\n\nLeverandøren **skal** svare inden for fem dage."
    form = {
        "version": "8",
        "title": "Adfærdskodeks 8",
        "text": text,
        "effective_from": clock.today().isoformat(),
        "grace_days": "30",
    }
    preview = await factories.post_form(client, page, form, csrf_page=page)
    assert preview.status_code == 200
    assert "<strong>skal</strong>" in preview.text and text_hash(text) in preview.text
    assert not await ConductVersion.filter(label="8").exists(), "published before confirming"
    done = await factories.post_form(client, page, {**form, "confirmed": "yes"}, csrf_page=page)
    assert done.status_code == 303
    assert (await ConductVersion.get(label="8")).sha256 == text_hash(text)
