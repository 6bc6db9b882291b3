"""A new user's pass through the pages: words a Danish reader would otherwise see in English."""

from __future__ import annotations

import datetime as dt

from market import clock
from tests import (
    factories,
    factories_bids,
    factories_conduct,
    factories_shortlists,
    factories_tasks,
)
from tests import factories_competencies as fc


async def test_working_languages_are_named_in_the_page_language(client) -> None:
    await fc.taxonomy()
    _vendor, admin = await fc.vendor()
    await factories.login(client, admin)
    danish = (await client.get("/vendor/profile")).text
    assert '<label class="form-label" for="language-en">Engelsk</label>' in danish
    english = (await client.get("/vendor/profile?lang=en")).text
    assert '<label class="form-label" for="language-en">English</label>' in english
    assert '<label class="form-label" for="language-da">Danish</label>' in english


async def test_the_taxonomy_edit_page_opens_from_the_taxonomy_list(client) -> None:
    await fc.taxonomy()
    await factories.login(client, await factories.user("secretariat"))
    page = await client.get("/secretariat/taxonomy/edit?code=72212000")
    assert page.status_code == 200
    assert 'name="label_da"' in page.text


async def test_the_audit_log_names_actions_and_object_types_in_danish(client) -> None:
    secretary = await factories.user("secretariat")
    await factories.login(client, secretary)
    page = (await client.get("/secretariat/audit")).text
    assert "Logget ind" in page  # login.succeeded, with its code beside it
    assert '<option value="user">Bruger</option>' in page
    assert "Bruger " + str(secretary.id) in page
    assert 'href="/bids/' not in page  # the secretariat cannot open bids


async def test_a_bid_page_shows_its_delivery_date_and_attachment_size_in_danish(client) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    token = factories.csrf_from((await client.get(f"/tasks/{scene.task.id}/bid")).text)
    values = {k: str(v) for k, v in factories_bids.bid_body().items() if k != "team"}
    values.update(delivery_date="2027-01-31", action="submit", csrf_token=token)
    pdf = b"%PDF-1.4\n" + b"0" * 2_400 + b"\n%%EOF\n"
    answer = await client.post(
        f"/tasks/{scene.task.id}/bid",
        data=values,
        files={"attachments": ("plan.pdf", pdf, "application/pdf")},
    )
    assert answer.status_code == 303, answer.text[:300]
    page = (await client.get(answer.headers["location"])).text
    assert "31-01-2027" in page and "2027-01-31</dd>" not in page
    assert "(2,4 kB)" in page


async def test_danish_pages_call_the_market_partnermarkedet(client) -> None:
    page = (await client.get("/statistics")).text
    assert "Partnermarkedet" in page and "Partner Market" not in page
    assert "Partner Market" in (await client.get("/statistics?lang=en")).text
    await client.get("/?lang=da")
    for path in ("/cookies", "/tilgaengelighed"):
        legal = (await client.get(path)).text
        assert "Partnermarkedet" in legal and "Partner Market" not in legal, path


async def test_the_criteria_hint_gives_its_example_in_the_page_language(client) -> None:
    coordinator, solution = await factories_tasks.coordinator_of()
    await factories.login(client, coordinator)
    danish = (await client.get(f"/tasks/new?solution_id={solution.id}")).text
    assert "fx pris: 40." in danish and "price: 40" not in danish
    english = (await client.get(f"/tasks/new?solution_id={solution.id}&lang=en")).text
    assert "e.g. price: 40." in english


async def test_the_shortlist_settings_use_a_decimal_comma_in_danish(client, run_jobs) -> None:
    await factories_shortlists.pool()
    coordinator, solution = await factories_tasks.coordinator_of()
    task = await factories_tasks.task(coordinator, solution, publish=True)
    await run_jobs()
    await factories.login(client, coordinator)
    page = (await client.get(f"/tasks/{task.id}/shortlist")).text
    share = page.split('id="fair-share">', 1)[1].split("<", 1)[0]
    assert "," in share and "." not in share, share


