"""Hostile input: every API POST/PUT route, as a role it admits, answers oversized,
malformed, non-object, deeply nested and huge-number bodies with a 4xx JSON error, never a
500; HTML typed into any text field comes back escaped; uploaded file names cannot climb out
of the upload folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route

from market.bids.models import BidAttachment
from market.openapi import request_fields
from market.routes import routes
from tests import factories, factories_bids, factories_conduct, factories_tasks

SCRIPT = "<script>alert(1)</script>"


def _writes() -> list[Route]:
    return [
        r
        for r in routes
        if isinstance(r, Route)
        and r.path.startswith("/api/v1/")
        and {"POST", "PUT"} & set(r.methods or ())
        and r.name != "api.auth.token_create"  # anyone; checked with the others below
    ] + [r for r in routes if isinstance(r, Route) and r.name == "api.auth.token_create"]


WRITES = _writes()


async def _caller(client: Any, route: Route) -> tuple[dict[str, str], str]:
    """Bearer headers of a user the route's declaration admits (none if anyone may call),
    and the URL to call: the caller's own vendor for /vendors/{id}/..., else id 1."""
    allow = route.endpoint.allow  # type: ignore[attr-defined]
    url = route.path.replace("{id:int}", "1")
    if allow.roles is None and not allow.signed_in:
        return {}, url
    role = sorted(allow.roles or {"municipality"})[0]
    if role in ("vendor_admin", "vendor_member"):
        vendor, user = await factories_conduct.active_vendor()
        url = route.path.replace("/vendors/{id:int}", f"/vendors/{vendor.id}")
        url = url.replace("{id:int}", "1")
    else:
        user = await factories.user(role)
    return await factories.bearer(client, user), url


def _method(route: Route) -> str:
    return "POST" if "POST" in (route.methods or ()) else "PUT"


def _assert_json_error(response: Any, status: int, where: str) -> None:
    assert response.status_code == status, f"{where}: {response.status_code} {response.text[:200]}"
    assert response.headers["content-type"].startswith("application/json"), where
    assert {"error", "message"} <= response.json().keys(), where


@pytest.mark.parametrize("route", WRITES, ids=[r.name for r in WRITES])
async def test_malformed_bodies_get_a_clear_4xx(client, settings, route: Route) -> None:
    bearer, url = await _caller(client, route)
    headers = {**bearer, "Content-Type": "application/json"}
    method = _method(route)
    where = f"{method} {url}"
    big = json.dumps({"text": "x" * (settings.max_body_bytes + 10)})
    response = await client.request(method, url, content=big, headers=headers)
    _assert_json_error(response, 413, f"{where} oversized")
    response = await client.request(method, url, content=b'{"title": "\xff\xfe"}', headers=headers)
    _assert_json_error(response, 400, f"{where} invalid UTF-8")
    deep = '{"a":' * 10000 + "1" + "}" * 10000
    response = await client.request(method, url, content=deep, headers=headers)
    _assert_json_error(response, 400, f"{where} nested 10000 deep")
    for value in ("[1, 2]", '"text"', "42", "null"):
        response = await client.request(method, url, content=value, headers=headers)
        _assert_json_error(response, 400, f"{where} non-object {value}")
    response = await client.request(method, url, content="{not json", headers=headers)
    _assert_json_error(response, 400, f"{where} broken JSON")


@pytest.mark.parametrize("route", WRITES, ids=[r.name for r in WRITES])
async def test_huge_numbers_in_every_field_are_never_a_server_error(client, route: Route) -> None:
    headers, url = await _caller(client, route)
    fields = request_fields(route.name or "") or ["id"]
    body = {name: 10**40 for name in fields}
    response = await client.request(_method(route), url, json=body, headers=headers)
    assert 400 <= response.status_code < 500, f"{route.name}: {response.status_code}"
    assert response.json()["error"]


