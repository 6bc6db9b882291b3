"""Competency profiles: the taxonomy API, profile updates, the directory and the refresh job."""

from __future__ import annotations

from market import jobs
from market.audit.models import AuditEvent
from market.competencies import services
from market.competencies.models import MatchingIndexState, VendorCompetency, VendorReference
from market.competencies.schemas import CodeLabels
from market.vendors.models import Vendor
from tests import factories
from tests import factories_competencies as fc


async def _put(client, vendor_id: int, headers: dict[str, str], body: dict):
    return await client.put(f"/api/v1/vendors/{vendor_id}/profile", json=body, headers=headers)


# --- the taxonomy ---------------------------------------------------------------------------


async def test_taxonomy_is_searchable_by_danish_and_english_label_and_by_code(client) -> None:
    await fc.taxonomy()
    danish = (
        await client.get("/api/v1/competencies", params={"q": "applikationsprogrammel"})
    ).json()
    assert "72212000" in [i["code"] for i in danish["items"]]
    english = (
        await client.get("/api/v1/competencies", params={"q": "application software"})
    ).json()
    assert "72212000" in [i["code"] for i in english["items"]]
    by_code = (await client.get("/api/v1/competencies", params={"q": "72212000-4"})).json()
    first = by_code["items"][0]
    assert first["code"] == "72212000" and first["kind"] == "cpv"
    assert first["parent"] == "72210000"
    assert by_code["page"] == 1 and by_code["total"] >= 1
    assert set(first) >= {"code", "label_da", "label_en", "kind", "parent"}


async def test_taxonomy_filters_by_kind_and_holds_every_kind(client) -> None:
    await fc.taxonomy()
    for kind, code in (
        ("product", "os2:os2kitos"),
        ("technology", "tech:django"),
        ("domain", "domain:gis"),
        ("standard", "std:oiosaml"),
    ):
        answer = (
            await client.get("/api/v1/competencies", params={"kind": kind, "per_page": 200})
        ).json()
        assert {i["kind"] for i in answer["items"]} == {kind}
        assert code in [i["code"] for i in answer["items"]]
    django = (await client.get("/api/v1/competencies", params={"q": "tech:django"})).json()
    assert django["items"][0]["parent"] == "tech:python"
    wrong = await client.get("/api/v1/competencies", params={"kind": "colour"})
    assert wrong.status_code == 422


async def test_seed_is_idempotent_and_keeps_renames(client) -> None:
    await fc.taxonomy()
    secretary = await factories.user("secretariat")
    await services.rename_code(
        "tech:python", CodeLabels(label_da="Python 3", label_en="Python 3"), actor=secretary
    )
    assert await services.seed_taxonomy() == 0
    python = await services.get_competency("tech:python")
    assert python is not None and python.label_da == "Python 3"


async def test_helpers_for_other_domains() -> None:
    await fc.taxonomy()
    assert services.normalise_code("72000000-5") == "72000000"
    assert services.normalise_code(" Tech:Python ") == "tech:python"
    assert await services.unknown_codes(["72212000-4", "99999999", "tech:cobol"]) == [
        "99999999",
        "tech:cobol",
    ]
    assert await services.ancestors("72212000") == ["72210000", "72200000", "72000000"]
    parents = await services.parent_map()
    assert parents["tech:django"] == "tech:python"


# --- the profile ----------------------------------------------------------------------------


