"""JSON API: vendor registration, the public register, profiles, signing and suspension."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock, listcache
from market.api import answer, json_body, page_of, pagination, path_id, text_field
from market.conduct import services as conduct
from market.conduct.states import standing
from market.contributions.figures import contributions_json
from market.errors import NotFound, ValidationFailed
from market.i18n import gettext as _
from market.vendors import services
from market.vendors.models import Vendor
from market.web import client_address


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


def vendor_json(vendor: Vendor) -> dict[str, Any]:
    return {
        "id": vendor.id,
        "name": vendor.name,
        "cvr": vendor.cvr,
        "size_class": vendor.size_class,
        "website": vendor.website,
        "address": vendor.address,
    }


async def register(request: Request) -> Response:
    body = await json_body(request)
    data = services.Registration(
        name=_text(body, "name"),
        cvr=_text(body, "cvr") or str(body.get("cvr") or ""),
        email=_text(body, "email"),
        password=_text(body, "password"),
        contact_name=_text(body, "contact_name"),
        employees=body.get("employees"),
        website=_text(body, "website"),
        address=_text(body, "address"),
        language=_text(body, "language") or "da",
    )
    vendor, user = await services.register_vendor(
        data, address=client_address(request), settings=request.app.state.settings
    )
    result = await _detail(vendor, full=True)
    result["user"] = {"id": user.id, "email": user.email, "name": user.name, "roles": user.roles}
    return answer(result, 201)


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


async def detail(request: Request) -> Response:
    vendor = await services.get_vendor(path_id(request))
    if vendor is None:
        raise NotFound(_("No such vendor."))
    full = services.may_see_details(request.state.user, vendor)
    return answer(await _detail(vendor, full=full))


async def sign(request: Request) -> Response:
    vendor = await services.get_vendor(path_id(request))
    if vendor is None:
        raise NotFound(_("No such vendor."))
    body = await json_body(request)
    data = conduct.SignInput(
        version=_text(body, "version") or str(body.get("version") or ""),
        sha256=_text(body, "sha256"),
        signer_name=_text(body, "signer_name"),
        signer_title=_text(body, "signer_title"),
        accept=body.get("accept"),
    )
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
    body = await json_body(request)
    errors: dict[str, str] = {}
    reason = text_field(body, "reason", errors, max_length=2000)
    if errors:
        raise ValidationFailed(_("Give a reason."), errors)
    return reason


async def suspend(request: Request) -> Response:
    reason = await _reason(request)
    vendor = await services.suspend(
        path_id(request), reason, actor=request.state.user, address=client_address(request)
    )
    return answer(await _detail(vendor, full=True))


async def reinstate(request: Request) -> Response:
    reason = await _reason(request)
    vendor = await services.reinstate(
        path_id(request), reason, actor=request.state.user, address=client_address(request)
    )
    return answer(await _detail(vendor, full=True))
