"""Bidding without losing work: a file over the limit brings the form back with everything
typed and a message naming the file; bidding again after a withdrawal starts from the last
version (price, texts, team and attachments)."""

from __future__ import annotations

from market.bids.models import Bid, BidRevision
from tests import factories, factories_bids

BIG = b"%PDF-1.4\n" + b"0" * 10_500_000 + b"\n%%EOF\n"


async def _form_post(client, task_id: int, values: dict, files=None):
    token = factories.csrf_from((await client.get(f"/tasks/{task_id}/bid")).text)
    return await client.post(
        f"/tasks/{task_id}/bid", data={"csrf_token": token, **values}, files=files
    )


def _values(**overrides: str) -> dict[str, str]:
    body = factories_bids.bid_body()
    values = {k: str(v) for k, v in body.items() if k != "team"}
    values.update(team="Anne Udvikler: udvikler", action="submit", **overrides)
    return values


async def test_a_file_over_the_limit_brings_the_form_back_with_everything_typed(client) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    values = _values(approach="Vi bygger & tester <grundigt>.")
    answer = await _form_post(
        client,
        scene.task.id,
        values,
        files={"attachments": ("stor plan.pdf", BIG, "application/pdf")},
    )
    assert answer.status_code == 422, answer.text[:300]
    assert "stor plan.pdf er større end 10 MB." in answer.text
    assert 'value="85000"' in answer.text and "Anne Udvikler: udvikler" in answer.text
    assert "Vi bygger &amp; tester &lt;grundigt&gt;." in answer.text
    assert 'data-max-bytes="10000000"' in answer.text  # the page checks before sending
    assert not await Bid.exists(task_id=scene.task.id)

    await client.get("/?lang=en")
    english = await _form_post(
        client,
        scene.task.id,
        values,
        files={"attachments": ("stor plan.pdf", BIG, "application/pdf")},
    )
    assert english.status_code == 422
    assert "stor plan.pdf is larger than 10 MB." in english.text


async def test_a_body_far_over_the_limit_gets_a_message_in_the_readers_language(client) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    huge = b"%PDF-1.4\n" + b"0" * 31_000_000
    answer = await _form_post(
        client,
        scene.task.id,
        _values(),
        files={"attachments": ("kæmpe.pdf", huge, "application/pdf")},
    )
    assert answer.status_code == 413
    assert "De sendte filer er for store: højst 10 MB pr. fil." in answer.text


async def test_bidding_again_after_withdrawing_starts_from_the_last_version(client) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    first = await _form_post(
        client,
        scene.task.id,
        _values(price_dkk="91000", approach="Første udgave af tilgangen."),
        files={"attachments": ("plan.pdf", factories_bids.PDF, "application/pdf")},
    )
    assert first.status_code == 303, first.text[:300]
    bid_id = int(first.headers["location"].rsplit("/", 1)[1])
    withdrawn = await factories.post_form(
        client, f"/bids/{bid_id}/withdraw", {"confirmed": "yes"}, csrf_page=f"/bids/{bid_id}"
    )
    assert withdrawn.status_code == 303

    form = (await client.get(f"/tasks/{scene.task.id}/bid")).text
    assert 'value="91000"' in form and "Første udgave af tilgangen." in form
    assert "Anne Udvikler: udvikler" in form and "plan.pdf" in form

    again = await _form_post(client, scene.task.id, _values(price_dkk="91000"))
    assert again.status_code == 303, again.text[:300]
    bid = await Bid.get(id=bid_id)
    assert bid.withdrawn_at is None
    revision = await BidRevision.get(id=bid.latest_revision_id)
    assert revision.content["price_dkk"] == 91000
    assert [a["name"] for a in revision.content["attachments"]] == ["plan.pdf"]


async def test_my_bids_shows_what_came_of_each_bid(client) -> None:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task)
    await factories_bids.place_bid(client, scene.other_admin, scene.task)
    headers = await factories.bearer(client, scene.coordinator)
    await factories.login(client, scene.admin)
    assert "Ikke afgjort endnu" in (await client.get("/my-bids")).text
    factories_bids.pass_deadline(scene.task)
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    awarded = await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": mine["id"], "justification": "Bedste tilgang."},
        headers=headers,
    )
    assert awarded.status_code == 201, awarded.text
    await factories.login(client, scene.admin)
    assert "<strong>Vundet</strong>" in (await client.get("/my-bids")).text
    await factories.login(client, scene.other_admin)
    assert "Not won" in (await client.get("/my-bids?lang=en")).text


async def test_the_delivery_form_preselects_nothing(client) -> None:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task)
    headers = await factories.bearer(client, scene.coordinator)
    factories_bids.pass_deadline(scene.task)
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": mine["id"], "justification": "Eneste bud."},
        headers=headers,
    )
    await factories.login(client, scene.coordinator)
    url = f"/tasks/{scene.task.id}"
    page = (await client.get(f"{url}/evaluation")).text
    form = page.split(f'action="{url}/delivery"')[1].split("</form>")[0]
    assert "checked" not in form and "selected" not in form
    missing = await factories.post_form(
        client, f"{url}/delivery", {"quality": ""}, csrf_page=f"{url}/evaluation"
    )
    assert missing.status_code == 422
    assert "Vælg ja eller nej." in missing.text and "Vælg kvaliteten fra 1 til 5." in missing.text


async def test_negative_hours_are_told_to_be_positive(client) -> None:
    scene = await factories_bids.scene()
    headers = await factories.bearer(client, scene.coordinator)
    await factories.login(client, scene.admin)
    answer = await _form_post(client, scene.task.id, _values(hours="-5"))
    assert answer.status_code == 422 and "Skal være positivt." in answer.text
    assert 'value="-5"' in answer.text
    client.cookies.clear()
    api = await client.put(
        f"/api/v1/tasks/{scene.task.id}?lang=en", json={"estimate_hours": -5}, headers=headers
    )
    assert api.status_code == 422 and api.json()["fields"]["estimate_hours"] == "Must be positive."
