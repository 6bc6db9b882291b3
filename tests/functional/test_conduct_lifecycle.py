"""The Code of Conduct lifecycle: publish, sign, countersign, outdated, grace, register."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest

from market import clock, jobs
from market.audit.models import AuditEvent
from market.conduct import services as conduct
from market.conduct.models import ConductReminder, RecordImmutable, Signature
from market.conduct.states import eligibility, eligibility_many
from market.mail.models import OutboxMessage
from tests import factories
from tests import factories_conduct as fc


@pytest.fixture
async def v1():
    return await fc.version_1()


async def _sign(client, vendor, admin, version, **overrides):
    headers = await factories.bearer(client, admin)
    body = {
        "version": version.label,
        "sha256": version.sha256,
        "signer_name": "Anne Admin",
        "signer_title": "Direktør",
        "accept": True,
    }
    body.update(overrides)
    return await client.post(f"/api/v1/vendors/{vendor.id}/signatures", json=body, headers=headers)


async def test_current_version_is_version_1_with_the_hash_of_its_danish_text(client, v1) -> None:
    data = (await client.get("/api/v1/conduct/current")).json()
    assert data["version"] == "1"
    assert data["sha256"] == hashlib.sha256(data["text"].encode("utf-8")).hexdigest()
    assert "MPL-2.0" in data["text"] and "MPL-2.0" in data["text_en"]
    assert data["effective_from"] <= clock.today().isoformat()
    page = await client.get("/conduct")
    assert "<script" not in page.text.split("</header>")[1]
    assert "Adfærdskodeks" in page.text


async def test_sign_then_countersign_makes_the_vendor_a_public_partner(
    client, v1, run_jobs
) -> None:
    vendor, admin = await fc.vendor()
    response = await _sign(client, vendor, admin, v1)
    assert response.status_code == 201, response.text
    signature_id = response.json()["id"]
    assert (await eligibility(vendor)).state == "awaiting_countersignature"
    assert vendor.id not in [i["id"] for i in (await client.get("/api/v1/vendors")).json()["items"]]
    await run_jobs()
    assert await OutboxMessage.filter(
        to_email=admin.email, idempotency_key=f"conduct-signature:{signature_id}"
    ).exists()
    staff = await factories.user("secretariat")
    headers = await factories.bearer(client, staff)
    # Empty body, no Content-Type.
    response = await client.post(f"/api/v1/signatures/{signature_id}/countersign", headers=headers)
    assert response.status_code == 200, response.text
    assert (
        await client.post(f"/api/v1/signatures/{signature_id}/countersign", headers=headers)
    ).status_code == 409
    result = await eligibility(vendor)
    assert result.eligible and result.state == "active" and result.reasons == []
    listed = (await client.get("/api/v1/vendors")).json()
    item = next(i for i in listed["items"] if i["id"] == vendor.id)
    assert item["conduct_version"] == "1" and item["signed_at"] and item["cvr"] == vendor.cvr
    assert vendor.name in (await client.get("/partners")).text
    signature = await Signature.get(id=signature_id)
    assert signature.sha256 == v1.sha256 and signature.signer_title == "Direktør"
    assert await AuditEvent.filter(action="conduct.signed", object_id=str(signature_id)).exists()
    assert await AuditEvent.filter(action="conduct.countersigned").exists()


async def test_signing_with_wrong_hash_or_without_consent_is_422(client, v1) -> None:
    vendor, admin = await fc.vendor()
    response = await _sign(client, vendor, admin, v1, sha256="0" * 64)
    assert response.status_code == 422 and "sha256" in response.json()["fields"]
    for accept in (False, "yes", None):
        response = await _sign(client, vendor, admin, v1, accept=accept)
        assert response.status_code == 422 and "accept" in response.json()["fields"]
    assert not await Signature.filter(vendor_id=vendor.id).exists()
    assert (await _sign(client, vendor, admin, v1)).status_code == 201
    assert (await _sign(client, vendor, admin, v1)).status_code == 409


async def test_only_this_vendors_admin_signs(client, v1) -> None:
    vendor, _admin = await fc.vendor()
    _other, other_admin = await fc.vendor()
    assert (await _sign(client, vendor, other_admin, v1)).status_code == 403
    member = await factories.user("vendor_member")
    assert (await _sign(client, vendor, member, v1)).status_code == 403
    assert (await _sign(client, type(vendor)(id=999999), other_admin, v1)).status_code == 404


async def test_a_new_version_makes_active_vendors_outdated_then_ineligible(client, v1) -> None:
    vendors = [await fc.active_vendor() for _ in range(3)]
    staff = await factories.user("secretariat")
    headers = await factories.bearer(client, staff)
    text = "# Adfærdskodeks 2\n\nNy tekst med æøå."
    response = await client.post(
        "/api/v1/conduct/versions",
        headers=headers,
        json={
            "version": "2",
            "title": "Adfærdskodeks 2",
            "text": text,
            "effective_from": clock.today().isoformat(),
            "grace_days": 30,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert (await client.get("/api/v1/conduct/current")).json()["version"] == "2"
    ids = [v.id for v, _ in vendors]
    found = await eligibility_many(ids)
    in_grace_reasons = found[ids[0]].reasons
    for vid in ids:
        assert found[vid].state == "outdated" and found[vid].eligible
        assert "version 2" in found[vid].reasons[0]
    public = {i["id"] for i in (await client.get("/api/v1/vendors")).json()["items"]}
    assert set(ids) <= public

    clock.shift(dt.timedelta(days=31))
    found = await eligibility_many(ids)
    for vid in ids:
        assert found[vid].state == "outdated" and not found[vid].eligible
        assert "version 2" in found[vid].reasons[0]
        assert found[vid].reasons != in_grace_reasons  # now says the grace period ended
    public = {i["id"] for i in (await client.get("/api/v1/vendors")).json()["items"]}
    assert not set(ids) & public

    vendor, admin = vendors[0]
    version_2 = await conduct.get_version("2")
    response = await _sign(client, vendor, admin, version_2)
    assert response.status_code == 201
    assert (await eligibility(vendor)).state == "awaiting_countersignature"
    # An old version can no longer be signed.
    other, other_admin = await fc.vendor()
    assert (await _sign(client, other, other_admin, v1)).status_code == 422
    headers = await factories.bearer(client, staff)  # the first token expired meanwhile
    response = await client.post(
        f"/api/v1/signatures/{response.json()['id']}/countersign", headers=headers
    )
    assert response.status_code == 200
    result = await eligibility(vendor)
    assert result.eligible and result.state == "active"


async def test_publishing_validates_fields_and_refuses_a_duplicate_label(client, v1) -> None:
    staff = await factories.user("secretariat")
    headers = await factories.bearer(client, staff)
    response = await client.post(
        "/api/v1/conduct/versions",
        headers=headers,
        json={
            "version": "x",
            "title": "",
            "text": "t",
            "effective_from": "tomorrow",
            "grace_days": -1,
        },
    )
    assert response.status_code == 422
    assert {"version", "title", "effective_from", "grace_days"} <= set(response.json()["fields"])
    response = await client.post(
        "/api/v1/conduct/versions",
        headers=headers,
        json={
            "version": "1",
            "title": "Igen",
            "text": "t",
            "effective_from": "2030-01-01",
            "grace_days": 10,
        },
    )
    assert response.status_code == 409


async def test_reject_and_suspend_need_a_reason_and_are_audited(client, v1) -> None:
    vendor, admin = await fc.vendor()
    signature_id = (await _sign(client, vendor, admin, v1)).json()["id"]
    staff = await factories.user("secretariat")
    headers = await factories.bearer(client, staff)
    url = f"/api/v1/signatures/{signature_id}/reject"
    assert (await client.post(url, headers=headers, json={})).status_code == 422
    response = await client.post(url, headers=headers, json={"reason": "Forkert underskriver"})
    assert response.status_code == 200
    result = await eligibility(vendor)
    assert result.state == "rejected" and "Forkert underskriver" in result.reasons[0]

    active, _ = await fc.active_vendor()
    url = f"/api/v1/vendors/{active.id}/suspend"
    assert (await client.post(url, headers=headers, json={})).status_code == 422
    assert (await client.post(url, headers=headers, json={"reason": "Klage"})).status_code == 200
    assert (await client.post(url, headers=headers, json={"reason": "Igen"})).status_code == 409
    result = await eligibility(active)
    assert result.state == "suspended" and not result.eligible
    assert await AuditEvent.filter(action="vendor.suspended", object_id=str(active.id)).exists()
    response = await client.post(
        f"/api/v1/vendors/{active.id}/reinstate", headers=headers, json={"reason": "Afklaret"}
    )
    assert response.status_code == 200 and response.json()["state"] == "active"


async def test_signatures_are_immutable(v1) -> None:
    vendor, admin = await fc.vendor()
    signature = await Signature.get(id=await fc.signed(vendor, admin, v1, countersign=False))
    signature.signer_name = "Someone else"
    with pytest.raises(RecordImmutable):
        await signature.save()
    with pytest.raises(RecordImmutable):
        await signature.delete()


async def test_register_filters_and_csv_lists_every_vendor_with_its_state(client, v1) -> None:
    active, _ = await fc.active_vendor()
    waiting, waiting_admin = await fc.vendor()
    await fc.signed(waiting, waiting_admin, v1, countersign=False)
    unsigned, _ = await fc.vendor()
    staff = await factories.user("secretariat")
    headers = await factories.bearer(client, staff)
    for status, vendor in (("active", active), ("pending", waiting), ("missing", unsigned)):
        items = (await client.get(f"/api/v1/signatures?status={status}", headers=headers)).json()[
            "items"
        ]
        assert [i["vendor_id"] for i in items] == [vendor.id], status
    assert (
        await client.get("/api/v1/signatures?status=nonsense", headers=headers)
    ).status_code == 422
    await factories.login(client, staff)
    response = await client.get("/secretariat/conduct/register.csv?lang=en")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    states = {row["CVR number"]: row["State"] for row in rows}
    assert states == {
        active.cvr: "active",
        waiting.cvr: "awaiting_countersignature",
        unsigned.cvr: "not_signed",
    }
    signed_row = next(r for r in rows if r["CVR number"] == active.cvr)
    assert signed_row["Version"] == "v1" and signed_row["Signer's title"] == "Direktør"
    danish = await client.get("/secretariat/conduct/register.csv?lang=da")
    header = danish.text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("Leverandør-id;Leverandør;CVR-nummer;Størrelse;Status;")
    assert ";v1;" in danish.text and ";ja;" in danish.text
    page = await client.get("/secretariat/vendors?state=not_signed")
    assert unsigned.name in page.text and active.name not in page.text
    page = await client.get(f"/secretariat/vendors?q={waiting.cvr}")
    assert waiting.name in page.text and unsigned.name not in page.text
    desk = await client.get("/secretariat/conduct")
    assert desk.status_code == 200 and waiting.name in desk.text
    assert "style=" not in desk.text


async def test_public_register_lists_only_eligible_vendors(client, v1) -> None:
    active, _ = await fc.active_vendor()
    waiting, waiting_admin = await fc.vendor()
    await fc.signed(waiting, waiting_admin, v1, countersign=False)
    suspended, _ = await fc.active_vendor()
    staff = await factories.user("secretariat")
    from market.vendors.services import suspend

    await suspend(suspended.id, "Klage", actor=staff)
    data = (await client.get("/api/v1/vendors?per_page=200")).json()
    assert [i["id"] for i in data["items"]] == [active.id]
    assert data["total"] == 1 and data["page"] == 1
    page = (await client.get("/partners")).text
    assert active.name in page and waiting.name not in page and suspended.name not in page
    # The public profile shows no contact details; staff see more.
    public = (await client.get(f"/api/v1/vendors/{waiting.id}")).json()
    assert "email" not in public and public["eligible"] is False
    headers = await factories.bearer(client, staff)
    full = (await client.get(f"/api/v1/vendors/{waiting.id}", headers=headers)).json()
    assert full["state"] == "awaiting_countersignature" and full["email"]


async def test_reminders_go_once_per_interval_even_when_the_job_runs_twice(
    client, v1, settings, run_jobs
) -> None:
    unsigned, admin = await fc.vendor()
    active, active_admin = await fc.active_vendor()
    for _ in range(2):
        await jobs.enqueue("send_conduct_reminders")
        await run_jobs()
    assert await ConductReminder.filter(vendor_id=unsigned.id).count() == 1
    assert not await ConductReminder.filter(vendor_id=active.id).exists()
    mails = await OutboxMessage.filter(
        to_email=admin.email, idempotency_key__startswith="conduct-reminder:"
    )
    assert len(mails) == 1
    assert not await OutboxMessage.filter(
        to_email=active_admin.email, idempotency_key__startswith="conduct-reminder"
    ).exists()
    clock.shift(dt.timedelta(days=settings.reminder_interval_days - 1))
    await conduct.send_conduct_reminders(settings.reminder_interval_days)
    assert await ConductReminder.filter(vendor_id=unsigned.id).count() == 1
    clock.shift(dt.timedelta(days=1, minutes=1))
    await conduct.send_conduct_reminders(settings.reminder_interval_days)
    await conduct.send_conduct_reminders(settings.reminder_interval_days)
    assert await ConductReminder.filter(vendor_id=unsigned.id).count() == 2


async def test_secretariat_web_desk_countersigns_and_sends_a_reminder_now(client, v1) -> None:
    vendor, admin = await fc.vendor()
    signature_id = await fc.signed(vendor, admin, v1, countersign=False)
    staff = await factories.user("secretariat")
    await factories.login(client, staff)
    response = await factories.post_form(
        client,
        f"/secretariat/conduct/signatures/{signature_id}/countersign",
        {},
        csrf_page="/secretariat/conduct",
    )
    assert response.status_code == 303
    assert (await eligibility(vendor)).state == "active"
    other, _ = await fc.vendor()
    response = await factories.post_form(
        client, f"/secretariat/vendors/{other.id}/remind", {}, csrf_page="/secretariat/vendors"
    )
    assert response.status_code == 303
    assert await ConductReminder.filter(vendor_id=other.id, kind="manual").exists()


async def test_vendor_admin_signs_on_the_web_page_showing_the_exact_text(client, v1) -> None:
    _vendor, admin = await fc.vendor()
    await factories.login(client, admin)
    company = await client.get("/my-company")
    assert "/my-company/conduct" in company.text
    page = await client.get("/my-company/conduct")
    assert v1.sha256 in page.text and "MPL-2.0" in page.text
    data = {
        "version": "1",
        "sha256": v1.sha256,
        "signer_name": "Anne Admin",
        "signer_title": "Direktør",
    }
    response = await factories.post_form(
        client, "/my-company/conduct", data, csrf_page="/my-company/conduct"
    )
    assert response.status_code == 422 and 'href="#field-accept"' in response.text
    assert 'value="Direktør"' in response.text
    response = await factories.post_form(
        client, "/my-company/conduct", {**data, "accept": "1"}, csrf_page="/my-company/conduct"
    )
    assert response.status_code == 303
    receipt = await client.get(response.headers["location"])
    assert receipt.status_code == 200 and v1.sha256 in receipt.text


async def test_markdown_is_rendered_without_raw_html() -> None:
    from market.conduct.markdown import render_markdown

    html = str(render_markdown("# Titel\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"))
    assert "<script" not in html and 'href="javascript' not in html
    assert "<h2>Titel</h2>" in html