async def test_huge_numbers_are_invalid_fields(client) -> None:
    coordinator, solution = await factories_tasks.coordinator_of()
    headers = await factories.bearer(client, coordinator)
    body = factories_tasks.task_body(solution.id, budget_dkk=10**40, estimate_hours=10**40)
    created = await client.post("/api/v1/tasks", json=body, headers=headers)
    assert created.status_code == 422, created.text
    assert {"budget_dkk", "estimate_hours"} <= created.json()["fields"].keys()

    scene = await factories_bids.scene()
    bidder = await factories.bearer(client, scene.admin)
    bid = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids",
        json=factories_bids.bid_body(price_dkk=10**40, hours=10**40),
        headers=bidder,
    )
    assert bid.status_code == 422, bid.text
    assert {"price_dkk", "hours"} <= bid.json()["fields"].keys()

    vendor = await client.post(
        "/api/v1/vendors",
        json={
            "name": "Stor ApS",
            "cvr": "12345674",
            "email": "stor@example.dk",
            "password": "Meget-Lang-Adgangskode-2026",
            "contact_name": "Stor",
            "employees": 10**40,
        },
    )
    assert vendor.status_code == 422, vendor.text
    assert "employees" in vendor.json()["fields"]


def _unescaped(text: str) -> bool:
    return "<script>alert(1)" in text


