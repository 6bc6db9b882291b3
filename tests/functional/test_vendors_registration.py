"""Vendor registration (API and web form), invitations of colleagues."""

from __future__ import annotations

import re

from market.accounts.models import Organisation, User
from market.mail.models import OutboxMessage
from market.vendors.models import Vendor
from tests import factories
from tests.factories_conduct import registration


async def _nothing_created(before_orgs: int, body: dict) -> None:
    assert await Organisation.all().count() == before_orgs
    assert not await User.filter(email=body["email"].lower()).exists()
    assert not await Vendor.filter(cvr=str(body["cvr"])).exists()


async def test_registration_creates_vendor_organisation_and_admin(client) -> None:
    body = registration(employees=60, address="Havnegade 1, 8000 Aarhus C")
    response = await client.post("/api/v1/vendors", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    assert isinstance(data["id"], int)
    assert data["cvr"] == body["cvr"] and data["size_class"] == "medium"
    assert data["user"]["roles"] == ["vendor_admin"]
    vendor = await Vendor.get(id=data["id"]).select_related("organisation")
    assert vendor.organisation.kind == "vendor"
    user = await User.get(email=body["email"])
    assert user.organisation_id == vendor.organisation_id
    # The new admin can sign in with the password chosen.
    assert (await factories.bearer(client, user))["Authorization"].startswith("Bearer ")


async def test_size_classes(client) -> None:
    for employees, size in (
        (1, "micro"),
        (9, "micro"),
        (10, "small"),
        (49, "small"),
        (50, "medium"),
        (249, "medium"),
        (250, "large"),
    ):
        response = await client.post("/api/v1/vendors", json=registration(employees=employees))
        assert response.json()["size_class"] == size


async def test_bad_cvr_is_422_naming_the_field_and_nothing_is_created(client) -> None:
    orgs = await Organisation.all().count()
    for cvr in ("12345678", "1234567", "abcdefgh", "41000001"):
        body = registration(cvr=cvr)
        response = await client.post("/api/v1/vendors", json=body)
        assert response.status_code == 422, cvr
        assert set(response.json()["fields"]) == {"cvr"}
        await _nothing_created(orgs, body)


async def test_weak_password_is_422_and_nothing_is_created(client) -> None:
    orgs = await Organisation.all().count()
    body = registration(password="password1234")
    response = await client.post("/api/v1/vendors", json=body)
    assert response.status_code == 422
    assert "password" in response.json()["fields"]
    await _nothing_created(orgs, body)


async def test_missing_fields_and_bad_email_are_named(client) -> None:
    orgs = await Organisation.all().count()
    body = registration(email="not-an-address")
    del body["contact_name"]
    del body["employees"]
    response = await client.post("/api/v1/vendors", json=body)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"contact_name", "employees", "email"}
    await _nothing_created(orgs, body)


async def test_duplicate_cvr_is_409_and_duplicate_email_leaves_nothing_behind(client) -> None:
    first = registration()
    assert (await client.post("/api/v1/vendors", json=first)).status_code == 201
    orgs = await Organisation.all().count()
    again = registration(cvr=first["cvr"])
    response = await client.post("/api/v1/vendors", json=again)
    assert response.status_code == 409
    assert "cvr" in response.json()["fields"]
    await _nothing_created(orgs, {**again, "cvr": "none"})
    same_email = registration(email=first["email"])
    response = await client.post("/api/v1/vendors", json=same_email)
    assert response.status_code == 409
    assert "email" in response.json()["fields"]
    assert await Organisation.all().count() == orgs
    assert not await Vendor.filter(cvr=same_email["cvr"]).exists()


async def test_web_form_names_wrong_fields_and_keeps_every_value(client) -> None:
    body = registration(cvr="12345678")
    response = await factories.post_form(
        client,
        "/vendors/register",
        {**body, "employees": str(body["employees"])},
        csrf_page="/vendors/register",
    )
    assert response.status_code == 422
    html = response.text
    assert 'href="#field-cvr"' in html
    assert f'value="{body["name"]}"' in html and f'value="{body["email"]}"' in html
    # The wrong value stays beside its error, to be corrected rather than typed again.
    assert 'value="12345678"' in html
    assert body["password"] not in html


async def test_web_registration_signs_the_admin_in(client) -> None:
    body = registration()
    response = await factories.post_form(
        client, "/vendors/register", {**body, "employees": "3"}, csrf_page="/vendors/register"
    )
    assert response.status_code == 303 and response.headers["location"] == "/my-company"
    page = await client.get("/my-company")
    assert page.status_code == 200
    assert body["name"] in page.text


async def test_admin_invites_a_colleague_who_accepts_once(client, run_jobs) -> None:
    response = await client.post("/api/v1/vendors", json=registration())
    admin = await User.get(id=response.json()["user"]["id"])
    await factories.login(client, admin)
    response = await factories.post_form(
        client,
        "/my-company/invitations",
        {"email": "Kollega@Example.dk", "role": "vendor_member"},
        csrf_page="/my-company",
    )
    assert response.status_code == 303
    await run_jobs()
    mail = await OutboxMessage.get(to_email="kollega@example.dk")
    link = re.search(r"/invitations/[\w-]+", mail.body_text)
    assert link, mail.body_text
    client.cookies.clear()
    page = await client.get(link.group(0))
    assert page.status_code == 200 and "kollega@example.dk" in page.text
    response = await factories.post_form(
        client,
        link.group(0),
        {
            "name": "Karl Kollega",
            "password": factories.PASSWORD,
            "password_repeat": factories.PASSWORD,
        },
        csrf_page=link.group(0),
    )
    assert response.status_code == 303
    colleague = await User.get(email="kollega@example.dk")
    assert colleague.roles == ["vendor_member"] and colleague.name == "Karl Kollega"
    assert colleague.organisation_id == admin.organisation_id
    client.cookies.clear()
    assert (await client.get(link.group(0))).status_code == 404


async def test_a_member_may_not_invite(client) -> None:
    response = await client.post("/api/v1/vendors", json=registration())
    admin = await User.get(id=response.json()["user"]["id"])
    member = await factories.user(
        "vendor_member", organisation=await Organisation.get(id=admin.organisation_id)
    )
    await factories.login(client, member)
    assert (await client.get("/my-company")).status_code == 200
    response = await factories.post_form(
        client,
        "/my-company/invitations",
        {"email": "x@example.dk", "role": "vendor_admin"},
        csrf_page="/my-company",
    )
    assert response.status_code == 403


async def test_odd_input_is_answered_without_a_server_error(client) -> None:
    response = await client.post("/api/v1/vendors", json=registration(name="Nul\x00byte"))
    assert response.status_code == 422 and "name" in response.json()["fields"]
    response = await client.post("/api/v1/vendors", json=registration(contact_name="x" * 300))
    assert response.status_code == 422 and "contact_name" in response.json()["fields"]
    assert (await client.get("/api/v1/vendors/99999999999")).status_code == 404
    response = await client.post("/api/v1/vendors", json=registration(employees="many"))
    assert response.status_code == 422 and "employees" in response.json()["fields"]
