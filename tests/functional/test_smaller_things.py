"""Smaller things new users stumbled on."""

from __future__ import annotations

from market import clock
from tests import factories
from tests import factories_competencies as fc


async def test_a_reference_year_in_the_future_is_refused_and_the_form_kept(client) -> None:
    await fc.taxonomy()
    _vendor, admin = await fc.vendor()
    await factories.login(client, admin)
    form = {
        "profile_text": "Vi bygger kort og sensorløsninger til kommuner. " * 3,
        "hourly_rate_dkk": "1000",
        "capacity_hours_per_month": "150",
        "team_size": "3",
        "working_languages": "da",
        "competencies": "72212000-4 expert",
        "ref-0-title": "Sensornetværk",
        "ref-0-customer": "Vejle Kommune",
        "ref-0-year": str(clock.today().year + 2),
        "ref-0-description": "80 sensorer",
        "ref-0-codes": "",
    }
    refused = await factories.post_form(
        client, "/vendor/profile", form, csrf_page="/vendor/profile"
    )
    assert refused.status_code == 422
    assert "året kan ikke ligge i fremtiden" in refused.text and "Sensornetværk" in refused.text
    form["ref-0-year"] = str(clock.today().year)
    accepted = await factories.post_form(
        client, "/vendor/profile", form, csrf_page="/vendor/profile"
    )
    assert accepted.status_code == 303, accepted.text[:300]


async def test_sending_reminders_says_how_many_went_out(client, run_jobs) -> None:
    from tests import factories_conduct

    await factories_conduct.version_1()
    await factories_conduct.vendor(name="Mangler Underskrift ApS")
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    sent = await factories.post_form(
        client, "/secretariat/conduct/reminders", {}, csrf_page="/secretariat/conduct"
    )
    assert sent.status_code == 303
    page = (await client.get("/secretariat/conduct")).text
    assert "fik en påmindelse på e-mail" in page
    again = await factories.post_form(
        client, "/secretariat/conduct/reminders", {}, csrf_page="/secretariat/conduct"
    )
    assert again.status_code == 303
    assert "Ingen leverandør havde brug for en påmindelse" in (
        await client.get("/secretariat/conduct")
    ).text


async def test_a_wish_shows_the_task_that_fulfils_it(client) -> None:
    from tests import factories_tasks as ft

    coordinator, solution = await ft.coordinator_of()
    wish = await ft.wish(solution)
    task = await ft.task(coordinator, solution, title="Opgaven til ønsket", wish_ids=[wish.id])
    page = (await client.get(f"/wishes/{wish.id}")).text
    assert "Opfyldes af opgaven" in page and f'href="/tasks/{task.id}"' in page


async def test_coordinators_see_who_asked_as_the_vendor_is_told(client) -> None:
    from tests import factories_bids

    scene = await factories_bids.scene()
    headers = await factories.bearer(client, scene.admin)
    asked = await client.post(
        f"/api/v1/tasks/{scene.task.id}/questions",
        json={"text": "Skal eksporten også dække arkiverede kontrakter?"},
        headers=headers,
    )
    assert asked.status_code == 201, asked.text
    await factories.login(client, scene.admin)
    vendor_page = (await client.get(f"/tasks/{scene.task.id}")).text
    assert "kun koordinatorerne ser" in vendor_page  # what the vendor is told
    await factories.login(client, scene.coordinator)
    page = (await client.get(f"/tasks/{scene.task.id}")).text
    assert f"Stillet af {scene.vendor.name}" in page
    client.cookies.clear()
    public = (await client.get(f"/tasks/{scene.task.id}")).text
    assert scene.vendor.name not in public
