"""Privacy pages: the public privacy page, a user's own data and erasure request, and the
secretariat's desk (requests received by mail, erasure approvals, retention periods)."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from market.accounts.services import get_user
from market.errors import DomainError, NotFound
from market.i18n import gettext as _
from market.privacy import export, retention, services
from market.privacy.models import ErasureStatus
from market.privacy.names import display_name
from market.privacy.register import PERIODS, REGISTER, Erasure
from market.privacy.schemas import ErasureCreate, Rejection, RetentionPeriods
from market.schemas import parse
from market.templating import templates
from market.urls import url
from market.web import (
    client_address,
    confirm_first,
    flash,
    form_data,
    form_failure,
    redirect,
    render,
)

# Every page shows an erased user's pseudonym in its own language.
templates.filters["person"] = display_name


async def privacy_page(request: Request) -> Response:
    """/privatliv: exactly what the register says, with the periods in force."""
    return render(
        request,
        "privacy/privatliv.html",
        register=REGISTER,
        periods=PERIODS,
        days=await retention.periods(),
        erasure_labels=Erasure.LABELS,
    )


# --- the user's own data ----------------------------------------------------------------


async def _account_page(
    request: Request,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str = "",
) -> Response:
    user = request.state.user
    return render(
        request,
        "privacy/account.html",
        status_code=status_code,
        open_request=await services.open_request(user),
        vendor_admin=user.has_role("vendor_admin"),
        errors=errors or {},
        values=values or {},
        message=message,
    )


async def account(request: Request) -> Response:
    return await _account_page(request)


def _download(data: dict[str, object], user_id: int) -> Response:
    name = f"partner-market-data-{user_id}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def my_data(request: Request) -> Response:
    user = request.state.user
    data = await services.export_data(user, actor=user, address=client_address(request))
    if request.url.path.endswith(".json"):
        return _download(data, user.id)
    return render(
        request,
        "privacy/data.html",
        data=data,
        labels=export.LABELS,
        subject=user,
        on_request=False,
    )


async def request_erasure(request: Request) -> Response:
    user = request.state.user
    values = await form_data(request)
    try:
        data = parse(ErasureCreate, values, form=True)
        await services.request_erasure(user, data, actor=user, address=client_address(request))
    except DomainError as exc:
        return await form_failure(request, _account_page, exc, values, field="reason")
    flash(request, _("Your request for erasure is sent. The secretariat will answer by e-mail."))
    return redirect(request, url("privacy.account"))


# --- the secretariat ----------------------------------------------------------------------


async def _desk(
    request: Request,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str = "",
) -> Response:
    return render(
        request,
        "privacy/desk.html",
        status_code=status_code,
        requests=await services.list_requests(),
        periods=PERIODS,
        days=await retention.periods(),
        plan=await retention.plan(),
        errors=errors or {},
        values=values or {},
        message=message,
    )


async def desk(request: Request) -> Response:
    return await _desk(request)


async def subject_data(request: Request) -> Response:
    """The same insight for a request received by mail: look the person up by e-mail."""
    email = request.query_params.get("email", "")
    user_id: int | None = request.path_params.get("id")
    try:
        subject = await get_user(user_id) if user_id else await services.find_subject(email)
        if subject is None:
            raise NotFound(_("There is no such user."))
    except DomainError as exc:
        return await form_failure(request, _desk, exc, {"email": email}, field="email")
    data = await services.export_data(
        subject, actor=request.state.user, address=client_address(request), on_request=True
    )
    if request.url.path.endswith(".json"):
        return _download(data, subject.id)
    return render(
        request,
        "privacy/data.html",
        data=data,
        labels=export.LABELS,
        subject=subject,
        on_request=not services.is_erased(subject),
    )


async def erase_on_request(request: Request) -> Response:
    """An erasure request received by mail, filed by the secretariat for the person."""
    values = await form_data(request)
    subject = await get_user(request.path_params["id"])
    if subject is None:
        raise NotFound(_("There is no such user."))
    try:
        data = parse(ErasureCreate, values, form=True)
        await services.request_erasure(
            subject, data, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, _desk, exc, field="requests")
    flash(request, _("The erasure request is registered; approve it below."))
    return redirect(request, url("privacy.desk"))


async def approve(request: Request) -> Response:
    pending = await services.get_request(request.path_params["id"])
    if pending is not None and pending.status == ErasureStatus.PENDING:
        user = await pending.user
        asked = await confirm_first(
            request,
            title=_("Erase %(user)s?") % {"user": display_name(user.name or user.email)},
            consequences=[
                _("They can no longer sign in, and their name and e-mail address are removed."),
                _("Bids, signatures and ratings are kept as procurement records, without it."),
            ],
            button=_("Approve and erase"),
            back=url("privacy.desk"),
            shown=[(_("E-mail address"), user.email)],
        )
        if asked is not None:
            return asked
    try:
        await services.approve(
            request.path_params["id"], actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, _desk, exc, field="requests")
    flash(request, _("The user is erased."))
    return redirect(request, url("privacy.desk"))


async def reject(request: Request) -> Response:
    values = await form_data(request)
    try:
        await services.reject(
            request.path_params["id"],
            parse(Rejection, values, form=True).reason,
            actor=request.state.user,
            address=client_address(request),
        )
    except DomainError as exc:
        return await form_failure(request, _desk, exc, field="requests")
    flash(request, _("The erasure request is rejected."))
    return redirect(request, url("privacy.desk"))


async def set_periods(request: Request) -> Response:
    values = await form_data(request)
    try:
        await retention.set_periods(
            parse(RetentionPeriods, values, form=True),
            actor=request.state.user,
            address=client_address(request),
        )
    except DomainError as exc:
        return await form_failure(request, _desk, exc, values)
    flash(request, _("The retention periods are saved."))
    return redirect(request, url("privacy.desk"))


async def run_retention(request: Request) -> Response:
    outcomes = await retention.run(actor=request.state.user, address=client_address(request))
    total = sum(o.count for o in outcomes)
    message = _("The retention job ran: %(count)s items deleted or anonymised.")
    flash(request, message % {"count": total})
    return redirect(request, url("privacy.desk"))
