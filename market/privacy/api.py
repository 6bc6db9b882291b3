"""GET /api/v1/me/data, POST /api/v1/me/erasure, POST /api/v1/erasure-requests/{id}/approve."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, json_body, path_id
from market.openapi import operation
from market.privacy import services
from market.privacy.export import plain
from market.privacy.models import ErasureRequest
from market.privacy.schemas import DataExport, ErasureCreate, ErasureOut
from market.schemas import NoFields, parse
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


@operation(
    "api.me.data",
    "Everything the market keeps about the signed-in user",
    answers={200: DataExport},
    tag="privacy",
)
async def my_data(request: Request) -> Response:
    user = request.state.user
    return answer(await services.export_data(user, actor=user, address=client_address(request)))


@operation(
    "api.me.erasure",
    "Ask for erasure of the signed-in user (the secretariat approves)",
    request=ErasureCreate,
    answers={201: ErasureOut},
    errors=(409, 422),
    tag="privacy",
    empty_body_ok=True,
)
async def request_erasure(request: Request) -> Response:
    data = parse(ErasureCreate, await json_body(request, allow_empty=True))
    user = request.state.user
    created = await services.request_erasure(
        user, data, actor=user, address=client_address(request)
    )
    return answer(erasure_json(created), 201)


@operation(
    "api.erasure_requests.approve",
    "Approve an erasure request: the user is anonymised everywhere",
    request=NoFields,
    answers={200: ErasureOut},
    errors=(404, 409, 422),
    tag="privacy",
    empty_body_ok=True,
)
async def approve(request: Request) -> Response:
    await json_body(request, allow_empty=True)  # no fields; a body must still be sound JSON
    done = await services.approve(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return answer(erasure_json(done))
