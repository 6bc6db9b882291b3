"""Every route of the app in one list, each with a dotted name and who may reach it."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from market.accounts import api as accounts_api
from market.accounts import views as accounts
from market.audit import views as audit
from market.core import views as core
from market.security.permissions import ANYONE, SIGNED_IN, Allow, Endpoint, guard, roles
from market.settings import ROOT

GET = ("GET",)
POST = ("POST",)
FORM = ("GET", "POST")

SECRETARIAT = roles("secretariat")


def page(
    path: str, endpoint: Endpoint, name: str, allow: Allow, methods: Sequence[str] = GET
) -> Route:
    return Route(path, guard(endpoint, allow, api=False), name=name, methods=list(methods))


def api(
    path: str, endpoint: Endpoint, name: str, allow: Allow, methods: Sequence[str] = GET
) -> Route:
    return Route(
        f"/api/v1{path}",
        guard(endpoint, allow, api=True),
        name=f"api.{name}",
        methods=list(methods),
    )


routes: list[BaseRoute] = [
    # --- core
    page("/", core.home, "home", ANYONE),
    Route("/healthz", core.healthz, name="healthz", methods=["GET"]),
    page("/dev/outbox", core.dev_outbox, "dev.outbox", ANYONE),
    page("/dev/outbox/{id:int}", core.dev_outbox_message, "dev.outbox_message", ANYONE),
    # --- accounts
    page("/login", accounts.login, "accounts.login", ANYONE, FORM),
    page("/logout", accounts.logout, "accounts.logout", SIGNED_IN, POST),
    page(
        "/logout/everywhere",
        accounts.logout_everywhere,
        "accounts.logout_everywhere",
        SIGNED_IN,
        POST,
    ),
    page("/password/forgot", accounts.forgot_password, "accounts.forgot", ANYONE, FORM),
    page("/password/reset/{secret}", accounts.reset_password, "accounts.reset", ANYONE, FORM),
    page("/account", accounts.account, "accounts.account", SIGNED_IN),
    page("/account/password", accounts.change_password, "accounts.password", SIGNED_IN, POST),
    page("/account/tokens", accounts.create_token, "accounts.token_create", SIGNED_IN, POST),
    page(
        "/account/tokens/{id:int}/revoke",
        accounts.revoke_token,
        "accounts.token_revoke",
        SIGNED_IN,
        POST,
    ),
    page("/account/role", accounts.switch_role, "accounts.role", SIGNED_IN, POST),
    page("/language", accounts.set_language, "accounts.language", ANYONE, POST),
    # --- audit
    page("/secretariat/audit", audit.audit_log, "audit.log", SECRETARIAT),
    # --- API
    api("/auth/token", accounts_api.create_token, "auth.token_create", ANYONE, POST),
    api("/auth/token", accounts_api.delete_token, "auth.token_delete", SIGNED_IN, ("DELETE",)),
    # --- static files (built by `make assets` into market/static)
    Mount(
        "/static",
        app=StaticFiles(directory=str(ROOT / "market" / "static"), check_dir=False),
        name="static",
    ),
]