async def test_html_in_every_text_field_comes_back_escaped(client) -> None:
    registered = await client.post(
        "/api/v1/vendors",
        json={
            "name": f"Hacker {SCRIPT} ApS",
            "cvr": "32345670",
            "email": "hacker@example.dk",
            "password": "Meget-Lang-Adgangskode-2026",
            "contact_name": SCRIPT,
            "employees": 3,
            "website": f"https://example.dk/{SCRIPT}",
            "address": SCRIPT,
        },
    )
    assert registered.status_code in (201, 422), registered.text
    if registered.status_code == 201:
        vendor_id = registered.json()["id"]
        for path in (f"/vendors/{vendor_id}", "/partners", f"/directory/{vendor_id}"):
            page = await client.get(path)
            assert page.status_code in (200, 404), path
            assert not _unescaped(page.text), path

    coordinator, solution = await factories_tasks.coordinator_of()
    municipality = await factories.user("municipality")
    wish = await client.post(
        "/api/v1/wishes",
        json={"solution_id": solution.id, "title": SCRIPT, "description": SCRIPT},
        headers=await factories.bearer(client, municipality),
    )
    assert wish.status_code == 201, wish.text
    for path in (f"/wishes/{wish.json()['id']}", "/wishes", f"/solutions/{solution.id}"):
        page = await client.get(path)
        assert page.status_code == 200 and "&lt;script&gt;" in page.text, path
        assert not _unescaped(page.text), path

    task = await factories_bids.published_task(
        coordinator, solution, title=f"Opgave {SCRIPT}", description=SCRIPT
    )
    for path in (f"/tasks/{task.id}", "/tasks", "/statistics"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert not _unescaped(page.text), path

    _vendor, admin = await factories_conduct.active_vendor()
    bid = await factories_bids.place_bid(
        client,
        admin,
        task,
        approach=SCRIPT,
        assumptions=SCRIPT,
        team=[{"name": SCRIPT, "role": SCRIPT}],
    )
    await factories.login(client, admin)
    for path in (f"/bids/{bid['id']}", "/my-bids", "/opportunities"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert not _unescaped(page.text), path
    assert "&lt;script&gt;" in (await client.get(f"/bids/{bid['id']}")).text


async def test_attachment_names_cannot_climb_out_of_the_upload_folder(client, settings) -> None:
    scene = await factories_bids.scene()
    await factories.login(client, scene.admin)
    values = factories_bids.bid_body()
    values["team"] = "Anne: udvikler"
    values["action"] = "submit"
    token = factories.csrf_from((await client.get(f"/tasks/{scene.task.id}/bid")).text)
    response = await client.post(
        f"/tasks/{scene.task.id}/bid",
        data={"csrf_token": token, **values},
        files={"attachments": ("../../etc/passwd.pdf", factories_bids.PDF, "application/pdf")},
    )
    assert response.status_code == 303, response.text
    [attachment] = await BidAttachment.filter(bid__task_id=scene.task.id)
    assert attachment.file_name == "passwd.pdf"
    stored = (settings.upload_dir / "bids" / attachment.stored_name).resolve()
    assert stored.is_relative_to(settings.upload_dir.resolve())
    assert stored.read_bytes() == factories_bids.PDF
    assert not Path("/etc/passwd.pdf").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tasks?solution_id=156274466369124073472",
        "/api/v1/wishes?solution_id=99999999999999999999999",
        "/api/v1/tasks?page=100000000000000000000000",
        "/api/v1/vendors?page=100000000000000000000000",
        "/api/v1/tasks/99999999999999999999999",
        "/api/v1/bids/99999999999999999999999",
    ],
)
async def test_numbers_no_row_can_have_are_not_a_server_error(client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (404, 422), f"{path}: {response.status_code}"
    assert response.json()["error"]


async def test_huge_numbers_in_page_queries_are_never_a_server_error(client) -> None:
    """Every page that lists, asked for page 10**30 or filtered by a huge id, as staff."""
    from starlette.routing import Route

    from market.routes import routes
    from tests import factories

    account = await factories.user("secretariat", "coordinator", "municipality")
    await factories.login(client, account)
    huge = str(10**30)
    for route in routes:
        if not isinstance(route, Route) or route.path.startswith("/api/") or "{" in route.path:
            continue
        if "GET" not in (route.methods or ()) or route.name in ("accounts.logout",):
            continue
        answer = await client.get(
            route.path, params={"page": huge, "solution_id": huge, "task_id": huge}
        )
        assert answer.status_code < 500, f"{route.path}: {answer.status_code}"


# --- values that look harmless and broke the parsers --------------------------------------
# "²".isdigit() is true and int("²") fails; PostgreSQL refuses NUL in text; a lone surrogate
# cannot be encoded at all. Each must get a clear 4xx from the parsing layer, on both databases.

SUPERSCRIPT = "²"
NUL = "a\x00b"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM_FIELDS = sorted(
    {
        name
        for template in TEMPLATES.rglob("*.html")
        for name in re.findall(r'\bname="([a-z_]+)"', template.read_text())
    }
    - {"csrf_token"}
)
FORMS = [
    r
    for r in routes
    if isinstance(r, Route) and not r.path.startswith("/api/") and "POST" in (r.methods or ())
]


@dataclass
class World:
    """One of each object a form route can name, and a user for each role."""

    scene: factories_bids.Scene
    ids: dict[str, int]
    secretariat: Any


async def _world(client: Any) -> World:
    scene = await factories_bids.scene()
    solution = await scene.task.solution
    wish = await factories_tasks.wish(solution)
    bid = await factories_bids.place_bid(client, scene.admin, scene.task)
    secretariat = await factories.user("secretariat")
    vendor, admin = await factories_conduct.vendor()
    version = await factories_conduct.version_1()
    signature = await factories_conduct.signed(vendor, admin, version, countersign=False)
    ids = {
        "/solutions/": solution.id,
        "/wishes/": wish.id,
        "/tasks/": scene.task.id,
        "/bids/": int(bid["id"]),
        "/secretariat/conduct/signatures/": signature,
        "/secretariat/vendors/": scene.vendor.id,
    }
    return World(scene, ids, secretariat)


def _form_url(route: Route, world: World) -> str:
    url = route.path.replace("{secret}", "not-a-secret")
    for prefix, value in world.ids.items():
        if url.startswith(prefix):
            return url.replace("{id:int}", str(value))
    return url.replace("{id:int}", "1")


def _form_user(route: Route, world: World) -> Any:
    allow = route.endpoint.allow  # type: ignore[attr-defined]
    roles = set(allow.roles or ())
    if not roles:
        return world.secretariat if allow.signed_in else None
    if roles & {"vendor_admin", "vendor_member"}:
        return world.scene.admin
    if roles & {"coordinator", "municipality"}:
        return world.scene.coordinator
    return world.secretariat


def _utf7_multipart(token: str, fields: list[str]) -> tuple[bytes, str]:
    """A multipart form declaring charset=utf-7, in which "+2AA-" decodes to a lone surrogate."""
    boundary = "hostile-boundary"
    parts = [("csrf_token", token)] + [(name, "+2AA-") for name in fields]
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    )
    content_type = f"multipart/form-data; charset=utf-7; boundary={boundary}"
    return f"{body}--{boundary}--\r\n".encode("ascii"), content_type


