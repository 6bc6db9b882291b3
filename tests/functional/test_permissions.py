"""The role matrix: every route, with every role and anonymously, against the permission table.

`EXPECTED` is the permission table (route name -> who may reach it). The test checks that the
declaration next to each route says the same, that every route is in the table, and that
each role is let in or turned away as the table says (object-level rules are tested per
domain).
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
    "core.metrics": SEC,
    "legal.accessibility": ANY,
    "legal.cookies": ANY,
    "legal.security_txt": ANY,
    "legal.robots_txt": ANY,
    "dev.outbox": ANY,
    "dev.clock": ANY,
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
    # --- API documentation
    "api.openapi": ANY,
    "core.api_docs": ANY,
    # --- API
    "api.auth.token_create": ANY,
    "api.auth.token_delete": SIGNED_IN,
    "api.me": SIGNED_IN,
    # --- vendors and conduct
    "vendors.register": ANY,
    "vendors.partners": ANY,
    "vendors.partners_csv": ANY,
    "vendors.profile": ANY,
    "vendors.my_company": "vendor_admin, vendor_member",
    "vendors.invite": "vendor_admin",
    "vendors.accept": ANY,
    "conduct.current": ANY,
    "conduct.sign": "vendor_admin",
    "conduct.receipt": "vendor_admin, vendor_member",
    "conduct.desk": SEC,
    "conduct.publish": SEC,
    "conduct.countersign": SEC,
    "conduct.reject": SEC,
    "conduct.revoke": SEC,
    "conduct.reminders": SEC,
    "conduct.register_csv": SEC,
    "conduct.vendors": SEC,
    "conduct.suspend": SEC,
    "conduct.reinstate": SEC,
    "conduct.remind": SEC,
    "api.vendors.register": ANY,
    "api.vendors.list": ANY,
    "api.vendors.detail": ANY,
    "api.vendors.sign": "vendor_admin",
    "api.vendors.suspend": SEC,
    "api.vendors.reinstate": SEC,
    "api.conduct.current": ANY,
    "api.conduct.publish": SEC,
    "api.signatures.list": SEC,
    "api.signatures.countersign": SEC,
    "api.signatures.reject": SEC,
    "api.signatures.revoke": SEC,
    # --- competencies
    "competencies.profile": "vendor_admin, vendor_member",
    "competencies.directory": ANY,
    "competencies.vendor": ANY,
    "competencies.taxonomy": SEC,
    "competencies.taxonomy_edit": SEC,
    "api.competencies.list": ANY,
    "api.vendors.profile": "vendor_admin, vendor_member",
    # --- solutions, wishes, tasks
    "solutions.list": ANY,
    "solutions.detail": ANY,
    "wishes.new": "municipality",
    "solutions.import_jira": "coordinator",
    "releases.new": "coordinator",
    "wishes.list": ANY,
    "wishes.detail": ANY,
    "wishes.support": "municipality",
    "wishes.comment": "coordinator, municipality, secretariat",
    "wishes.status": "coordinator",
    "releases.list": "coordinator",
    "releases.board": ANY,
    "releases.plan": "coordinator",
    "tasks.list": ANY,
    "tasks.new": "coordinator",
    "tasks.detail": ANY,
    "tasks.edit": "coordinator",
    "tasks.publish": "coordinator",
    "tasks.cancel": "coordinator",
    "tasks.invite": "coordinator",
    "tasks.ask": "vendor_admin, vendor_member",
    "tasks.follow": "vendor_admin, vendor_member",
    "tasks.answer": "coordinator",
    "api.solutions.list": ANY,
    "api.solutions.create": SEC,
    "api.solutions.detail": ANY,
    "api.wishes.list": ANY,
    "api.wishes.create": "municipality",
    "api.wishes.detail": ANY,
    "api.wishes.support": "municipality",
    "api.wishes.comment": "coordinator, municipality, secretariat",
    "api.wishes.status": "coordinator",
    "api.releases.create": "coordinator",
    "api.releases.detail": ANY,
    "api.releases.plan": "coordinator",
    "api.tasks.list": ANY,
    "api.tasks.create": "coordinator",
    "api.tasks.detail": ANY,
    "api.tasks.update": "coordinator",
    "api.tasks.publish": "coordinator",
    "api.tasks.cancel": "coordinator",
    "api.tasks.invite": "coordinator",
    "api.tasks.questions": ANY,
    "api.tasks.ask": "vendor_admin, vendor_member",
    "api.tasks.follow": "vendor_admin, vendor_member",
    "api.tasks.answer": "coordinator",
    # --- matching
    "shortlists.task": "coordinator, secretariat",
    "shortlists.status": "coordinator, secretariat",
    "shortlists.recompute": "coordinator, secretariat",
    "shortlists.invite": "coordinator",
    "shortlists.weights": SEC,
    "shortlists.learn": SEC,
    "shortlists.fairness": SEC,
    "api.tasks.shortlist": "coordinator, secretariat",
    # --- bids
    "bids.opportunities": "vendor_admin, vendor_member",
    "bids.mine": "vendor_admin, vendor_member",
    "bids.form": "vendor_admin, vendor_member",
    "bids.detail": SIGNED_IN,
    "bids.withdraw": "vendor_admin, vendor_member",
    "bids.receipt": "vendor_admin, vendor_member",
    "bids.attachment": SIGNED_IN,
    "bids.evaluation": "coordinator, municipality",
    "bids.export_csv": "coordinator, municipality",
    "bids.export_xlsx": "coordinator, municipality",
    "bids.declare": "coordinator, municipality",
    "bids.panel": "coordinator",
    "bids.score": "coordinator, municipality",
    "bids.award": "coordinator",
    "bids.delivery": "coordinator",
    "api.bids.opportunities": "vendor_admin, vendor_member",
    "api.bids.list": "vendor_admin, vendor_member",
    "api.bids.submit": "vendor_admin, vendor_member",
    "api.bids.task_list": "coordinator, municipality",
    "api.bids.detail": SIGNED_IN,
    "api.bids.revise": "vendor_admin, vendor_member",
    "api.bids.withdraw": "vendor_admin, vendor_member",
    "api.bids.declare": "coordinator, municipality",
    "api.bids.panel": "coordinator",
    "api.bids.panel_add": "coordinator",
    "api.bids.score": "coordinator, municipality",
    "api.bids.evaluation": "coordinator, municipality",
    "api.bids.award": "coordinator",
    "api.bids.delivery": "coordinator",
    # --- open data
    "opendata.statistics": ANY,
    "api.ocds.releases": ANY,
    "api.ocds.records": ANY,
    "opendata.tasks_csv": ANY,
    "opendata.awards_csv": ANY,
    "opendata.register_csv": ANY,
    # --- privacy
    "privacy.page": ANY,
    "privacy.account": SIGNED_IN,
    "privacy.data": SIGNED_IN,
    "privacy.data_json": SIGNED_IN,
    "privacy.erase": SIGNED_IN,
    "privacy.desk": SEC,
    "privacy.subject": SEC,
    "privacy.subject_json": SEC,
    "privacy.erase_on_request": SEC,
    "privacy.approve": SEC,
    "privacy.reject": SEC,
    "privacy.periods": SEC,
    "privacy.retention_run": SEC,
    "api.me.data": SIGNED_IN,
    "api.me.erasure": SIGNED_IN,
    "api.erasure_requests.approve": SEC,
    # --- alerts, digests, reminders and feeds
    "alerts.preferences": SIGNED_IN,
    "alerts.search_add": SIGNED_IN,
    "alerts.search_delete": SIGNED_IN,
    "alerts.feeds_revoke": SIGNED_IN,
    "alerts.unsubscribe": ANY,
    "alerts.public_feed": ANY,
    "alerts.private_feed": ANY,
    "alerts.calendar": ANY,
    "alerts.settings": SEC,
    "api.me.alerts": SIGNED_IN,
    "api.me.alerts_update": SIGNED_IN,
    # --- contributions
    "contributions.identities": "vendor_admin, vendor_member",
    "contributions.desk": SEC,
    "contributions.confirm": SEC,
    "api.vendors.identities": "vendor_admin",
    "api.vendors.identities_confirm": SEC,
}

ROLES = ["anonymous", "vendor_admin", "vendor_member", "municipality", "coordinator", "secretariat"]
UNGUARDED = {"healthz", "static"}
# These end the caller's session or token, so they are checked apart (test_accounts.py).
ENDS_SESSION = {
    "accounts.logout",
    "accounts.logout_everywhere",
    "accounts.password",
    "api.auth.token_delete",
    # /account/tokens/1/revoke may revoke the caller's own bearer token (ids restart on SQLite)
    "accounts.token_revoke",
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


def _admitted(entry: str, role: str) -> bool:
    """Read from the table, not from the route's own declaration: a declaration that drifts
    from the table fails here too, not only in test_declarations_match_the_table."""
    if entry == ANY:
        return True
    if role == "anonymous":
        return False
    return entry == SIGNED_IN or role in entry.split(", ")


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
        if route.name not in EXPECTED:
            continue  # test_every_route_is_in_the_permission_table names it
        admitted = _admitted(EXPECTED[route.name], role)
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
