"""Factories with overrides, and helpers that act as a user would."""

from __future__ import annotations

import itertools
import re
from typing import Any

from httpx import AsyncClient, Response

from market.accounts import services as accounts
from market.accounts.models import Organisation, OrganisationKind, User

PASSWORD = "Factory-Password-Long-2026"
_seq = itertools.count(1)


async def organisation(kind: str = OrganisationKind.MUNICIPALITY, **overrides: Any) -> Organisation:
    n = next(_seq)
    values: dict[str, Any] = {"kind": kind, "name": f"Organisation {n}", "short_name": f"Org{n}"}
    values.update(overrides)
    return await Organisation.create(**values)


async def municipality(name: str = "Syddjurs") -> Organisation:
    org = await accounts.find_municipality(name)
    assert org is not None
    return org


async def user(
    *roles: str,
    organisation: Organisation | None = None,
    password: str = PASSWORD,
    **overrides: Any,
) -> User:
    n = next(_seq)
    roles = roles or ("municipality",)
    if organisation is None:
        if "secretariat" in roles:
            organisation = await accounts.secretariat()
        elif set(roles) & {"vendor_admin", "vendor_member"}:
            organisation = await globals()["organisation"](OrganisationKind.VENDOR)
        else:
            organisation = await municipality()
    values: dict[str, Any] = {
        "email": f"user{n}@example.dk",
        "password": password,
        "roles": list(roles),
        "organisation": organisation,
        "name": f"User {n}",
        "check_password": False,
    }
    values.update(overrides)
    return await accounts.create_user(**values)


def csrf_from(html: str) -> str:
    tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', html))
    assert tokens and "" not in tokens, "a form on the page has no CSRF token"
    assert len(tokens) == 1, "the forms of one page carry different CSRF tokens"
    return tokens.pop()


async def get_csrf(client: AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    return csrf_from(response.text)


async def post_form(
    client: AsyncClient,
    path: str,
    data: dict[str, Any],
    *,
    csrf_page: str = "/login",
    files: Any = None,
) -> Response:
    token = await get_csrf(client, csrf_page)
    return await client.post(path, data={"csrf_token": token, **data}, files=files)


async def login(
    client: AsyncClient, user_or_email: User | str, password: str = PASSWORD
) -> Response:
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    response = await post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


async def bearer(client: AsyncClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
