"""Schemathesis drives every /api/v1 operation of a live server, as each role (issue 9).

For each operation and role: no 5xx, the status code, content type and body match the
OpenAPI document, and no request changes what its role may not change: a 2xx answer to a
POST/PUT/DELETE only for a role the route admits, a profile only for the caller's own vendor,
and never another vendor's bid.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from market import openapi
from market.demo import DEMO_PASSWORD
from market.routes import routes
from tests.api.conftest import LiveServer, token_for

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 8
VENDOR_ADMIN = "aarhus-kodevaerksted@demo-vendor.dk"
USERS = {
    "anonymous": None,
    "vendor_admin": VENDOR_ADMIN,
    "municipality": "kommune@demo.os2.dk",
    "coordinator": "koordinator@demo.os2.dk",
    "secretariat": "sekretariat@demo.os2.dk",
}
# Ends the caller's token: the remaining operations would all answer 401.
ENDS_TOKEN = {"api.auth.token_delete"}
DOCUMENT = openapi.build(routes, "http://testserver")
OPERATIONS = [
    (method.upper(), path, operation["operationId"])
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]
ALLOW = {
    r.name: r.endpoint.allow  # type: ignore[attr-defined]
    for r in routes
    if isinstance(r, Route) and r.path.startswith("/api/v1/")
}


@dataclass(frozen=True)
class Caller:
    role: str
    roles: tuple[str, ...]
    headers: dict[str, str]
    vendor_id: int | None


def _query(database: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute(sql, args))


@pytest.fixture(scope="session")
def api_schema(live_api: LiveServer) -> Any:
    import schemathesis

    return schemathesis.openapi.from_url(f"{live_api.base}/api/v1/openapi.json")


@pytest.fixture(scope="session")
def callers(live_api: LiveServer) -> dict[str, Caller]:
    import json

    made = {"anonymous": Caller("anonymous", (), {}, None)}
    for role, email in USERS.items():
        if email is None:
            continue
        [(roles, organisation_id)] = _query(
            live_api.database, 'SELECT roles, organisation_id FROM "user" WHERE email = ?', email
        )
        vendor = _query(
            live_api.database, "SELECT id FROM vendor WHERE organisation_id = ?", organisation_id
        )
        token = token_for(live_api.base, email, DEMO_PASSWORD)
        made[role] = Caller(
            role,
            tuple(json.loads(roles)),
            {"Authorization": f"Bearer {token}"},
            vendor[0][0] if vendor else None,
        )
    return made


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


@dataclass(frozen=True)
class _User:
    roles: tuple[str, ...]


def assert_allowed(
    name: str, method: str, caller: Caller, case: Any, response: Any, database: Any
) -> None:
    """No request changes data it should not: checked on every answer."""
    if not 200 <= response.status_code < 300:
        return
    allow = ALLOW[name]
    user = _User(caller.roles) if caller.role != "anonymous" else None
    assert allow.admits(user), f"{caller.role} got {response.status_code} from {name}"
    path_id = (case.path_parameters or {}).get("id")
    if name == "api.vendors.profile":
        assert path_id == caller.vendor_id, f"{caller.role} changed vendor {path_id}'s profile"
    if name == "api.bids.detail" and caller.vendor_id is not None:
        [(owner,)] = _query(database, "SELECT vendor_id FROM bid WHERE id = ?", path_id)
        assert owner == caller.vendor_id, f"a vendor read another vendor's bid {path_id}"
    if name in ("api.bids.revise", "api.bids.withdraw"):
        [(owner,)] = _query(database, "SELECT vendor_id FROM bid WHERE id = ?", path_id)
        assert owner == caller.vendor_id, f"{caller.role} changed another vendor's bid"


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize(("method", "path", "name"), OPERATIONS, ids=[o[2] for o in OPERATIONS])
def test_the_api_keeps_its_contract(
    api_schema: Any,
    callers: dict[str, Caller],
    live_api: LiveServer,
    role: str,
    method: str,
    path: str,
    name: str,
) -> None:
    if name in ENDS_TOKEN and role != "anonymous":
        pytest.skip("revoking the token would sign this role out of the remaining operations")
    caller = callers[role]
    operation = api_schema[path][method]
    checks = _checks()
    has_id = "{id}" in path

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), known_id=st.integers(min_value=1, max_value=12))
    def run(case: Any, known_id: int) -> None:
        if has_id:  # mostly ids that exist in the demo data, so more than 404s get tested
            case.path_parameters["id"] = known_id
        response = case.call(headers=caller.headers, timeout=30)
        case.validate_response(response, checks=checks, headers=caller.headers)
        assert_allowed(name, method, caller, case, response, live_api.database)

    run()
