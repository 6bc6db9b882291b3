"""What a black-box client of the JSON API relies on, found missing when driving the served app:
every error has the contract's three keys, the OCDS feed shows a change as soon as it is made,
and an erased person's address does not come back into the audit log by a failed sign-in."""

from __future__ import annotations

from market.audit.models import AuditEvent
from tests import factories, factories_bids, factories_conduct
from tests import factories_tasks as ft

JSON = "application/json"


async def test_every_error_answers_error_message_and_fields(client) -> None:
    user = await factories.user("vendor_admin")
    headers = await factories.bearer(client, user)
    answers = [
        await client.get("/api/v1/me"),  # 401
        await client.get("/api/v1/signatures", headers=headers),  # 403
        await client.get("/api/v1/vendors/999999"),  # 404
        await client.get("/api/v1/no-such-endpoint"),  # 404 of the router
        await client.patch("/api/v1/vendors"),  # 405
        await client.post(  # 400
            "/api/v1/auth/token", content=b'{"email": ', headers={"Content-Type": JSON}
        ),
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 404, 405, 400]
    for answer in answers:
        body = answer.json()
        assert set(body) >= {"error", "message", "fields"}, answer.text
        assert body["fields"] == {} and body["message"]


async def test_a_published_then_awarded_task_is_in_the_ocds_feed_without_waiting_for_a_sweep(
    client, run_jobs, settings
) -> None:
    user, solution = await ft.coordinator_of()
    coordinator = await factories.bearer(client, user)
    created = await client.post(
        "/api/v1/tasks", json=ft.task_body(solution.id), headers=coordinator
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    published = await client.post(f"/api/v1/tasks/{task_id}/publish", headers=coordinator)
    assert published.status_code == 200, published.text
    await run_jobs()  # what the app's own runner does right after the commit
    ocid = f"{settings.ocds_ocid_prefix}-{task_id}"
    package = (await client.get("/api/v1/ocds/releases")).json()
    assert [r["tag"] for r in package["releases"] if r["ocid"] == ocid] == [["tender"]]

    cancelled = await client.post(f"/api/v1/tasks/{task_id}/cancel", json={}, headers=coordinator)
    assert cancelled.status_code == 200, cancelled.text
    await run_jobs()
    package = (await client.get("/api/v1/ocds/releases")).json()
    tags = [r["tag"] for r in package["releases"] if r["ocid"] == ocid]
    assert len(tags) == 2 and tags[0] == ["tender"], tags


async def test_an_award_reaches_the_ocds_feed_at_once(client, run_jobs, settings) -> None:
    scene = await factories_bids.scene(hours=1)
    bid = await factories_bids.place_bid(client, scene.admin, scene.task)
    factories_bids.pass_deadline(scene.task)
    coordinator = await factories.bearer(client, scene.coordinator)
    declared = await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration",
        json={"no_conflict": True},
        headers=coordinator,
    )
    assert declared.status_code == 201, declared.text
    awarded = await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": bid["id"], "justification": "Bedste tilbud."},
        headers=coordinator,
    )
    assert awarded.status_code == 201, awarded.text
    await run_jobs()
    ocid = f"{settings.ocds_ocid_prefix}-{scene.task.id}"
    package = (await client.get("/api/v1/ocds/releases")).json()
    assert ["award"] in [r["tag"] for r in package["releases"] if r["ocid"] == ocid]


async def test_a_failed_sign_in_with_an_unknown_address_is_logged_masked(client) -> None:
    known = await factories.user("municipality")
    for email in (known.email, "gone.person@example.dk"):
        answer = await client.post(
            "/api/v1/auth/token", json={"email": email, "password": "forkert-kodeord"}
        )
        assert answer.status_code == 401
    notes = await AuditEvent.filter(action="login.failed").values_list("note", flat=True)
    assert known.email in notes  # an account's own address (scrubbed if it is ever erased)
    assert "g…@example.dk" in notes
    assert not any("gone.person" in str(note) for note in notes)


async def test_the_author_municipality_adds_its_pledge_to_its_own_wish(client) -> None:
    solution = await ft.solution()
    author = await factories.user("municipality")
    headers = await factories.bearer(client, author)
    created = await client.post(
        "/api/v1/wishes",
        headers=headers,
        json={"solution_id": solution.id, "title": "Eksport til Excel", "description": "Tak"},
    )
    assert created.status_code == 201, created.text
    wish_id = created.json()["id"]
    pledged = await client.post(
        f"/api/v1/wishes/{wish_id}/support", json={"pledge_dkk": 40000}, headers=headers
    )
    assert pledged.status_code == 201, pledged.text
    assert pledged.json()["pledge_dkk"] == 40000
    again = await client.post(f"/api/v1/wishes/{wish_id}/support", json={}, headers=headers)
    assert again.status_code == 409  # supporting twice is still a conflict
    wish = (await client.get(f"/api/v1/wishes/{wish_id}")).json()
    assert wish["supporters"] == 1 and wish["pledged_dkk"] == 40000


async def test_many_users_behind_one_address_each_get_their_tokens(client, settings) -> None:
    # More tokens from one address than one account may take: several accounts share it.
    users = [await factories.user("municipality") for _ in range(3)]
    per_user = settings.token_limit
    for user in users:
        for _ in range(per_user):
            answer = await client.post(
                "/api/v1/auth/token", json={"email": user.email, "password": factories.PASSWORD}
            )
            assert answer.status_code == 200, answer.text
    refused = await client.post(
        "/api/v1/auth/token", json={"email": users[0].email, "password": factories.PASSWORD}
    )
    assert refused.status_code == 429  # the per-account limit still holds


async def test_a_signature_is_found_in_the_register_by_its_id(client) -> None:
    vendor, admin = await factories_conduct.vendor()
    version = await factories_conduct.version_1()
    signature_id = await factories_conduct.signed(vendor, admin, version, countersign=False)
    staff = await factories.bearer(client, await factories.user("secretariat"))
    pending = (await client.get("/api/v1/signatures?status=pending", headers=staff)).json()
    assert signature_id in [row["id"] for row in pending["items"]]
