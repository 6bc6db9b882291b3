"""POST/DELETE /api/v1/auth/token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.accounts import services
from market.accounts.schemas import Credentials, IdentityOut, TokenOut
from market.api import answer, json_body
from market.errors import NotAuthenticated, PermissionDenied
from market.i18n import gettext as _
from market.openapi import operation
from market.schemas import parse
from market.web import client_address


@operation(
    "api.auth.token_create",
    "Get a bearer token",
    request=Credentials,
    answers={200: TokenOut},
    errors=(401, 403, 429),
    tag="auth",
)
async def create_token(request: Request) -> Response:
    credentials = parse(Credentials, await json_body(request))
    email, password = credentials.email, credentials.password
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


@operation(
    "api.auth.token_delete",
    "Revoke the caller's token",
    answers={204: None},
    errors=(401,),
    tag="auth",
)
async def delete_token(request: Request) -> Response:
    token = request.state.token
    if token is None:
        raise NotAuthenticated(_("Send the bearer token to revoke."))
    await services.revoke_token(request.state.user, token.id)
    return Response(status_code=204)


@operation(
    "api.me",
    "Who the caller is: id, e-mail, name, roles, vendor and organisation",
    answers={200: IdentityOut},
    errors=(401,),
    tag="auth",
)
async def me(request: Request) -> Response:
    return answer(await services.identity(request.state.user))
