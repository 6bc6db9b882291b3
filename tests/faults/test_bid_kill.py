"""The web process killed in the middle of bid submissions: every bid is either fully there
(its row, its revision, its receipt hash, its audit event) or not there at all."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import signal

import httpx
import pytest

from market.demo import DEMO_PASSWORD

pytestmark = pytest.mark.slow

VENDOR = "aarhus-kodevaerksted@demo-vendor.dk"
COORDINATOR = "koordinator@demo.os2.dk"


async def _token(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def _open_task(client: httpx.AsyncClient, coordinator: dict[str, str]) -> int:
    solutions = (await client.get("/api/v1/solutions")).json()["items"]
    solution = next(s for s in solutions if s["name"] == "OS2kitos")
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    task = await client.post(
        "/api/v1/tasks",
        headers=coordinator,
        json={
            "solution_id": solution["id"],
            "title": "Kill test",
            "description": "Python export",
            "required": ["72212000"],
            "estimate_hours": 10,
            "budget_dkk": 100000,
            "bid_deadline": deadline.isoformat(),
            "delivery_date": (deadline + dt.timedelta(days=60)).date().isoformat(),
            "funding": [{"municipality": "Syddjurs", "amount_dkk": 100000}],
        },
    )
    task.raise_for_status()
    task_id = int(task.json()["id"])
    (await client.post(f"/api/v1/tasks/{task_id}/publish", headers=coordinator)).raise_for_status()
    return task_id


async def test_a_killed_web_process_leaves_every_bid_whole(deployment_factory) -> None:
    app = deployment_factory("")
    app.env.pop("REDIS_URL", None)
    await asyncio.to_thread(app.prepare)
    server = await asyncio.to_thread(app.serve)
    async with httpx.AsyncClient(base_url=app.base_url, timeout=10) as client:
        vendor = await _token(client, VENDOR)
        task_id = await _open_task(client, await _token(client, COORDINATOR))
        body = {
            "price_dkk": 50000,
            "hours": 10,
            "approach": "v0",
            "delivery_date": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
        }
        first = await client.post(f"/api/v1/tasks/{task_id}/bids", headers=vendor, json=body)
        assert first.status_code == 201
        bid_id = first.json()["id"]

        async def revise(n: int) -> None:
            payload = {**body, "price_dkk": 50000 + n, "approach": f"v{n}"}
            with contextlib.suppress(httpx.TransportError):  # the server died under it
                await client.put(f"/api/v1/bids/{bid_id}", headers=vendor, json=payload)

        storm = [asyncio.create_task(revise(n)) for n in range(1, 200)]
        await asyncio.sleep(0.5)
        server.send_signal(signal.SIGKILL)  # no shutdown, no cleanup, mid-transaction
        server.wait()
        await asyncio.gather(*storm)

    app.serve()  # the same database, opened again after the crash
    (count, latest, submitted, sha, price) = app.query(
        "SELECT revisions_count, latest_revision_id, submitted_revision_id, submitted_sha256,"
        f" price_dkk FROM bid WHERE id = {bid_id}"
    )[0]
    revisions = app.query(
        f"SELECT id, number, sha256, content FROM bid_revision WHERE bid_id = {bid_id}"
        " ORDER BY number"
    )
    assert 1 <= len(revisions) < 200
    assert [r[1] for r in revisions] == list(range(1, len(revisions) + 1)), "no gap, no half"
    assert count == len(revisions) and latest == revisions[-1][0]
    kept = next(r for r in revisions if r[0] == submitted)
    assert kept[2] == sha and json.loads(str(kept[3]))["price_dkk"] == price
    audited = app.query(
        f"SELECT COUNT(*) FROM audit_event WHERE object_type = 'bid' AND object_id = '{bid_id}'"
    )[0][0]
    assert audited == len(revisions), "every revision has its audit event, and no more"
    async with httpx.AsyncClient(base_url=app.base_url, timeout=10) as client:
        vendor = await _token(client, VENDOR)
        answer = await client.get(f"/api/v1/bids/{bid_id}", headers=vendor)
        assert answer.status_code == 200 and answer.json()["price_dkk"] == price