async def test_an_earlier_bid_deadline_is_refused_with_the_deadline_written_in_danish(
    client,
) -> None:
    coordinator, solution = await factories_tasks.coordinator_of()
    task = await factories_tasks.task(coordinator, solution, publish=True)
    await factories.login(client, coordinator)
    edit = (await client.get(f"/tasks/{task.id}/edit")).text
    earlier = clock.to_local(task.bid_deadline - dt.timedelta(days=1))
    answer = await client.post(
        f"/tasks/{task.id}/edit",
        data={
            "csrf_token": factories.csrf_from(edit),
            "bid_deadline": earlier.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert answer.status_code == 409, answer.status_code
    now = clock.to_local(task.bid_deadline).strftime("%d-%m-%Y %H:%M")
    assert f"Tilbudsfristen for en offentliggjort opgave kan kun rykkes senere (nu {now})" in (
        answer.text
    )


async def test_the_award_confirmation_names_the_company_that_wins(client) -> None:
    scene = await factories_bids.scene()
    mine = await factories_bids.place_bid(client, scene.admin, scene.task, price_dkk=80000)
    await factories_bids.place_bid(client, scene.other_admin, scene.task, price_dkk=90000)
    factories_bids.pass_deadline(scene.task)
    await factories.login(client, scene.coordinator)
    url = f"/tasks/{scene.task.id}/declaration"
    await factories.post_form(
        client, url, {"declaration": "none"}, csrf_page=f"/tasks/{scene.task.id}/evaluation"
    )
    asked = await factories.post_form(
        client,
        f"/tasks/{scene.task.id}/award",
        {"bid_id": str(mine["id"]), "justification": "Lavest pris."},
        csrf_page=f"/tasks/{scene.task.id}/evaluation",
    )
    assert asked.status_code == 200, asked.status_code
    assert "Vindende bud" in asked.text and scene.vendor.name in asked.text
    assert scene.other_vendor.name not in asked.text


async def test_the_conduct_preview_writes_its_date_the_danish_way(client) -> None:
    await factories.login(client, await factories.user("secretariat"))
    url = "/secretariat/conduct/versions"
    form = {
        "version": "8",
        "title": "Adfærdskodeks 8",
        "text": "# Tekst",
        "effective_from": "2099-01-31",
        "grace_days": "30",
    }
    asked = await factories.post_form(client, url, form, csrf_page=url)
    assert "31-01-2099" in asked.text and "2099-01-31</" not in asked.text
    assert "af adfærdskodekset?" in asked.text


async def test_approving_an_erasure_asks_first_naming_the_person(client) -> None:
    person = await factories.user("municipality")
    await factories.login(client, person)
    await factories.post_form(
        client, "/account/privacy/erasure", {"reason": "farvel"}, csrf_page="/account/privacy"
    )
    request = (await person.erasure_requests.all())[0]
    await factories.login(client, await factories.user("secretariat"))
    desk = (await client.get("/secretariat/privacy")).text
    assert f'Godkend og slet<span class="sr-only"> {person.name}</span>' in desk
    url = f"/secretariat/privacy/erasure-requests/{request.id}/approve"
    asked = await factories.post_form(client, url, {}, csrf_page="/secretariat/privacy")
    assert asked.status_code == 200
    assert f"Slette {person.name}?" in asked.text and person.email in asked.text
    await person.refresh_from_db()
    assert person.is_active  # nothing is erased before the confirmation
    done = await factories.post_form(
        client, url, {"confirmed": "yes"}, csrf_page="/secretariat/privacy"
    )
    assert done.status_code == 303
    await person.refresh_from_db()
    assert not person.is_active


async def test_the_change_log_names_fields_and_dates_in_the_page_language(client) -> None:
    coordinator, solution = await factories_tasks.coordinator_of()
    task = await factories_tasks.task(coordinator, solution, publish=True)
    headers = await factories.bearer(client, coordinator)
    later = clock.to_local(task.bid_deadline) + dt.timedelta(days=2)
    moved = await client.put(
        f"/api/v1/tasks/{task.id}", json={"bid_deadline": later.isoformat()}, headers=headers
    )
    assert moved.status_code == 200, moved.text[:300]
    await factories.login(client, coordinator)
    page = (await client.get(f"/tasks/{task.id}")).text
    log = page.split("Ændringslog", 1)[1]
    assert "<td>Tilbudsfrist</td>" in log and "bid_deadline" not in log
    assert f"<td>{later.strftime('%d-%m-%Y %H:%M')}</td>" in log


async def test_my_company_links_its_public_page_by_the_company_name(client) -> None:
    vendor, admin = await factories_conduct.active_vendor()
    await factories.login(client, admin)
    page = (await client.get("/my-company")).text
    assert f'<a href="/vendors/{vendor.id}">{vendor.name}</a>' in page
