"""Personal data: the register, insight (export), erasure with intact hashes, and retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from tortoise import Tortoise

from market import clock, jobs
from market.accounts.models import LoginFailure, Session, User
from market.audit.models import AuditEvent
from market.bids.content import content_hash
from market.bids.models import Bid, BidRevision
from market.conduct.models import ConductVersion, Signature
from market.mail.models import MailStatus, OutboxMessage
from market.privacy import retention
from market.privacy.register import PERIODS, REGISTER, unregistered
from market.vendors.models import Vendor
from tests import factories, factories_bids, factories_conduct


def model_fields() -> dict[str, list[str]]:
    return {
        name: list(model._meta.fields_map)
        for name, model in Tortoise.apps["market"].items()  # type: ignore[attr-defined]
    }


# --- the register ---------------------------------------------------------------------


def test_every_field_that_looks_personal_is_in_the_register() -> None:
    assert unregistered(model_fields()) == []


def test_the_register_check_fails_on_an_unregistered_personal_field() -> None:
    fields = model_fields()
    fields["Vendor"] = [*fields["Vendor"], "phone"]
    fields["Newsletter"] = ["id", "subscriber_email", "ip_address", "topic"]
    assert unregistered(fields) == [
        "Newsletter.ip_address",
        "Newsletter.subscriber_email",
        "Vendor.phone",
    ]


def test_every_registered_field_exists() -> None:
    fields = model_fields()
    for entry in REGISTER:
        if entry.model in ("ImportedCommit", "VendorIdentity") and entry.model not in fields:
            continue  # the contributions package may not be installed in this tree
        assert set(entry.fields) <= set(fields[entry.model]), entry.model


async def test_the_privacy_page_states_the_register_in_both_languages(client) -> None:
    danish = await client.get("/privatliv")
    assert danish.status_code == 200
    assert '<a href="/privatliv">Privatliv</a>' in danish.text  # the footer link
    assert "Fortegnelsen over behandlinger" in danish.text
    for entry in REGISTER:
        assert str(entry.data) in danish.text
    assert "90 dage" in danish.text and "180 dage" in danish.text
    english = await client.get("/privatliv?lang=en")
    assert "IP address and browser of each sign-in session" in english.text
    assert "90 days" in english.text


# --- insight ----------------------------------------------------------------------------


async def test_a_user_downloads_everything_about_them_and_the_export_is_audited(
    client, run_jobs
) -> None:
    scene = await factories_bids.scene()
    await factories_bids.place_bid(client, scene.admin, scene.task)
    await run_jobs()
    headers = await factories.bearer(client, scene.admin)
    response = await client.get("/api/v1/me/data", headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["account"]["email"] == scene.admin.email
    assert data["account"]["name"] == scene.admin.name
    assert [s["signer_name"] for s in data["signatures"]] == [scene.admin.name]
    assert data["bids"][0]["task_id"] == scene.task.id
    assert data["bids"][0]["submitted_sha256"]
    assert data["mails"] and all(m["subject"] for m in data["mails"])
    assert data["api_tokens"] and data["sessions"] == []
    event = await AuditEvent.filter(action="privacy.data_exported").first()
    assert event is not None and event.object_id == str(scene.admin.id)

    await factories.login(client, scene.admin)
    page = await client.get("/account/privacy/data")
    assert page.status_code == 200 and scene.admin.email in page.text
    assert "Underskrifter af adfærdskodekset" in page.text
    download = await client.get("/account/privacy/data.json")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.json()["account"]["id"] == scene.admin.id


async def test_the_secretariat_produces_the_export_for_a_request_by_mail(client) -> None:
    person = await factories.user("municipality")
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/privacy/data", params={"email": person.email.upper()})
    assert page.status_code == 200 and person.email in page.text
    download = await client.get(f"/secretariat/privacy/users/{person.id}/data.json")
    assert download.status_code == 200 and download.json()["account"]["email"] == person.email
    unknown = await client.get("/secretariat/privacy/data", params={"email": "nobody@example.dk"})
    assert unknown.status_code == 422
    assert "Der er ingen bruger med denne e-mailadresse." in unknown.text
    event = await AuditEvent.filter(action="privacy.data_exported", actor_id=secretariat.id).first()
    assert event is not None and event.after == {
        "on_request": True,
        "sections": event.after["sections"],
    }


# --- erasure ----------------------------------------------------------------------------


async def _everything_visible(client, secretariat: User) -> str:
    """Every place a name could show: pages, exports, the API and the audit log."""
    await factories.login(client, secretariat)
    texts = [
        (await client.get(path)).text
        for path in ("/secretariat/audit", "/partners", "/dev/outbox", "/api/v1/signatures")
    ]
    rows = await AuditEvent.all().values("actor_label", "before", "after", "note")
    mails = await OutboxMessage.all().values("to_email", "subject", "body_text", "body_html")
    signatures = await Signature.all().values("signer_name", "address")
    vendors = await Vendor.all().values("email", "contact_name")
    client.cookies.clear()
    return json.dumps([texts, rows, mails, signatures, vendors], default=str, ensure_ascii=False)


async def test_erasure_anonymises_everywhere_and_hashes_still_verify(client, run_jobs) -> None:
    scene = await factories_bids.scene()
    admin = scene.admin
    name, email = admin.name, admin.email
    colleague = await factories.user("vendor_member", organisation=await scene.vendor.organisation)
    team = [{"name": "Bo Udvikler", "role": "udvikler"}, {"name": name, "role": "projektleder"}]
    bid = await factories_bids.place_bid(client, admin, scene.task, team=team)
    await run_jobs()
    secretariat = await factories.user("secretariat")
    counts_before = (
        await Bid.all().count(),
        await Signature.all().count(),
        await User.all().count(),
    )
    assert name in await _everything_visible(client, secretariat)

    headers = await factories.bearer(client, admin)
    refused = await client.post("/api/v1/me/erasure", json={}, headers=headers)
    assert refused.status_code == 422 and "successor_email" in refused.json()["fields"]
    asked = await client.post(
        "/api/v1/me/erasure",
        json={"reason": "Jeg er stoppet", "successor_email": colleague.email},
        headers=headers,
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "pending"
    again = await client.post("/api/v1/me/erasure", json={}, headers=headers)
    assert again.status_code == 409

    as_vendor = await client.post(f"/api/v1/erasure-requests/{request_id}/approve", headers=headers)
    assert as_vendor.status_code == 403
    staff = await factories.bearer(client, secretariat)
    done = await client.post(f"/api/v1/erasure-requests/{request_id}/approve", headers=staff)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    twice = await client.post(f"/api/v1/erasure-requests/{request_id}/approve", headers=staff)
    assert twice.status_code == 409

    # The token is dead.
    assert (await client.get("/api/v1/me/data", headers=headers)).status_code == 401
    # The successor administers the vendor now.
    await colleague.refresh_from_db()
    assert colleague.has_role("vendor_admin")
    # Name and e-mail appear nowhere; the pseudonym does.
    visible = await _everything_visible(client, secretariat)
    for needle in (name, email):
        found = [m.start() for m in re.finditer(re.escape(needle), visible)]
        assert not found, [visible[max(0, i - 150) : i + 80] for i in found]
    assert f"Slettet bruger {admin.id}" in visible
    # Nobody can sign in with the old address or the pseudonym.
    for address in (email, f"slettet-bruger-{admin.id}@slettet.invalid"):
        login = await client.post(
            "/api/v1/auth/token", json={"email": address, "password": factories.PASSWORD}
        )
        assert login.status_code == 401
    await factories.login(client, secretariat)
    english = await client.get("/secretariat/audit?lang=en")
    assert f"Deleted user {admin.id}" in english.text
    # Records keep their integrity: same counts, hashes still verify.
    counts_after = (
        await Bid.all().count(),
        await Signature.all().count(),
        await User.all().count(),
    )
    assert counts_after == counts_before
    row = await Bid.get(id=bid["id"])
    revision = await BidRevision.get(id=row.submitted_revision_id)
    assert (
        row.submitted_sha256 == revision.sha256 == content_hash(revision.content) == bid["sha256"]
    )
    signature = await Signature.get(user_id=admin.id)
    version = await ConductVersion.get(id=signature.version_id)
    assert signature.sha256 == version.sha256
    assert hashlib.sha256(version.text.encode("utf-8")).hexdigest() == signature.sha256
    assert signature.signer_name == f"Slettet bruger {admin.id}"
    # The bid keeps the name inside its hashed content; pages and the API show the pseudonym.
    assert revision.content["team"][1]["name"] == name
    client.cookies.clear()
    as_colleague = await factories.bearer(client, colleague)
    shown = (await client.get(f"/api/v1/bids/{bid['id']}", headers=as_colleague)).json()
    assert shown["sha256"] == revision.sha256
    assert [m["name"] for m in shown["team"]] == ["Bo Udvikler", f"Slettet bruger {admin.id}"]
    assert name not in json.dumps(row.team, ensure_ascii=False)


async def test_a_last_admin_may_go_when_the_vendor_closes(client) -> None:
    vendor, admin = await factories_conduct.active_vendor()
    secretariat = await factories.user("secretariat")
    await factories.login(client, admin)
    page = await client.get("/account/privacy")
    assert "Bed om sletning" in page.text
    refused = await factories.post_form(
        client, "/account/privacy/erasure", {"reason": "farvel"}, csrf_page="/account/privacy"
    )
    assert refused.status_code == 422 and "sidste administrator" in refused.text
    assert "farvel" in refused.text  # what was right is kept
    sent = await factories.post_form(
        client, "/account/privacy/erasure", {"close_vendor": "1"}, csrf_page="/account/privacy"
    )
    assert sent.status_code == 303
    await factories.login(client, secretariat)
    desk = await client.get("/secretariat/privacy")
    assert admin.email in desk.text and "lukker leverandøren" in desk.text
    request_id = (await admin.erasure_requests.all())[0].id
    approved = await factories.post_form(
        client,
        f"/secretariat/privacy/erasure-requests/{request_id}/approve",
        {"confirmed": "yes"},
        csrf_page="/secretariat/privacy",
    )
    assert approved.status_code == 303
    await vendor.refresh_from_db()
    assert vendor.suspended_at is not None
    await admin.refresh_from_db()
    assert not admin.is_active and admin.name == f"Slettet bruger {admin.id}"


# --- retention --------------------------------------------------------------------------


async def test_retention_removes_what_is_past_its_period_once_and_the_dry_run_says_so(
    client, settings
) -> None:
    person = await factories.user("municipality")
    await factories.login(client, person)  # a session with an address
    client.cookies.clear()
    guess = {"email": "gaet@example.dk", "password": "wrong"}
    assert (await client.post("/api/v1/auth/token", json=guess)).status_code == 401
    await OutboxMessage.create(
        idempotency_key="privacy-test",
        to_email=person.email,
        subject="Hej",
        body_text=f"Kære {person.name}",
        status=MailStatus.SENT,
    )
    assert {o.key: o.count for o in await retention.plan()}["mail_bodies"] == 0

    clock.shift(dt.timedelta(days=200))
    plan = {o.key: o.count for o in await retention.plan()}
    assert plan["mail_bodies"] == 1
    assert plan["sign_in_history"] >= 2  # the failed sign-in and the session's address
    assert plan["unused_accounts"] == 0
    assert (
        await LoginFailure.filter(email="gaet@example.dk").count() == 1
    )  # a dry run changes nothing

    done = {o.key: o.count for o in await retention.run()}
    assert done == plan
    mail = await OutboxMessage.get(idempotency_key="privacy-test")
    assert mail.body_text == "" and mail.to_email == "" and mail.subject == "Hej"
    assert await LoginFailure.filter(email="gaet@example.dk").count() == 0
    assert not await AuditEvent.filter(note__contains="gaet@example.dk").exists()
    assert await Session.filter(user_id=person.id, address__not="").count() == 0
    again = {o.key: o.count for o in await retention.run()}
    assert set(again.values()) == {0}  # idempotent
    assert await jobs.JOBS["apply_retention"]({"settings": settings}) == 0
    assert any(f is jobs.JOBS["apply_retention"] and m == 24 * 60 for f, m, _ in jobs.PERIODIC)
    assert await AuditEvent.filter(action="privacy.retention_ran").count() == 1


async def test_the_secretariat_sets_the_periods_and_the_job_follows_them(client) -> None:
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    values = {p.key: str(p.default_days) for p in PERIODS}
    wrong = await factories.post_form(
        client,
        "/secretariat/privacy/retention",
        {**values, "mail_bodies": "tre"},
        csrf_page="/secretariat/privacy",
    )
    assert wrong.status_code == 422 and 'value="tre"' in wrong.text
    saved = await factories.post_form(
        client,
        "/secretariat/privacy/retention",
        {**values, "unused_accounts": "10"},
        csrf_page="/secretariat/privacy",
    )
    assert saved.status_code == 303
    assert (await retention.periods())["unused_accounts"] == 10
    idle = await factories.user("municipality")
    clock.shift(dt.timedelta(days=11))
    await factories.login(client, secretariat)
    desk = await client.get("/secretariat/privacy")
    assert "Prøvekørsel" in desk.text
    outcome = {o.key: o for o in await retention.run()}
    assert outcome["unused_accounts"].count >= 1
    await idle.refresh_from_db()
    assert idle.name == f"Slettet bruger {idle.id}" and not idle.is_active


async def test_a_secretariat_member_cannot_approve_their_own_erasure(client) -> None:
    member = await factories.user("secretariat")
    headers = await factories.bearer(client, member)
    asked = await client.post("/api/v1/me/erasure", headers=headers)
    assert asked.status_code == 201, asked.text
    own = await client.post(
        f"/api/v1/erasure-requests/{asked.json()['id']}/approve", headers=headers
    )
    assert own.status_code == 409 and "andet medlem" in own.json()["message"]
    colleague = await factories.bearer(client, await factories.user("secretariat"))
    done = await client.post(
        f"/api/v1/erasure-requests/{asked.json()['id']}/approve", headers=colleague
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"


async def test_the_secretariat_registers_and_approves_an_erasure_asked_for_by_mail(
    client,
) -> None:
    person = await factories.user("municipality")
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/privacy/data", params={"email": person.email})
    assert "Registrér anmodningen om sletning" in page.text
    filed = await factories.post_form(
        client,
        f"/secretariat/privacy/users/{person.id}/erasure",
        {"reason": f"Brev fra {person.name} af 20-11-2026"},
        csrf_page="/secretariat/privacy",
    )
    assert filed.status_code == 303
    [request] = await person.erasure_requests.all()
    assert request.requested_by_id == secretariat.id
    approved = await factories.post_form(
        client,
        f"/secretariat/privacy/erasure-requests/{request.id}/approve",
        {"confirmed": "yes"},
        csrf_page="/secretariat/privacy",
    )
    assert approved.status_code == 303
    desk = await client.get("/secretariat/privacy")
    assert person.email not in desk.text and person.name not in desk.text
    assert f"Slettet bruger {person.id}" in desk.text
