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
    assert (
        "Ingen leverandør havde brug for en påmindelse"
        in (await client.get("/secretariat/conduct")).text
    )


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


async def test_the_partner_register_is_searched_sorted_and_downloaded(client) -> None:
    from tests import factories_conduct

    _small, _a = await factories_conduct.active_vendor(name="Lille Kode ApS", employees=3)
    _large, _b = await factories_conduct.active_vendor(name="Store Systemer A/S", employees=900)
    found = (await client.get("/partners?q=lille")).text
    assert "Lille Kode ApS" in found and "Store Systemer A/S" not in found
    by_size = (await client.get("/partners?sort=large")).text
    assert by_size.index("Store Systemer A/S") < by_size.index("Lille Kode ApS")
    danish = await client.get("/partners.csv?sort=small")
    assert danish.status_code == 200 and danish.headers["content-type"].startswith("text/csv")
    lines = danish.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Virksomhed;CVR-nummer;Størrelse;Adfærdskodeks-version;Underskrevet"
    assert lines[1].startswith("Lille Kode ApS;") and ";v" in lines[1]
    english = await client.get("/partners.csv?lang=en")
    assert english.text.lstrip("\ufeff").startswith("Company,CVR number,Size,")


async def test_registration_reports_a_taken_cvr_and_email_together_keeping_the_rest(
    client,
) -> None:
    from tests.factories_conduct import registration

    first = registration()
    assert (await client.post("/api/v1/vendors", json=first)).status_code == 201
    both = registration(cvr=first["cvr"], email=first["email"])
    answer = await client.post("/api/v1/vendors", json=both)
    assert answer.status_code == 409
    assert set(answer.json()["fields"]) == {"cvr", "email"}
    form = await factories.post_form(
        client,
        "/vendors/register",
        {**both, "employees": str(both["employees"])},
        csrf_page="/vendors/register",
    )
    assert form.status_code == 409
    assert "Dette CVR-nummer er allerede registreret." in form.text
    assert 'href="#field-email"' in form.text and 'href="#field-cvr"' in form.text
    assert f'value="{both["name"]}"' in form.text and both["password"] not in form.text


async def test_one_public_page_per_vendor(client) -> None:
    from tests import factories_conduct

    vendor, _admin = await factories_conduct.active_vendor(name="Ene Side ApS")
    partner = await client.get(f"/vendors/{vendor.id}")
    directory = await client.get(f"/directory/{vendor.id}")
    assert partner.status_code == directory.status_code == 200
    for page in (partner.text, directory.text):
        assert "Ene Side ApS" in page and "Kompetencer" in page  # the same page
        assert "Ja: har underskrevet adfærdskodeks version" in page
        assert f'rel="canonical" href="http://127.0.0.1:8000/vendors/{vendor.id}"' in page
