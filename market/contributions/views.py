"""Pages: a vendor's declared git identities, and the secretariat's contributions desk."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market.contributions import figures, services
from market.contributions.models import IdentityKind
from market.contributions.schemas import IdentitiesDeclare
from market.errors import DomainError
from market.i18n import gettext as _
from market.schemas import parse
from market.urls import url
from market.vendors.services import own_vendor
from market.web import (
    client_address,
    flash,
    flash_failure,
    form_data,
    form_failure,
    form_ids,
    read_form,
    redirect,
    render,
)


async def my_identities(request: Request) -> Response:
    user = request.state.user
    vendor = await own_vendor(user)

    async def page() -> dict[str, Any]:
        identities = await services.identities_of(vendor.id)
        return {
            "vendor": vendor,
            "domains": [i for i in identities if i.kind == IdentityKind.DOMAIN],
            "authors": [i for i in identities if i.kind != IdentityKind.DOMAIN],
            "activity": (await figures.activity_of([vendor.id]))[vendor.id],
            "is_admin": user.has_role("vendor_admin"),
        }

    if request.method == "POST":
        form = await read_form(request)
        values = {k: str(form.get(k) or "") for k in ("domains", "authors")}
        removed = set(form_ids(form.getlist("remove")))
        existing = await services.identities_of(vendor.id)
        keep = [i.id for i in existing if i.kind != IdentityKind.DOMAIN and i.id not in removed]
        try:
            await services.declare_identities(
                vendor.id,
                parse(IdentitiesDeclare, values, form=True),
                actor=user,
                address=client_address(request),
                keep=keep,
            )
        except DomainError as exc:
            return await form_failure(
                request,
                "contributions/identities.html",
                exc,
                values,
                field="domains",
                **await page(),
            )
        flash(request, _("Your identities are saved."))
        return redirect(request, url("contributions.identities"))
    return render(request, "contributions/identities.html", values={}, errors={}, **await page())


async def desk(request: Request) -> Response:
    return render(
        request,
        "contributions/desk.html",
        sources=await services.sources(),
        pending=await services.pending_identities(),
    )


async def confirm(request: Request) -> Response:
    vendor_id = int(request.path_params["id"])
    await form_data(request)
    try:
        await services.confirm_identities(
            vendor_id, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return flash_failure(request, exc, url("contributions.desk"))
    flash(request, _("The identities are confirmed."))
    return redirect(request, url("contributions.desk"))
