"""JSON API: vendor registration, the public register, profiles, signing and suspension."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock, listcache
from market.api import answer, json_body, page_of, pagination, path_id
from market.conduct import services as conduct
from market.conduct.schemas import Signing
from market.conduct.states import standing
from market.contributions.figures import contributions_json
from market.errors import NotFound
from market.i18n import gettext as _
from market.openapi import PAGINATION, operation
from market.schemas import NO_NUL, parse
from market.vendors import services
from market.vendors.models import Vendor
from market.vendors.schemas import (
    RegisterPage,
    Registration,
    SignatureOut,
    SuspensionReason,
    VendorOut,
    VendorRegisteredOut,
)
from market.web import client_address

CHANGES = (401, 403, 404, 409)


def vendor_json(vendor: Vendor) -> dict[str, Any]:
    return {
        "id": vendor.id,
        "name": vendor.name,
        "cvr": vendor.cvr,
        "size_class": vendor.size_class,
        "website": vendor.website,
        "address": vendor.address,
    }


@operation(
    "api.vendors.register",
    "Register a vendor and its first vendor_admin",
    request=Registration,
    answers={201: VendorRegisteredOut},
    errors=(409,),
    tag="vendors",
)
async def register(request: Request) -> Response:
    body, address = await json_body(request), client_address(request)
    await services.admit_registration(request.app.state.settings, address)
    data = parse(Registration, body)
    vendor, user = await services.register_vendor(data, address=address)
    result = await _detail(vendor, full=True)
    result["user"] = {"id": user.id, "email": user.email, "name": user.name, "roles": user.roles}
    return answer(result, 201)


@operation(
    "api.vendors.list",
    "The public register of vendor partners",
    answers={200: RegisterPage},
    query={**PAGINATION, "q": {"type": "string", "maxLength": 100, "pattern": NO_NUL}},
    tag="vendors",
)
@listcache.cached("vendors")
async def list_vendors(request: Request) -> Response:
    page, per_page = pagination(request)
    q = request.query_params.get("q", "")[:100]
    items, total = await services.public_register(page, per_page, q=q)
    return answer(page_of(items, page, total, per_page))


async def _detail(vendor: Vendor, *, full: bool) -> dict[str, Any]:
    s = await standing(vendor)
    result = vendor_json(vendor)
    result.update(
        {
            "conduct_version": s.valid.version.label if s.valid and s.eligible else None,
            "signed_at": clock.to_local(s.valid.signed_at).isoformat()
            if s.valid and s.eligible
            else None,
            "eligible": s.eligible,
        }
    )
    result["contributions"] = await contributions_json(vendor.id)
    if full:
        result.update(
            {
                "email": vendor.email,
                "contact_name": vendor.contact_name,
                "employees": vendor.employees,
                "state": s.state,
                "reasons": s.reasons,
                "current_version": s.current.label if s.current else None,
                "grace_ends": s.grace_ends.isoformat() if s.grace_ends else None,
                "suspended_at": clock.to_local(vendor.suspended_at).isoformat()
                if vendor.suspended_at
                else None,
                "suspension_reason": vendor.suspension_reason,
            }
        )
    return result


@operation(
    "api.vendors.detail",
    "A vendor's profile, with what it has contributed to the products' code",
    answers={200: VendorOut},
    errors=(404,),
    tag="vendors",
)
async def detail(request: Request) -> Response:
    vendor = await services.get_vendor(path_id(request))
    if vendor is None:
        raise NotFound(_("No such vendor."))
    full = services.may_see_details(request.state.user, vendor)
    return answer(await _detail(vendor, full=full))


@operation(
    "api.vendors.sign",
    "Sign a Code of Conduct version for the vendor",
    request=Signing,
    answers={201: SignatureOut},
    errors=CHANGES,
    tag="conduct",
)
async def sign(request: Request) -> Response:
    vendor = await services.get_vendor(path_id(request))
    if vendor is None:
        raise NotFound(_("No such vendor."))
    data = parse(Signing, await json_body(request))
    signature = await conduct.sign(
        vendor,
        request.state.user,
        data,
        address=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    return answer(signature_json(signature, "pending"), 201)


def signature_json(signature: Any, status: str) -> dict[str, Any]:
    return {
        "id": signature.id,
        "vendor_id": signature.vendor_id,
        "version": signature.version.label,
        "sha256": signature.sha256,
        "signer_name": signature.signer_name,
        "signer_title": signature.signer_title,
        "signed_at": clock.to_local(signature.signed_at).isoformat(),
        "status": status,
    }


async def _reason(request: Request) -> str:
    return parse(SuspensionReason, await json_body(request)).reason


@operation(
    "api.vendors.suspend",
    "Suspend a vendor",
    request=SuspensionReason,
    answers={200: VendorOut},
    errors=CHANGES,
    tag="conduct",
)
async def suspend(request: Request) -> Response:
    reason = await _reason(request)
    vendor = await services.suspend(
        path_id(request), reason, actor=request.state.user, address=client_address(request)
    )
    return answer(await _detail(vendor, full=True))


@operation(
    "api.vendors.reinstate",
    "Reinstate a suspended vendor",
    request=SuspensionReason,
    answers={200: VendorOut},
    errors=CHANGES,
    tag="conduct",
)
async def reinstate(request: Request) -> Response:
    reason = await _reason(request)
    vendor = await services.reinstate(
        path_id(request), reason, actor=request.state.user, address=client_address(request)
    )
    return answer(await _detail(vendor, full=True))
