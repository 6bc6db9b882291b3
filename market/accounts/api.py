"""POST/DELETE /api/v1/auth/token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.accounts import services
from market.api import answer, json_body
from market.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from market.i18n import gettext as _
from market.web import client_address


async def create_token(request: Request) -> Response:
    body = await json_body(request)
    email, password = body.get("email"), body.get("password")
    errors = {}
    if not isinstance(email, str) or not email.strip():
        errors["email"] = _("This field is required.")
    if not isinstance(password, str) or not password:
        errors["password"] = _("This field is required.")
    if errors:
        raise ValidationFailed(_("Send an e-mail address and a password."), errors)
    assert isinstance(email, str) and isinstance(password, str)
    if request.state.token is not None:
        raise PermissionDenied(_("A bearer token cannot create tokens: sign in with a password."))
    settings = request.app.state.settings
    address = client_address(request)
    result = await services.authenticate(settings, email, password, address=address)
    token, secret = await services.issue_token(settings, result.user, "API", address=address)
    return answer(
        {
            "token": secret,
            "expires_at": clock.to_local(token.expires_at).isoformat(),
            "token_type": "bearer",
        }
    )


async def delete_token(request: Request) -> Response:
    token = request.state.token
    if token is None:
        raise NotAuthenticated(_("Send the bearer token to revoke."))
    await services.revoke_token(request.state.user, token.id)
    return Response(status_code=204)


async def me(request: Request) -> Response:
    return answer(await services.identity(request.state.user))