@pytest.mark.parametrize("route", FORMS, ids=[r.name for r in FORMS])
async def test_every_form_refuses_hostile_values_with_a_4xx(client, route: Route) -> None:
    world = await _world(client)
    user = _form_user(route, world)
    if user is not None:
        await factories.login(client, user)
    url = _form_url(route, world)
    token = await factories.get_csrf(client, "/login")
    answer = await client.post(
        url, data={"csrf_token": token, **dict.fromkeys(FORM_FIELDS, SUPERSCRIPT)}
    )
    assert answer.status_code < 500, f"{url} superscript digits: {answer.status_code}"
    answer = await client.post(url, data={"csrf_token": token, **dict.fromkeys(FORM_FIELDS, NUL)})
    await _refused_or_ignored(client, url, token, answer, "NUL")
    content, content_type = _utf7_multipart(token, FORM_FIELDS)
    answer = await client.post(url, content=content, headers={"Content-Type": content_type})
    await _refused_or_ignored(client, url, token, answer, "a lone surrogate")


async def _refused_or_ignored(client: Any, url: str, token: str, answer: Any, what: str) -> None:
    """A 4xx, or the very answer an empty form gets (a button whose view reads no field)."""
    if 400 <= answer.status_code < 500:
        if answer.status_code == 400:
            assert "NUL" in answer.text, url
        return
    empty = await client.post(url, data={"csrf_token": token})
    assert answer.status_code == empty.status_code < 500, (
        f"{url} took {what} ({answer.status_code}) but answers an empty form with "
        f"{empty.status_code}: does its view read the form through market.web.read_form?"
    )


@pytest.mark.parametrize("route", WRITES, ids=[r.name for r in WRITES])
async def test_every_api_write_refuses_hostile_values_with_a_4xx(client, route: Route) -> None:
    headers, url = await _caller(client, route)
    fields = request_fields(route.name or "") or ["id"]
    method = _method(route)
    answer = await client.request(
        method, url, json=dict.fromkeys(fields, SUPERSCRIPT), headers=headers
    )
    assert answer.status_code < 500, f"{route.name} superscript: {answer.status_code}"
    for text in (r"a\u0000b", r"\ud800", r"x\udfff"):
        raw = "{" + ", ".join(f'"{name}": "{text}"' for name in fields) + "}"
        answer = await client.request(
            method, url, content=raw, headers={**headers, "Content-Type": "application/json"}
        )
        assert 400 <= answer.status_code < 500, f"{route.name} {text}: {answer.status_code}"
        assert answer.json()["error"], route.name


async def test_hostile_values_nested_in_json_name_the_field(client) -> None:
    scene = await factories_bids.scene()
    headers = {**await factories.bearer(client, scene.admin), "Content-Type": "application/json"}
    body = json.dumps(factories_bids.bid_body())
    body = body.replace('"Anne Udvikler"', r'"Anne \u0000 Udvikler"')
    answer = await client.post(f"/api/v1/tasks/{scene.task.id}/bids", content=body, headers=headers)
    _assert_json_error(answer, 422, "NUL in a team member's name")
    assert list(answer.json()["fields"]) == ["team"]


