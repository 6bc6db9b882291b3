"""The sealing matrix: every role, before and after the bid deadline, through the
API, the pages, the exports, the attachment links, error messages and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from market import clock
from market.audit.models import AuditEvent
from market.bids.models import BidAttachment
from tests import factories, factories_bids, factories_tasks

MARKER = "SEALED-MARKER-Q7"
PRICE = 123457

# role -> (before the deadline, after the deadline) for the bid itself:
# "read" sees the contents; "hidden" gets 404 (or a sign-in redirect / 401 when anonymous).
READ = {
    "anonymous": ("hidden", "hidden"),
    "other vendor": ("hidden", "hidden"),
    "own vendor": ("read", "read"),
    "coordinator, no declaration": ("hidden", "hidden"),
    "coordinator, no conflict": ("hidden", "read"),
    "coordinator, conflict": ("hidden", "hidden"),
    "panel evaluator, no declaration": ("hidden", "hidden"),
    "panel evaluator, no conflict": ("hidden", "read"),
    "secretariat": ("hidden", "hidden"),
    "municipality": ("hidden", "hidden"),
}
# GET /api/v1/tasks/{id}/bids: a status code and, for 200, whether sealed.
LISTING = {
    "anonymous": (401, 401),
    "other vendor": (403, 403),
    "own vendor": (403, 403),
    "coordinator, no declaration": ("sealed", 403),
    "coordinator, no conflict": ("sealed", "open"),
    "coordinator, conflict": ("sealed", 403),
    "panel evaluator, no declaration": ("sealed", 403),
    "panel evaluator, no conflict": ("sealed", "open"),
    "secretariat": (403, 403),
    "municipality": (403, 403),
}


async def _actor(role: str, scene: factories_bids.Scene, solution: Any, client: Any) -> Any:
    if role == "anonymous":
        return None
    if role == "own vendor":
        return scene.admin
    if role == "other vendor":
        return scene.other_admin
    if role == "secretariat":
        return await factories.user("secretariat")
    if role == "municipality":
        return await factories.user("municipality")
    if role.startswith("coordinator"):
        user, _solution = await factories_tasks.coordinator_of(solution)
    else:
        user = await factories.user("municipality")
        headers = await factories.bearer(client, scene.coordinator)
        added = await client.post(
            f"/api/v1/tasks/{scene.task.id}/panel", json={"email": user.email}, headers=headers
        )
        assert added.status_code == 201, added.text
    if role.endswith("no conflict") or role.endswith("conflict"):
        body = (
            {"no_conflict": True}
            if role.endswith("no conflict")
            else {"conflict_vendor_ids": [scene.other_vendor.id]}
        )
        headers = await factories.bearer(client, user)
        declared = await client.post(
            f"/api/v1/tasks/{scene.task.id}/declaration", json=body, headers=headers
        )
        assert declared.status_code == 201, declared.text
    return user


async def _upload_bid(client: Any, scene: factories_bids.Scene) -> int:
    await factories.login(client, scene.admin)
    values = factories_bids.bid_body(approach=MARKER, price_dkk=PRICE)
    values["team"] = "Anne: udvikler"
    values["action"] = "submit"
    token = factories.csrf_from((await client.get(f"/tasks/{scene.task.id}/bid")).text)
    response = await client.post(
        f"/tasks/{scene.task.id}/bid",
        data={"csrf_token": token, **values},
        files={
            "attachments": ("../../etc/løsning plan.pdf", factories_bids.PDF, "application/pdf")
        },
    )
    assert response.status_code == 303, response.text
    client.cookies.clear()
    return int(response.headers["location"].rsplit("/", 1)[1])


async def _check(
    client: Any,
    role: str,
    user: Any,
    scene: factories_bids.Scene,
    bid_id: int,
    attachment_id: int,
    phase: int,
) -> None:
    expected = READ[role][phase]
    where = f"{role} {'after' if phase else 'before'} the deadline"
    headers: dict[str, str] = {}
    client.cookies.clear()
    if user is not None:
        headers = await factories.bearer(client, user)
        await factories.login(client, user)
    api = await client.get(f"/api/v1/bids/{bid_id}", headers=headers)
    page = await client.get(f"/bids/{bid_id}")
    attachment = await client.get(f"/bids/{bid_id}/attachments/{attachment_id}")
    if expected == "read":
        assert api.status_code == 200 and api.json()["approach"] == MARKER, where
        assert page.status_code == 200 and MARKER in page.text, where
        assert attachment.status_code == 200, where
        assert attachment.content == factories_bids.PDF, where
    else:
        hidden = 401 if user is None else 404
        assert api.status_code == hidden, where
        assert page.status_code == (303 if user is None else 404), where
        assert attachment.status_code == (303 if user is None else 404), where
        for response in (api, page, attachment):
            assert MARKER not in response.text and str(PRICE) not in response.text, where
    listing = await client.get(f"/api/v1/tasks/{scene.task.id}/bids", headers=headers)
    want = LISTING[role][phase]
    if want == "sealed":
        assert listing.status_code == 200 and listing.json() == {
            "task_id": scene.task.id,
            "sealed": True,
            "count": 1,
        }, where
    elif want == "open":
        assert listing.status_code == 200 and not listing.json()["sealed"], where
        assert listing.json()["items"][0]["approach"] == MARKER, where
    else:
        assert listing.status_code == want, where
        assert MARKER not in listing.text, where
    for export in ("csv", "xlsx"):
        sheet = await client.get(f"/tasks/{scene.task.id}/evaluation.{export}")
        if expected == "read" and role != "own vendor":
            assert sheet.status_code == 200, where
            if export == "csv":
                assert str(PRICE) in sheet.text, where
        else:
            assert sheet.status_code in (303, 403, 409), where
            assert str(PRICE) not in sheet.text, where
    evaluation = await client.get(f"/tasks/{scene.task.id}/evaluation")
    assert MARKER not in evaluation.text and str(PRICE) not in evaluation.text, where
    client.cookies.clear()


@pytest.mark.parametrize("role", list(READ))
async def test_sealing_matrix(client, role: str) -> None:
    scene = await factories_bids.scene()
    solution = await scene.task.solution
    bid_id = await _upload_bid(client, scene)
    attachment = await BidAttachment.get(bid_id=bid_id)
    assert attachment.file_name == "løsning plan.pdf"  # the path is gone
    user = await _actor(role, scene, solution, client)
    await _check(client, role, user, scene, bid_id, attachment.id, 0)
    factories_bids.pass_deadline(scene.task)
    await _check(client, role, user, scene, bid_id, attachment.id, 1)


async def test_a_vendor_never_sees_another_vendors_bid_nor_its_existence(client) -> None:
    scene = await factories_bids.scene()
    theirs = await factories_bids.place_bid(client, scene.other_admin, scene.task, approach=MARKER)
    headers = await factories.bearer(client, scene.admin)
    unknown = await client.get("/api/v1/bids/99999999", headers=headers)
    existing = await client.get(f"/api/v1/bids/{theirs['id']}", headers=headers)
    assert existing.status_code == unknown.status_code == 404
    assert existing.json()["message"] == unknown.json()["message"]
    factories_bids.pass_deadline(scene.task)
    assert (await client.get(f"/api/v1/bids/{theirs['id']}", headers=headers)).status_code == 404
    for verb in ("put", "delete"):
        response = await client.request(
            verb.upper(), f"/api/v1/bids/{theirs['id']}", headers=headers, json={}
        )
        assert response.status_code == 404


async def test_the_audit_log_never_shows_sealed_contents(client) -> None:
    scene = await factories_bids.scene()
    await _upload_bid(client, scene)
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/audit?object_type=bid")
    assert page.status_code == 200
    assert MARKER not in page.text and str(PRICE) not in page.text
    events = await AuditEvent.filter(object_type="bid")
    assert events and all(MARKER not in str(e.after) for e in events)


async def test_attachments_are_checked_by_content_and_size(client, settings) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    values = {**factories_bids.bid_body(), "team": "", "action": "submit"}
    token = factories.csrf_from((await client.get(f"/tasks/{scene.task.id}/bid")).text)
    fake = await client.post(
        f"/tasks/{scene.task.id}/bid",
        data={"csrf_token": token, **values},
        files={"attachments": ("plan.pdf", b"MZ\x90 not a pdf", "application/pdf")},
    )
    assert fake.status_code == 422 and "PDF" in fake.text
    assert not await BidAttachment.exists(bid__task_id=scene.task.id)
    assert 'value="85000"' in fake.text  # nothing right is lost
    folder = settings.upload_dir / "bids"
    before = set(folder.iterdir()) if folder.exists() else set()
    clock.shift(scene.task.bid_deadline - clock.now() + dt.timedelta(seconds=1))
    await factories.login(client, scene.admin)
    token = factories.csrf_from((await client.get(f"/tasks/{scene.task.id}/bid")).text)
    late = await client.post(
        f"/tasks/{scene.task.id}/bid",
        data={"csrf_token": token, **values},
        files={"attachments": ("plan.pdf", factories_bids.PDF, "application/pdf")},
    )
    assert late.status_code == 409
    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before  # a refused upload leaves no file behind
