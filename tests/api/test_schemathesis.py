"""Schemathesis drives every /api/v1 operation of a live server, as each role.

For each operation and role, with data that fits the OpenAPI document and data that breaks it,
every check schemathesis has (`--checks all`): no 5xx; status code, content type, headers and
body as documented; data that breaks the document refused; data that fits it accepted, unless
a rule the document cannot state refuses it (RULES_BEYOND_THE_SCHEMA says which and why); and
no request changes what its role may not change: a 2xx answer to a POST/PUT/DELETE only for a
role the route admits, a profile only for the caller's own vendor, never another vendor's bid.
"""

from __future__ import annotations

import sqlite3
import tomllib
from dataclasses import dataclass
from pathlib import Path
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
# Data that fits the document but breaks a rule only the data can be checked against: these
# operations may answer it with 422 (naming the field). Any other refusal of fitting data fails.
RULES_BEYOND_THE_SCHEMA = {
    "api.vendors.register": "the CVR's modulus-11 check, a strong password, an unused e-mail",
    "api.vendors.sign": "the version in force, the hash of its text, accept must be true",
    "api.vendors.profile": "competency codes and products that exist",
    "api.conduct.publish": "an effective date not in the past, a label not used before",
    "api.tasks.create": "deadlines in the future and in order, codes that exist, funding",
    "api.tasks.update": "deadlines in the future and in order, codes that exist, funding",
    "api.tasks.invite": "vendor ids that exist",
    "api.solutions.create": "coordinator e-mails of existing users",
    "api.tasks.ask": "a question on a task open for questions",
    "api.bids.submit": "a delivery date not in the past, a complete bid when submitting",
    "api.bids.revise": "a delivery date not in the past, a complete bid when submitting",
    "api.bids.panel_add": "the e-mail of an active municipal user",
    "api.bids.declare": "no_conflict true or the vendors concerned",
    "api.bids.score": "criteria of the task",
    "api.bids.award": "a bid of this task",
    "api.bids.delivery": "storable text in every field, unknown ones too",
    "api.releases.create": "a solution that exists, a target date not in the past",
    "api.releases.plan": "at least one wish of the release's solution",
    "api.wishes.create": "a solution that exists",
    "api.wishes.status": "a reason when rejecting",
    "api.me.alerts_update": "codes and products that exist",
    "api.me.erasure": "a successor who is an active colleague",
    "api.vendors.identities": "domains and addresses of the right form, no shared mail domain",
    "api.vendors.identities_confirm": "ids of the vendor's pending identities",
}
# Operations whose document is generated from their models (market/<domain>/schemas.py): the
# only fields a 422 for fitting data may name, so a type or length the model and the code
# disagree on fails instead of hiding behind the rule above.
FIELDS_BEYOND_THE_SCHEMA = {
    "api.tasks.create": {
        "solution_id",
        "bid_deadline",
        "question_deadline",
        "delivery_date",
        "required",
        "nice_to_have",
        "funding",
        "criteria",
        "municipality_specific",
        "wish_ids",
    },
    "api.tasks.invite": {"vendor_ids"},
    "api.tasks.ask": {"text"},
    "api.bids.submit": {"delivery_date", "price_dkk", "hours", "approach"},
    "api.bids.revise": {"delivery_date", "price_dkk", "hours", "approach"},
    "api.bids.declare": {"no_conflict", "conflict_vendor_ids"},
    "api.bids.panel_add": {"email"},
    "api.bids.award": {"bid_id"},
    "api.bids.delivery": set(),
    "api.solutions.create": {"coordinator_emails", "repository_url"},
    "api.wishes.create": {"solution_id"},
    "api.wishes.status": {"reason"},
    "api.releases.create": {"solution_id", "target_date"},
    "api.releases.plan": {"wish_ids"},
    "api.me.alerts_update": {"codes", "products"},
}
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
    """Every check schemathesis has, but its acceptance of fitting data: ours knows the rules."""
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    load_all_checks()
    return [check for check in CHECKS.get_all() if check is not positive_data_acceptance]


def assert_fitting_data_accepted(name: str, case: Any, response: Any) -> None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    refused = response.status_code in (400, 422)
    if refused and not (response.status_code == 422 and name in RULES_BEYOND_THE_SCHEMA):
        raise AssertionError(f"{name} refused data that fits the document: {response.text[:300]}")
    allowed = FIELDS_BEYOND_THE_SCHEMA.get(name)
    if response.status_code == 422 and allowed is not None:
        # Text no database can store (NUL, a lone surrogate) anywhere in the body, an unknown
        # field's value too, is refused under its top-level key: JSON Schema cannot say so.
        fields = response.json()["fields"]
        named = {field for field, problem in fields.items() if "NUL" not in problem}
        assert named <= allowed, f"{name} refused fitting data for {named - allowed}"


def _strategy(operation: Any) -> Any:
    """Data that fits the document and data that breaks it (where the operation takes any)."""
    from schemathesis.generation import GenerationMode

    fitting = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        return st.one_of(fitting, operation.as_strategy(GenerationMode.NEGATIVE))
    except Exception:  # noqa: BLE001 - nothing to break: positive data only
        return fitting


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


def test_a_plain_schemathesis_run_expects_the_same_rules():
    """`schemathesis run` in the checkout reads schemathesis.toml: the operations it lets answer
    422 to data that fits the document are exactly those listed here, for the same reasons."""
    config = tomllib.loads((Path(__file__).parents[2] / "schemathesis.toml").read_text("utf-8"))
    lenient = {
        entry["include-operation-id"]: entry["checks"]["positive_data_acceptance"]
        for entry in config["operations"]
    }
    assert set(lenient) == set(RULES_BEYOND_THE_SCHEMA)
    assert set(lenient) <= {operation_id for _method, _path, operation_id in OPERATIONS}
    for statuses in lenient.values():
        assert statuses["expected-statuses"] == [
            "2xx",
            "3xx",
            "401",
            "403",
            "404",
            "409",
            "422",
            "429",
        ], "only 422 is added to schemathesis' defaults (and 5xx taken out)"


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
    @given(case=_strategy(operation), known_id=st.integers(min_value=1, max_value=12))
    def run(case: Any, known_id: int) -> None:
        # Mostly ids that exist in the demo data, so more than 404s get tested; data made to
        # break the document keeps its own id, which may be what it breaks.
        if has_id and case.meta is not None and case.meta.generation.mode.is_positive:
            case.path_parameters["id"] = known_id
        response = case.call(headers=caller.headers, timeout=30)
        case.validate_response(response, checks=checks, headers=caller.headers)
        assert_fitting_data_accepted(name, case, response)
        assert_allowed(name, method, caller, case, response, live_api.database)

    run()