async def test_vendor_saves_its_profile_and_sees_completeness(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    headers = await factories.bearer(client, admin)
    body = fc.profile_body(
        competencies=[
            {"code": "72212000-4", "level": "expert"},
            {"code": "tech:python", "level": "experienced"},
            {"code": "os2:os2forms", "level": "basic"},
        ]
    )
    response = await _put(client, vendor.id, headers, body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["id"] == vendor.id
    assert {"code": "72212000", "level": "expert"} in data["competencies"]
    assert data["references"][0]["customer"] == "Syddjurs Kommune"
    assert data["completeness"] == {"percent": 100, "missing": []}
    event = await AuditEvent.filter(action="vendor.profile", object_id=str(vendor.id)).first()
    assert event is not None and event.actor_id == admin.id


async def test_unknown_code_is_named_and_nothing_is_half_saved(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    headers = await factories.bearer(client, admin)
    assert (await _put(client, vendor.id, headers, fc.profile_body())).status_code == 200
    changed = fc.profile_body(
        profile_text="Helt ny tekst",
        hourly_rate_dkk=1500,
        competencies=[
            {"code": "tech:java", "level": "expert"},
            {"code": "99999999", "level": "basic"},
        ],
        references=[],
    )
    response = await _put(client, vendor.id, headers, changed)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["competencies"]
    assert "99999999" in response.json()["fields"]["competencies"]
    english = await client.put(
        f"/api/v1/vendors/{vendor.id}/profile?lang=en", json=changed, headers=headers
    )
    assert english.json()["fields"] == {"competencies": "Unknown code: 99999999"}
    fresh = await Vendor.get(id=vendor.id)
    assert fresh.hourly_rate_dkk == 900 and fresh.profile_text_da.startswith("Vi udvikler")
    assert {c.code for c in await VendorCompetency.filter(vendor_id=vendor.id)} == {
        "72212000",
        "tech:python",
        "os2:os2forms",
    }
    assert await VendorReference.filter(vendor_id=vendor.id).count() == 1


async def test_retired_code_cannot_be_chosen_but_stays_where_it_was(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    secretary = await factories.user("secretariat")
    headers = await factories.bearer(client, admin)
    assert (await _put(client, vendor.id, headers, fc.profile_body())).status_code == 200
    await services.set_retired("tech:python", True, actor=secretary)
    await services.set_retired("tech:flask", True, actor=secretary)
    # Keeping the retired code that is already on the profile is fine ...
    kept = await _put(client, vendor.id, headers, fc.profile_body(hourly_rate_dkk=950))
    assert kept.status_code == 200
    # ... choosing a newly retired one is not.
    body = fc.profile_body()
    body["competencies"].append({"code": "tech:flask", "level": "basic"})
    refused = await _put(client, vendor.id, headers, body)
    assert refused.status_code == 422
    assert refused.json()["fields"]["competencies"].endswith(": tech:flask")
    assert await services.unknown_codes(["tech:flask"]) == ["tech:flask"]


async def test_unknown_code_in_a_reference_is_named(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    headers = await factories.bearer(client, admin)
    body = fc.profile_body(references=[{"title": "X", "codes": ["std:nonsense"]}])
    response = await _put(client, vendor.id, headers, body)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["references[0].codes"]
    assert "std:nonsense" in response.json()["fields"]["references[0].codes"]


async def test_only_the_vendors_own_users_may_change_the_profile(client) -> None:
    await fc.taxonomy()
    vendor, _admin = await fc.vendor()
    _other, other_admin = await fc.vendor()
    headers = await factories.bearer(client, other_admin)
    response = await _put(client, vendor.id, headers, fc.profile_body())
    assert response.status_code == 403
    missing = await _put(client, 999_999, headers, fc.profile_body())
    assert missing.status_code == 404
    member = await factories.user("vendor_member", organisation=await vendor.organisation)
    member_headers = await factories.bearer(client, member)
    assert (await _put(client, vendor.id, member_headers, fc.profile_body())).status_code == 200


async def test_bad_level_is_refused(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    headers = await factories.bearer(client, admin)
    body = fc.profile_body(competencies=[{"code": "72212000", "level": "guru"}])
    response = await _put(client, vendor.id, headers, body)
    assert response.status_code == 422
    assert "competencies" in response.json()["fields"]


# --- the web editor without JavaScript ------------------------------------------------------


async def test_web_editor_accepts_codes_and_labels_one_per_line(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    await factories.login(client, admin)
    page = await client.get("/vendor/profile")
    assert page.status_code == 200 and "competency-search" in page.text
    form = {
        "profile_text": "Vi bygger kort og sensorløsninger til kommuner. " * 3,
        "hourly_rate_dkk": "1.000",
        "capacity_hours_per_month": "150",
        "team_size": "3",
        "working_languages": "da",
        "competencies": "72212000-4 expert\nDjango: ekspert\nGeodata og kort (GIS)\n",
        "ref-0-title": "Sensornetværk",
        "ref-0-customer": "Vejle Kommune",
        "ref-0-year": "2024",
        "ref-0-description": "80 sensorer",
        "ref-0-codes": "os2:os2iot, domain:iot",
    }
    response = await factories.post_form(
        client, "/vendor/profile", form, csrf_page="/vendor/profile"
    )
    assert response.status_code == 303, response.text
    held = {c.code: c.level for c in await VendorCompetency.filter(vendor_id=vendor.id)}
    assert held == {"72212000": "expert", "tech:django": "expert", "domain:gis": "experienced"}
    assert (await Vendor.get(id=vendor.id)).hourly_rate_dkk == 1000
    page = await client.get("/vendor/profile")
    assert "100%" in page.text

    form["competencies"] = "Python\nFindes ikke"
    refused = await factories.post_form(
        client, "/vendor/profile", form, csrf_page="/vendor/profile"
    )
    assert refused.status_code == 422
    assert "Findes ikke" in refused.text and "Sensornetværk" in refused.text


# --- the directory --------------------------------------------------------------------------


async def test_directory_parent_code_finds_vendors_with_child_codes_only(client) -> None:
    await fc.taxonomy()
    child, admin = await fc.vendor("Børnekode ApS")
    other, other_admin = await fc.vendor("Hardware Huset A/S", employees=300)
    await _put(
        client,
        child.id,
        await factories.bearer(client, admin),
        fc.profile_body(competencies=[{"code": "72212000", "level": "expert"}], references=[]),
    )
    await _put(
        client,
        other.id,
        await factories.bearer(client, other_admin),
        fc.profile_body(competencies=[{"code": "30213000", "level": "expert"}], references=[]),
    )
    page = await client.get("/directory", params={"code": "72000000-5"})
    assert "Børnekode ApS" in page.text and "Hardware Huset" not in page.text
    tech = await client.get("/directory", params={"code": "30000000"})
    assert "Hardware Huset" in tech.text and "Børnekode" not in tech.text
    large = await client.get("/directory", params={"size_class": "large"})
    assert "Hardware Huset" in large.text and "Børnekode" not in large.text
    searched = await client.get("/directory", params={"q": "byggesager"})  # a reference text
    assert "Børnekode" not in searched.text  # its references were replaced by none


async def test_directory_search_product_and_staff_only_details(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor("Formularfabrikken ApS")
    await _put(client, vendor.id, await factories.bearer(client, admin), fc.profile_body())
    public = await client.get("/directory", params={"q": "byggesager"})
    assert "Formularfabrikken" in public.text
    assert "900" not in public.text  # the hourly rate is for staff
    by_product = await client.get("/directory", params={"product": "os2:os2forms"})
    assert "Formularfabrikken" in by_product.text
    none = await client.get("/directory", params={"product": "os2:os2kitos"})
    assert "Formularfabrikken" not in none.text
    staff = await factories.user("municipality")
    await factories.login(client, staff)
    detailed = await client.get("/directory", params={"q": "Formularfabrikken"})
    assert "900" in detailed.text
    profile = await client.get(f"/directory/{vendor.id}")
    assert "Syddjurs Kommune" in profile.text  # references are shown to staff


async def test_public_vendor_page_shows_competencies_not_rates(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor("Offentlig ApS")
    await _put(client, vendor.id, await factories.bearer(client, admin), fc.profile_body())
    client.cookies.clear()
    page = await client.get(f"/directory/{vendor.id}")
    assert page.status_code == 200
    assert "Offentlig ApS" in page.text and "72212000" in page.text
    assert "Syddjurs Kommune" not in page.text
    assert (await client.get("/directory/999999")).status_code == 404


# --- the refresh job ------------------------------------------------------------------------


async def test_refresh_job_runs_once_per_burst_of_changes(client, run_jobs, runner) -> None:
    if isinstance(runner, jobs.ArqRunner):
        runner.debounce_seconds = 0  # the queued job id already holds the burst together
    await fc.taxonomy()
    vendor, admin = await fc.vendor()
    headers = await factories.bearer(client, admin)
    for rate in (800, 850, 900):
        response = await _put(client, vendor.id, headers, fc.profile_body(hourly_rate_dkk=rate))
        assert response.status_code == 200
    await run_jobs()
    state = await MatchingIndexState.get(vendor_id=vendor.id)
    fresh = await Vendor.get(id=vendor.id)
    assert state.runs == 1
    assert state.profile_updated_at == fresh.profile_updated_at
    await _put(client, vendor.id, headers, fc.profile_body(hourly_rate_dkk=990))
    await run_jobs()
    assert (await MatchingIndexState.get(vendor_id=vendor.id)).runs == 2


# --- the taxonomy desk ----------------------------------------------------------------------


async def test_secretariat_adds_renames_and_retires_codes(client) -> None:
    await fc.taxonomy()
    secretary = await factories.user("secretariat")
    await factories.login(client, secretary)
    added = await factories.post_form(
        client,
        "/secretariat/taxonomy",
        {
            "kind": "technology",
            "code": "tech:rust",
            "parent": "",
            "label_da": "Rust",
            "label_en": "Rust",
        },
        csrf_page="/secretariat/taxonomy",
    )
    assert added.status_code == 303
    twice = await factories.post_form(
        client,
        "/secretariat/taxonomy",
        {"kind": "technology", "code": "tech:rust", "label_da": "Rust", "label_en": "Rust"},
        csrf_page="/secretariat/taxonomy",
    )
    assert twice.status_code == 409
    renamed = await factories.post_form(
        client,
        "/secretariat/taxonomy/edit",
        {
            "code": "tech:rust",
            "action": "rename",
            "label_da": "Rust-sproget",
            "label_en": "Rust language",
        },
        csrf_page="/secretariat/taxonomy",
    )
    assert renamed.status_code == 303
    found = (await client.get("/api/v1/competencies", params={"q": "Rust-sproget"})).json()
    assert [i["code"] for i in found["items"]] == ["tech:rust"]
    retired = await factories.post_form(
        client,
        "/secretariat/taxonomy/edit",
        {"code": "tech:rust", "action": "retire"},
        csrf_page="/secretariat/taxonomy",
    )
    assert retired.status_code == 303
    gone = (await client.get("/api/v1/competencies", params={"q": "tech:rust"})).json()
    assert gone["items"] == []
    actions = set(
        await AuditEvent.filter(object_type="competency", object_id="tech:rust").values_list(
            "action", flat=True
        )
    )
    assert actions == {"competency.add", "competency.rename", "competency.retire"}
    desk = await client.get("/secretariat/taxonomy", params={"q": "rust"})
    assert "Rust-sproget" in desk.text


async def test_staff_can_filter_the_directory_to_eligible_vendors(client) -> None:
    await fc.taxonomy()
    vendor, admin = await fc.vendor("Usigneret ApS")  # has not signed the Code of Conduct
    await _put(client, vendor.id, await factories.bearer(client, admin), fc.profile_body())
    await factories.login(client, await factories.user("coordinator"))
    everyone = await client.get("/directory", params={"q": "Usigneret"})
    assert "Usigneret ApS" in everyone.text
    eligible = await client.get("/directory", params={"q": "Usigneret", "eligible": "1"})
    assert "Usigneret ApS" not in eligible.text


async def test_a_renamed_code_shows_at_once_on_the_directory_and_its_filters(client) -> None:
    # Labels and the product list are kept per process while the taxonomy is unchanged: a
    # rename (the taxonomy's own version) shows on the next page, whoever asks.
    await fc.taxonomy()
    vendor, admin = await fc.vendor("Omdøbt Kode ApS")
    await _put(client, vendor.id, await factories.bearer(client, admin), fc.profile_body())
    await factories.login(client, await factories.user("coordinator"))
    before = await client.get("/directory", params={"q": "Omdøbt"})
    assert "Omdøbt Kode ApS" in before.text and "Formularer &amp; Co" not in before.text
    await services.rename_code(
        "os2:os2forms",
        CodeLabels(label_da="Formularer & Co", label_en="Formularer & Co"),
        actor=await factories.user("secretariat"),
    )
    after = await client.get("/directory", params={"q": "Omdøbt"})
    # In the vendor's competencies and among the product filter's options, escaped.
    assert after.text.count("Formularer &amp; Co") >= 2
    assert "Formularer & Co" not in after.text
    labels = await services.labels_for(["os2:os2forms", "no:such-code"])
    assert labels == {"os2:os2forms": "Formularer & Co", "no:such-code": "no:such-code"}
