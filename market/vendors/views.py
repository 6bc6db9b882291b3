"""Vendor pages: registration, the public partner register, profiles, "My company", invites."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market import listcache
from market.conduct.services import vendor_signatures
from market.conduct.states import STATE_LABELS, standing
from market.errors import DomainError, NotFound, ValidationFailed
from market.i18n import get_language
from market.i18n import gettext as _
from market.schemas import parse
from market.security.secrets import new_secret
from market.security.sessions import end_session, start_session
from market.urls import url
from market.vendors import services
from market.vendors.schemas import InvitationAccept, Registration, VendorInvite
from market.web import (
    client_address,
    flash,
    form_data,
    form_failure,
    page_param,
    redirect,
    render,
)

PER_PAGE = 25


async def register(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "vendors/register.html", values={}, errors={})
    values = await form_data(request)
    address = client_address(request)
    try:
        await services.admit_registration(request.app.state.settings, address)
        data = parse(Registration, {**values, "language": get_language()}, form=True)
        _vendor, user = await services.register_vendor(data, address=address)
    except DomainError as exc:
        return await form_failure(request, "vendors/register.html", exc, values, field="name")
    await _sign_in(request, user)
    flash(request, _("Your company is registered. Next: sign the Code of Conduct."))
    return redirect(request, url("vendors.my_company"))


async def _sign_in(request: Request, user: object) -> None:
    if request.state.session is not None:
        await end_session(request.state.session)
    _session, cookie = await start_session(
        request.app.state.settings,
        user,  # type: ignore[arg-type]
        client_address(request),
        request.headers.get("user-agent", ""),
    )
    request.state.set_session = cookie
    request.state.csrf_rotate = True
    request.state.csrf_token = new_secret(24)


def _register_query(request: Request) -> tuple[str, str]:
    q = request.query_params.get("q", "")[:100]
    sort = request.query_params.get("sort", "name")
    return q, sort if sort in services.REGISTER_ORDERS else "name"


@listcache.cached("vendors")
async def partners(request: Request) -> Response:
    page = page_param(request)
    q, sort = _register_query(request)
    items, total = await services.public_register(page, PER_PAGE, q=q, sort=sort)
    pages = max(1, -(-total // PER_PAGE))
    return render(
        request,
        "vendors/partners.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        filters={"q": q, "sort": sort},
    )


async def partners_csv(request: Request) -> Response:
    q, sort = _register_query(request)
    text = await services.public_register_csv(q=q, sort=sort)
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="partners.csv"'},
    )


async def my_company(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    user = request.state.user
    vendor = await services.own_vendor(user)
    return render(
        request,
        "vendors/my_company.html",
        status_code=status_code,
        vendor=vendor,
        standing=await standing(vendor),
        state_labels=STATE_LABELS,
        signatures=await vendor_signatures(vendor),
        colleagues=await services.colleagues(vendor),
        invitations=await services.open_invitations(vendor)
        if user.has_role("vendor_admin")
        else [],
        is_admin=user.has_role("vendor_admin"),
        errors=errors or {},
        values=values or {},
        message=message,
    )


async def my_company_page(request: Request) -> Response:
    return await my_company(request)


async def invite(request: Request) -> Response:
    user = request.state.user
    vendor = await services.own_vendor(user)
    values = await form_data(request)
    try:
        await services.invite(
            vendor,
            parse(VendorInvite, values, form=True),
            actor=user,
            base_url=request.app.state.settings.base_url,
            address=client_address(request),
        )
    except DomainError as exc:
        return await form_failure(request, my_company, exc, values, field="email")
    flash(request, _("The invitation is sent to %(email)s.") % {"email": values.get("email")})
    return redirect(request, url("vendors.my_company"))


async def accept_invitation(request: Request) -> Response:
    secret = request.path_params["secret"]
    invitation = await services.get_valid_invitation(secret)
    if invitation is None:
        raise NotFound(_("This invitation is invalid, used or expired. Ask for a new one."))
    if request.method == "GET":
        return render(
            request,
            "vendors/accept.html",
            invitation=invitation,
            secret=secret,
            values={},
            errors={},
        )
    values = await form_data(request)
    try:
        if values.get("password", "") != values.get("password_repeat", ""):
            different = _("The two passwords are not the same.")
            raise ValidationFailed(different, {"password_repeat": different})
        user = await services.accept_invitation(
            secret,
            parse(InvitationAccept, values, form=True),
            language=get_language(),
            address=client_address(request),
        )
    except DomainError as exc:
        return await form_failure(
            request,
            "vendors/accept.html",
            exc,
            values,
            field="password",
            invitation=invitation,
            secret=secret,
        )
    await _sign_in(request, user)
    flash(
        request, _("Welcome to %(vendor)s on Partner Market.") % {"vendor": invitation.vendor.name}
    )
    return redirect(request, url("vendors.my_company"))
