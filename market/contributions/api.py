"""JSON API: a vendor's declared git identities and the secretariat's confirmation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.api import answer, json_body, path_id
from market.contributions import services
from market.contributions.models import IdentityKind, VendorIdentity
from market.contributions.schemas import IdentitiesConfirm, IdentitiesDeclare, IdentitiesOut
from market.openapi import operation
from market.schemas import parse
from market.web import client_address


def identity_json(identity: VendorIdentity) -> dict[str, Any]:
    return {
        "id": identity.id,
        "kind": identity.kind,
        "label": identity.label,
        "status": identity.status,
        "confirmed_at": clock.to_local(identity.confirmed_at).isoformat()
        if identity.confirmed_at
        else None,
    }


def identities_json(vendor_id: int, rows: list[VendorIdentity]) -> dict[str, Any]:
    return {
        "vendor_id": vendor_id,
        "domains": [identity_json(i) for i in rows if i.kind == IdentityKind.DOMAIN],
        "authors": [identity_json(i) for i in rows if i.kind != IdentityKind.DOMAIN],
    }


@operation(
    "api.vendors.identities",
    "Declare the e-mail domains and git authors the vendor's people commit with (replaces "
    "the earlier declaration); a domain of a vendor admin's own address is confirmed at once",
    request=IdentitiesDeclare,
    answers={200: IdentitiesOut},
    errors=(401, 403, 404),
    tag="vendors",
)
async def put_identities(request: Request) -> Response:
    vendor_id = path_id(request)
    data = parse(IdentitiesDeclare, await json_body(request))
    rows = await services.declare_identities(
        vendor_id, data, actor=request.state.user, address=client_address(request)
    )
    return answer(identities_json(vendor_id, rows))


@operation(
    "api.vendors.identities_confirm",
    "Confirm the vendor's pending identities (all, or those in `ids`)",
    request=IdentitiesConfirm,
    answers={200: IdentitiesOut},
    errors=(401, 403, 404, 409),
    empty_body_ok=True,
    tag="vendors",
)
async def confirm_identities(request: Request) -> Response:
    vendor_id = path_id(request)
    data = parse(IdentitiesConfirm, await json_body(request, allow_empty=True))
    rows = await services.confirm_identities(
        vendor_id, data.ids, actor=request.state.user, address=client_address(request)
    )
    return answer(identities_json(vendor_id, rows))
