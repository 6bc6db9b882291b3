"""Who may reach a route: declared next to each route in market/routes.py.

`Allow` says which roles may reach a route (or anyone, or any signed-in user) and names the
object-level rule the service checks (own vendor, coordinator of this solution, ...). The
role-matrix test walks every route with every role against these declarations.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from market.errors import NotAuthenticated, PermissionDenied
from market.i18n import gettext as _
from market.urls import url

Endpoint = Callable[[Request], Awaitable[Response]]

ROLE_NAMES = {
    "vendor_admin": "vendor administrators",
    "vendor_member": "vendor users",
    "municipality": "municipality staff",
    "coordinator": "coordinators",
    "secretariat": "the secretariat",
}


@dataclass(frozen=True)
class Allow:
    roles: frozenset[str] | None = None  # None: no role needed
    signed_in: bool = False
    rule: str = ""  # the object-level rule the service applies, for the permission table

    def admits(self, user: object | None) -> bool:
        if user is None:
            return not self.signed_in and self.roles is None
        if self.roles is None:
            return True
        return any(role in self.roles for role in getattr(user, "roles", ()))

    def describe(self) -> str:
        if self.roles is None:
            return "signed-in users" if self.signed_in else "anyone"
        return ", ".join(sorted(self.roles))


ANYONE = Allow()
SIGNED_IN = Allow(signed_in=True)


def roles(*names: str, rule: str = "") -> Allow:
    return Allow(roles=frozenset(names), signed_in=True, rule=rule)


def denied_reason(allow: Allow) -> str:
    assert allow.roles is not None
    who = [_(ROLE_NAMES[r]) for r in sorted(allow.roles)]
    return _("This page is only for %(who)s.") % {"who": _(" or ").join(who)}


def guard(endpoint: Endpoint, allow: Allow, *, api: bool) -> Endpoint:
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        user = request.state.user
        if user is None and (allow.signed_in or allow.roles is not None):
            if api:
                raise NotAuthenticated(_("Sign in first: send a bearer token."))
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(url("accounts.login", next=target), status_code=303)
        if not allow.admits(user):
            raise PermissionDenied(denied_reason(allow))
        return await endpoint(request)

    guarded.allow = allow  # type: ignore[attr-defined]
    return guarded
