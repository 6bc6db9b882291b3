"""Evaluation, award, outcome e-mails and delivery."""

from __future__ import annotations

from typing import Any

from market.bids import deliveries
from market.mail.models import OutboxMessage
from market.tasks.models import Task
from tests import factories, factories_bids


async def _evaluated(client: Any) -> tuple[factories_bids.Scene, dict, dict, dict]:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task, price_dkk=80000)
    theirs = await factories_bids.place_bid(client, scene.other_admin, scene.task, price_dkk=100000)
    headers = await factories.bearer(client, scene.coordinator)
    factories_bids.pass_deadline(scene.task)
    declared = await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    assert declared.status_code == 201, declared.text
    return scene, mine, theirs, headers


async def test_scores_are_refused_before_the_deadline_and_with_a_declared_conflict(
    client,
) -> None:
    scene = await factories_bids.scene()
    bid = await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.coordinator)
    body = {"bid_id": bid["id"], "scores": {"quality of approach": 8}}
    early = await client.put(
        f"/api/v1/tasks/{scene.task.id}/scores?lang=en", json=body, headers=headers
    )
    assert early.status_code == 409 and "sealed" in early.json()["message"]
    factories_bids.pass_deadline(scene.task)
    undeclared = await client.put(
        f"/api/v1/tasks/{scene.task.id}/scores?lang=en", json=body, headers=headers
    )
    assert undeclared.status_code == 403 and "Declare" in undeclared.json()["message"]
    conflict = await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration",
        json={"conflict_vendor_ids": [scene.vendor.id]},
        headers=headers,
    )
    assert conflict.status_code == 201
    again = await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    assert again.status_code == 409  # a declaration is made once
    refused = await client.put(
        f"/api/v1/tasks/{scene.task.id}/scores?lang=en", json=body, headers=headers
    )
    assert refused.status_code == 403
    assert "conflict of interest" in refused.json()["message"]
    listing = await client.get(f"/api/v1/tasks/{scene.task.id}/bids", headers=headers)
    assert listing.status_code == 403


async def test_scores_totals_and_ranking(client) -> None:
    scene, mine, theirs, headers = await _evaluated(client)
    url = f"/api/v1/tasks/{scene.task.id}/scores"
    bad = await client.put(
        url,
        json={"bid_id": mine["id"], "scores": {"charm": 5, "quality of approach": 11}},
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"scores.charm", "scores.quality of approach"}
    for bid, quality, time in ((mine, 6, 5), (theirs, 9, 10)):
        ok = await client.put(
            url,
            json={
                "bid_id": bid["id"],
                "scores": {"quality of approach": quality, "delivery time": time},
            },
            headers=headers,
        )
        assert ok.status_code == 200, ok.text
    # a panel member scores too: scores are averaged over the evaluators
    member = await factories.user("municipality")
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/panel", json={"email": member.email}, headers=headers
    )
    member_headers = await factories.bearer(client, member)
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration",
        json={"no_conflict": True},
        headers=member_headers,
    )
    await client.put(
        url,
        json={"bid_id": mine["id"], "scores": {"quality of approach": 8}},
        headers=member_headers,
    )
    result = (await client.get(f"/api/v1/tasks/{scene.task.id}/evaluation", headers=headers)).json()
    first, second = result["items"]
    assert first["bid_id"] == theirs["id"] and first["rank"] == 1
    assert first["scores"]["price"] == 8.0  # 80000 / 100000 * 10
    assert second["scores"]["price"] == 10.0 and second["scores"]["quality of approach"] == 7.0
    assert second["total"] == round(10 * 0.4 + 7 * 0.4 + 5 * 0.2, 2)
    assert first["total"] == round(8 * 0.4 + 9 * 0.4 + 10 * 0.2, 2)
    await factories.login(client, scene.coordinator)
    xlsx = await client.get(f"/tasks/{scene.task.id}/evaluation.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = await client.get(f"/tasks/{scene.task.id}/evaluation.csv")
    assert csv.status_code == 200 and "80000" in csv.text and "100000" in csv.text


async def test_award_rules_and_one_outcome_mail_per_bidder_even_if_the_job_runs_twice(
    client,
    run_jobs,
) -> None:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task)
    theirs = await factories_bids.place_bid(client, scene.other_admin, scene.task)
    headers = await factories.bearer(client, scene.coordinator)
    url = f"/api/v1/tasks/{scene.task.id}/award?lang=en"
    early = await client.post(
        url, json={"bid_id": mine["id"], "justification": "Best"}, headers=headers
    )
    assert early.status_code == 409 and "before the bid deadline" in early.json()["message"]
    vendor_headers = await factories.bearer(client, scene.other_admin)
    await client.delete(f"/api/v1/bids/{theirs['id']}", headers=vendor_headers)
    factories_bids.pass_deadline(scene.task)
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    missing = await client.post(
        url, json={"bid_id": mine["id"], "justification": " "}, headers=headers
    )
    assert missing.status_code == 422 and "justification" in missing.json()["fields"]
    withdrawn = await client.post(
        url, json={"bid_id": theirs["id"], "justification": "Cheap"}, headers=headers
    )
    assert withdrawn.status_code == 409 and "withdrawn" in withdrawn.json()["message"]
    awarded = await client.post(
        url, json={"bid_id": mine["id"], "justification": "Den bedste tilgang."}, headers=headers
    )
    assert awarded.status_code == 201, awarded.text
    assert (await Task.get(id=scene.task.id)).status == "awarded"
    again = await client.post(
        url, json={"bid_id": mine["id"], "justification": "x"}, headers=headers
    )
    assert again.status_code == 409
    await run_jobs()
    from market import jobs

    await jobs.enqueue("notify_award", scene.task.id)  # the job runs a second time
    await run_jobs()
    mails = await OutboxMessage.filter(idempotency_key__startswith=f"award:{scene.task.id}:")
    assert [m.idempotency_key for m in mails] == [f"award:{scene.task.id}:{mine['id']}"]
    assert mails[0].to_email == scene.vendor.email and "Den bedste tilgang." in mails[0].body_text
    await factories.login(client, scene.admin)
    page = await client.get(f"/bids/{mine['id']}")
    assert "Den bedste tilgang." in page.text and 'id="bid-outcome"' in page.text


