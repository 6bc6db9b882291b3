"""JSON API: a vendor's declared git identities and the secretariat's confirmation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.api import answer, json_body, path_id
from market.contributions import services
from market.contributions.models import IdentityKind, VendorIdentity
from market.errors import ValidationFailed
from market.i18n import gettext as _
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


async def put_identities(request: Request) -> Response:
    vendor_id = path_id(request)
    body = await json_body(request)
    rows = await services.declare_identities(
        vendor_id,
        body.get("domains"),
        body.get("authors"),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer(identities_json(vendor_id, rows))


async def confirm_identities(request: Request) -> Response:
    vendor_id = path_id(request)
    body = await json_body(request, allow_empty=True)
    ids = body.get("ids")
    if ids is not None and (
        not isinstance(ids, list) or not all(type(i) is int and 0 < i < 2**31 for i in ids)
    ):
        raise ValidationFailed(_("Check the identities."), {"ids": _("A list of identity ids.")})
    rows = await services.confirm_identities(
        vendor_id, ids, actor=request.state.user, address=client_address(request)
    )
    return answer(identities_json(vendor_id, rows))
