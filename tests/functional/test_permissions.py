"""The role matrix: every route, with every role and anonymously, against the permission table.

`EXPECTED` is the permission table (route name -> who may reach it). The test checks that the
declaration next to each route says the same, that every route is in the table, and that
each role is let in or turned away as declared (object-level rules are tested per domain).
"""

from __future__ import annotations

import pytest
from starlette.routing import Route

from market.routes import routes
from tests import factories

ANY = "anyone"
SIGNED_IN = "signed-in users"
SEC = "secretariat"

EXPECTED: dict[str, str] = {
    # --- core
    "home": ANY,
    "dev.outbox": ANY,
    "dev.outbox_message": ANY,
    # --- accounts
    "accounts.login": ANY,
    "accounts.logout": SIGNED_IN,
    "accounts.logout_everywhere": SIGNED_IN,
    "accounts.forgot": ANY,
    "accounts.reset": ANY,
    "accounts.account": SIGNED_IN,
    "accounts.password": SIGNED_IN,
    "accounts.token_create": SIGNED_IN,
    "accounts.token_revoke": SIGNED_IN,
    "accounts.role": SIGNED_IN,
    "accounts.language": ANY,
    # --- audit
    "audit.log": SEC,
    # --- API
    "api.auth.token_create": ANY,
    "api.auth.token_delete": SIGNED_IN,
    # --- vendors and conduct (issue 4)
    # --- competencies (issue 5)
    # --- solutions, wishes, tasks (issue 6)
    # --- matching (issue 7)
    # --- bids (issue 8)
    # --- open data (issue 9)
}

ROLES = ["anonymous", "vendor_admin", "vendor_member", "municipality", "coordinator", "secretariat"]
UNGUARDED = {"healthz", "static"}
# These end the caller's session or token, so they are checked apart (test_accounts.py).
ENDS_SESSION = {
    "accounts.logout",
    "accounts.logout_everywhere",
    "accounts.password",
    "api.auth.token_delete",
}


def guarded_routes() -> list[Route]:
    return [r for r in routes if isinstance(r, Route) and r.name not in UNGUARDED]


def test_every_route_is_in_the_permission_table() -> None:
    names = {r.name for r in guarded_routes()}
    assert names - EXPECTED.keys() == set(), "add these routes to EXPECTED"
    assert EXPECTED.keys() - names == set(), "these routes no longer exist"


def test_declarations_match_the_table() -> None:
    for route in guarded_routes():
        allow = route.endpoint.allow  # type: ignore[attr-defined]
        assert allow.describe() == EXPECTED[route.name], route.name


def _concrete(path: str) -> str:
    for placeholder in ("{id:int}", "{secret}"):
        path = path.replace(placeholder, "1" if "int" in placeholder else "x")
    import re

    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_is_admitted_or_refused_as_declared(client, role: str) -> None:
    if role != "anonymous":
        account = await factories.user(role)
        if any(r.path.startswith("/api/") for r in guarded_routes()):
            headers = await factories.bearer(client, account)
        await factories.login(client, account)
    else:
        headers = {}
    for route in guarded_routes():
        allow = route.endpoint.allow  # type: ignore[attr-defined]
        admitted = allow.admits(None if role == "anonymous" else type("U", (), {"roles": [role]}))
        is_api = route.path.startswith("/api/")
        method = sorted(route.methods - {"HEAD"})[0]  # type: ignore[operator]
        if route.name in ENDS_SESSION:
            continue  # covered by the accounts tests
        url = _concrete(route.path)
        kwargs: dict = {"headers": headers} if is_api else {}
        if method != "GET" and not is_api:
            kwargs["data"] = {"csrf_token": await factories.get_csrf(client, "/")}
        if is_api and method in ("POST", "PUT"):
            kwargs["json"] = {}
        response = await client.request(method, url, **kwargs)
        where = f"{role} {method} {url} ({route.name})"
        if admitted:
            assert response.status_code not in (401, 403) or "csrf" in response.text, where
            assert not (
                response.status_code == 303 and response.headers["location"].startswith("/login?")
            ), where
        elif role == "anonymous":
            expected = 401 if is_api else 303
            assert response.status_code == expected, where
        else:
            assert response.status_code == 403, where
