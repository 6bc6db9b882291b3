"""GET /api/v1/me/data, POST /api/v1/me/erasure, POST /api/v1/erasure-requests/{id}/approve."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, json_body, path_id, text_field
from market.errors import ValidationFailed
from market.i18n import gettext as _
from market.privacy import services
from market.privacy.export import plain
from market.privacy.models import ErasureRequest
from market.web import client_address


def erasure_json(request: ErasureRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "user_id": request.user_id,
        "status": request.status,
        "requested_at": plain(request.requested_at),
        "decided_at": plain(request.decided_at),
        "completed_at": plain(request.completed_at),
        "close_vendor": request.close_vendor,
        "successor_id": request.successor_id,
    }


async def my_data(request: Request) -> Response:
    user = request.state.user
    return answer(await services.export_data(user, actor=user, address=client_address(request)))


async def request_erasure(request: Request) -> Response:
    body = await json_body(request, allow_empty=True)
    errors: dict[str, str] = {}
    reason = text_field(body, "reason", errors, required=False, max_length=2000)
    successor = text_field(body, "successor_email", errors, required=False, max_length=254)
    close_vendor = body.get("close_vendor", False)
    if not isinstance(close_vendor, bool):
        errors["close_vendor"] = _("Must be true or false.")
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    user = request.state.user
    data = services.ErasureInput(reason, successor, close_vendor)
    created = await services.request_erasure(
        user, data, actor=user, address=client_address(request)
    )
    return answer(erasure_json(created), 201)


async def approve(request: Request) -> Response:
    await json_body(request, allow_empty=True)  # no fields; a body must still be sound JSON
    done = await services.approve(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return answer(erasure_json(done))