async def test_unsuccessful_bidders_read_the_justification_and_both_score_sets(
    client,
    run_jobs,
) -> None:
    scene, mine, theirs, headers = await _evaluated(client)
    await client.put(
        f"/api/v1/tasks/{scene.task.id}/scores",
        json={"bid_id": theirs["id"], "scores": {"quality of approach": 9, "delivery time": 9}},
        headers=headers,
    )
    awarded = await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": theirs["id"], "justification": "Stærkeste løsningsbeskrivelse."},
        headers=headers,
    )
    assert awarded.status_code == 201
    await run_jobs()
    mail = await OutboxMessage.get(idempotency_key=f"award:{scene.task.id}:{mine['id']}")
    assert scene.other_vendor.name in mail.body_text
    assert "Stærkeste løsningsbeskrivelse." in mail.body_text
    await factories.login(client, scene.admin)
    page = await client.get(f"/bids/{mine['id']}")
    assert scene.other_vendor.name in page.text and "Stærkeste" in page.text
    assert "8.0" in page.text or "8,0" in page.text  # the winner's price score


async def test_delivery_closes_the_task_feeds_history_and_the_vendor_sees_it(
    client, run_jobs
) -> None:
    scene, mine, _theirs, headers = await _evaluated(client)
    url = f"/api/v1/tasks/{scene.task.id}/delivery"
    early = await client.post(
        url, json={"accepted": True, "quality": 4, "on_time": True, "comment": ""}, headers=headers
    )
    assert early.status_code == 409
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": mine["id"], "justification": "Lavest pris."},
        headers=headers,
    )
    await run_jobs()  # the outcome e-mails
    bad = await client.post(url, json={"accepted": "yes", "quality": 9}, headers=headers)
    assert bad.status_code == 422 and {"accepted", "quality", "on_time"} <= set(
        bad.json()["fields"]
    )
    done = await client.post(
        url,
        json={"accepted": True, "quality": 4, "on_time": False, "comment": "Fin kode."},
        headers=headers,
    )
    assert done.status_code == 201, done.text
    assert (await Task.get(id=scene.task.id)).status == "delivered"
    history = await deliveries.delivery_history([scene.vendor.id, scene.other_vendor.id])
    assert history[scene.other_vendor.id] == []
    quality, on_time, text, codes = history[scene.vendor.id][0]
    assert (quality, on_time) == (4, False) and scene.task.title in text
    assert "tech:python" in codes
    await factories.login(client, scene.admin)
    page = await client.get(f"/bids/{mine['id']}")
    assert 'id="delivery-rating"' in page.text and "Fin kode." in page.text


async def test_the_evaluation_page_walks_declaration_scores_award_and_delivery(
    client, run_jobs
) -> None:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task)
    factories_bids.pass_deadline(scene.task)
    await factories.login(client, scene.coordinator)
    url = f"/tasks/{scene.task.id}"
    page = await client.get(f"{url}/evaluation")
    assert page.status_code == 200 and 'id="ranking"' not in page.text
    token = factories.csrf_from(page.text)
    steps = [
        ("declaration", {"declaration": "none", "no_conflict": "1"}),
        (
            "scores",
            {
                "bid_id": str(mine["id"]),
                "score:quality of approach": "7",
                "score:delivery time": "6",
            },
        ),
        (
            "award",
            {"bid_id": str(mine["id"]), "justification": "Eneste bud, godt.", "confirmed": "yes"},
        ),
        (
            "delivery",
            {"accepted": "1", "on_time": "1", "quality": "5", "comment": "", "confirmed": "yes"},
        ),
    ]
    for action, data in steps:
        response = await client.post(f"{url}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 303, (action, response.text)
        await run_jobs()
    final = await client.get(f"{url}/evaluation")
    assert 'id="delivery-state"' in final.text
    assert (await Task.get(id=scene.task.id)).status == "delivered"