@pytest.mark.parametrize(
    "path",
    [
        "/tasks?page=²",
        "/directory?page=²",
        "/wishes?page=²",
        "/api/v1/tasks?solution_id=²",
        "/api/v1/tasks?page=²",
        "/api/v1/tasks?per_page=²",
        "/api/v1/wishes?solution_id=²",
        "/api/v1/vendors?page=%C2%B2",
        "/tasks?q=%00",
        "/directory?q=a%00b",
        "/api/v1/vendors?q=%00",
        "/api/v1/tasks?status=%00",
    ],
)
async def test_hostile_query_values_get_a_clear_4xx(client, path: str) -> None:
    answer = await client.get(path)
    assert 400 <= answer.status_code < 500, f"{path}: {answer.status_code}"
    if path.startswith("/api/"):
        assert answer.json()["message"], path
    else:
        assert answer.headers["content-type"].startswith("text/html"), path


async def test_superscript_digits_in_numbers_are_invalid_fields(client) -> None:
    registered = await client.post(
        "/api/v1/vendors", json=factories_conduct.registration(employees="1²")
    )
    assert registered.status_code == 422, registered.text
    assert "employees" in registered.json()["fields"]
    scene = await factories_bids.scene()
    bidder = await factories.bearer(client, scene.admin)
    for price in ("8²", "85.000", "85000"):
        bid = await client.post(
            f"/api/v1/tasks/{scene.task.id}/bids",
            json=factories_bids.bid_body(price_dkk=price),
            headers=bidder,
        )
        assert bid.status_code == 422, f"price {price!r}: {bid.text}"
        assert bid.json()["fields"] == {"price_dkk": "Skal være et helt tal."}


async def test_a_price_above_the_limit_says_so(client) -> None:
    scene = await factories_bids.scene()
    bidder = await factories.bearer(client, scene.admin)
    bid = await client.post(
        f"/api/v1/tasks/{scene.task.id}/bids",
        json=factories_bids.bid_body(price_dkk=3_000_000_000),
        headers={**bidder, "Accept-Language": "en"},
    )
    assert bid.status_code == 422, bid.text
    assert (
        "at most" in bid.json()["fields"]["price_dkk"]
        or "højst" in bid.json()["fields"]["price_dkk"]
    )


async def test_a_long_conduct_version_label_is_a_field_error(client) -> None:
    secretariat = await factories.user("secretariat")
    label = "1" * 250
    api = await client.post(
        "/api/v1/conduct/versions",
        json={
            "version": label,
            "title": "Adfærdskodeks",
            "text": "Tekst",
            "effective_from": "2030-01-01",
            "grace_days": 30,
        },
        headers=await factories.bearer(client, secretariat),
    )
    assert api.status_code == 422, api.text
    assert "version" in api.json()["fields"]
    await factories.login(client, secretariat)
    form = await factories.post_form(
        client,
        "/secretariat/conduct/versions",
        {
            "version": label,
            "title": "Adfærdskodeks",
            "text": "Tekst",
            "effective_from": "2030-01-01",
            "grace_days": "30",
        },
    )
    assert form.status_code == 422, form.text[:300]
    assert label in form.text  # what was typed is kept


async def test_a_very_long_password_is_judged_not_a_server_error(client) -> None:
    long = "Lang-Sætning-Med-Mange-Ord-" * 8  # 216 characters: the strength meter stops at 72
    registered = await client.post(
        "/api/v1/vendors", json=factories_conduct.registration(password=long)
    )
    assert registered.status_code == 201, registered.text


async def test_a_value_longer_than_its_column_is_a_422_naming_the_field(app) -> None:
    """A service that lets an over-long value through to the database still answers 422."""
    from starlette.requests import Request
    from tortoise.exceptions import ValidationError

    from market.app import _too_long_to_store

    scope = {"type": "http", "method": "PUT", "path": "/api/v1/me/alerts", "headers": []}
    request = Request({**scope, "app": app})
    exc = ValidationError(f"code: Length of '{'x' * 101}' 101 > 64")
    answer = await _too_long_to_store(request, exc)
    assert answer.status_code == 422
    assert json.loads(bytes(answer.body))["fields"] == {"code": "Må højst være 64 tegn."}
