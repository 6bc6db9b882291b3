"""Code of Conduct pages: the text, signing and receipts, and the secretariat's desk."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.conduct import services
from market.conduct.markdown import render_markdown
from market.conduct.models import Decision
from market.conduct.schemas import DecisionReason, Signing, VersionPublish
from market.conduct.states import REGISTER_STATUSES, STATE_LABELS, State, signature_status, standing
from market.errors import DomainError, NotFound
from market.i18n import format_date, ngettext
from market.i18n import gettext as _
from market.schemas import parse
from market.urls import url
from market.vendors import services as vendors
from market.web import (
    client_address,
    confirm_first,
    flash,
    flash_failure,
    form_data,
    form_failure,
    page_param,
    redirect,
    render,
)


async def current(request: Request) -> Response:
    version = await services.current_version()
    return render(
        request,
        "conduct/current.html",
        version=version,
        html=render_markdown(version.text) if version else "",
        html_en=render_markdown(version.text_en) if version and version.text_en else "",
        versions=await services.list_versions(),
    )


# --- vendors -------------------------------------------------------------------------------


async def sign(request: Request) -> Response:
    user = request.state.user
    vendor = await vendors.own_vendor(user)
    version = await services.current_version()
    if version is None:
        raise NotFound(_("No Code of Conduct is in force yet."))
    page: dict[str, Any] = {
        "vendor": vendor,
        "version": version,
        "html": render_markdown(version.text),
        "standing": await standing(vendor),
    }
    values: dict[str, str] = {"signer_name": user.name}
    if request.method == "POST":
        values = await form_data(request)
        try:
            data = parse(Signing, values, form=True)
            signature = await services.sign(
                vendor,
                user,
                data,
                address=client_address(request),
                user_agent=request.headers.get("user-agent", ""),
            )
        except DomainError as exc:
            return await form_failure(
                request, "conduct/sign.html", exc, values, field="accept", **page
            )
        flash(
            request,
            _("Thank you. The Code of Conduct is signed; the secretariat will countersign it."),
        )
        return redirect(request, url("conduct.receipt", id=signature.id))
    return render(request, "conduct/sign.html", values=values, errors={}, **page)


async def receipt(request: Request) -> Response:
    vendor = await vendors.own_vendor(request.state.user)
    signature = await services.signature_for_vendor(vendor, int(request.path_params["id"]))
    decisions = await services.signature_decisions(signature)

    return render(
        request,
        "conduct/receipt.html",
        vendor=vendor,
        signature=signature,
        status=signature_status(signature, decisions),
        decisions=decisions,
        html=render_markdown(signature.version.text),
    )


# --- the secretariat's desk ----------------------------------------------------------------


PENDING_ON_DESK = 50  # the oldest first; the rest follow as these are decided


async def desk(request: Request) -> Response:
    counts = await services.state_counts()
    shares = await services.version_shares()
    total = sum(counts.values())
    current = await services.current_version()
    return render(
        request,
        "conduct/desk.html",
        counts=counts,
        total=total,
        shares=shares,
        state_labels=STATE_LABELS,
        pending=await services.pending_signatures(PENDING_ON_DESK),
        pending_total=await services.pending_count(),
        current=current,
        versions=await services.list_versions(),
        errors={},
        values={},
    )


async def publish(request: Request) -> Response:
    if request.method == "GET":
        return render(
            request,
            "conduct/publish.html",
            errors={},
            values={"grace_days": "90", "effective_from": clock.today().isoformat()},
        )
    values = await form_data(request)
    # Ask only once the fields are right: a wrong form comes back with its errors first.
    try:
        data = parse(VersionPublish, values, form=True)
        services.check_effective_date(data)
    except DomainError as exc:
        return await form_failure(request, "conduct/publish.html", exc, values, field="version")
    asked = await confirm_first(
        request,
        title=_("Publish version %(v)s of the Code of Conduct?") % {"v": data.version},
        consequences=[
            _(
                "From its effective date every vendor must sign this version within the grace "
                "period to stay eligible; its text cannot be changed once published."
            ),
            _("Vendor administrators get reminder e-mails until their company has signed."),
            _("Open shortlists are computed again."),
        ],
        button=_("Publish the version"),
        back=url("conduct.publish"),
        shown=[
            (_("Title"), data.title),
            (_("Effective from"), format_date(data.effective_from)),
            (_("Grace period in days"), str(data.grace_days)),
            (_("SHA-256 of the text"), services.text_hash(data.text)),
        ],
        preview=render_markdown(data.text),
    )
    if asked is not None:
        return asked
    try:
        version = await services.publish_version(
            data, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, "conduct/publish.html", exc, values, field="version")
    flash(request, _("Version %(v)s is published.") % {"v": version.label})
    return redirect(request, url("conduct.desk"))


async def _decide(request: Request, decision: str, done: str) -> Response:
    values = await form_data(request)
    try:
        reason = (
            ""
            if decision == Decision.COUNTERSIGNED
            else parse(DecisionReason, values, form=True).reason
        )
        await services.decide_signature(
            int(request.path_params["id"]),
            decision,
            actor=request.state.user,
            reason=reason,
            address=client_address(request),
        )
    except DomainError as exc:
        return flash_failure(request, exc, url("conduct.desk"))
    flash(request, done)
    return redirect(request, url("conduct.desk"))


async def countersign(request: Request) -> Response:
    return await _decide(request, Decision.COUNTERSIGNED, _("The signature is countersigned."))


async def reject(request: Request) -> Response:
    return await _decide(request, Decision.REJECTED, _("The signature is rejected."))


async def _confirm_with_reason(request: Request, **confirm: Any) -> Response | None:
    """A decision that needs a reason: without one the action itself refuses it at once; a
    complete form is confirmed first, with the reason shown."""
    reason = (await form_data(request)).get("reason", "")
    if not reason.strip():
        return None
    return await confirm_first(request, shown=[(_("Reason"), reason)], **confirm)


async def revoke(request: Request) -> Response:
    asked = await _confirm_with_reason(
        request,
        title=_("Revoke the signature?"),
        consequences=[
            _("The vendor is no longer eligible: it cannot bid and leaves open shortlists."),
            _("The person who signed gets an e-mail with the reason."),
        ],
        button=_("Revoke the signature"),
        back=url("conduct.desk"),
    )
    if asked is not None:
        return asked
    return await _decide(request, Decision.REVOKED, _("The signature is revoked."))


VENDORS_PER_PAGE = 50


async def vendor_list(request: Request) -> Response:
    state = request.query_params.get("state", "")
    state = state if state in State.ALL else ""
    status = request.query_params.get("status", "")
    status = status if status in REGISTER_STATUSES else ""
    q = request.query_params.get("q", "")[:100]
    page = page_param(request)
    rows, total = await services.register_page(
        state=state, status=status, q=q, page=page, per_page=VENDORS_PER_PAGE
    )
    reminded = await services.last_reminders([r.vendor.id for r in rows])
    return render(
        request,
        "conduct/vendors.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // VENDORS_PER_PAGE)),
        state=state,
        status=status,
        q=q,
        states=State.ALL,
        state_labels=STATE_LABELS,
        reminded=reminded,
    )


async def _vendor_action(request: Request, action: str) -> Response:
    values = await form_data(request)
    vendor_id = int(request.path_params["id"])
    actor, address = request.state.user, client_address(request)
    try:
        if action == "suspend":
            vendor = await vendors.suspend(
                vendor_id, values.get("reason", ""), actor=actor, address=address
            )
            message = _("%(name)s is suspended.") % {"name": vendor.name}
        elif action == "reinstate":
            vendor = await vendors.reinstate(
                vendor_id, values.get("reason", ""), actor=actor, address=address
            )
            message = _("%(name)s is reinstated.") % {"name": vendor.name}
        else:
            found = await vendors.get_vendor(vendor_id)
            if found is None:
                raise NotFound(_("No such vendor."))
            await services.remind_now(found, actor=actor, address=address)
            message = _("A reminder is sent to %(name)s.") % {"name": found.name}
    except DomainError as exc:
        return flash_failure(request, exc, url("conduct.vendors"))
    flash(request, message)
    return redirect(request, url("conduct.vendors"))


async def suspend(request: Request) -> Response:
    asked = await _confirm_with_reason(
        request,
        title=_("Suspend the vendor?"),
        consequences=[
            _("The vendor can no longer bid and is excluded from open shortlists."),
            _("The reason is shown on the vendor's public page and kept in the audit log."),
            _("No e-mail is sent: tell the vendor yourself."),
        ],
        button=_("Suspend the vendor"),
        back=url("conduct.vendors"),
        undo=_("You can reinstate the vendor later, with a reason."),
    )
    if asked is not None:
        return asked
    return await _vendor_action(request, "suspend")


async def reinstate(request: Request) -> Response:
    return await _vendor_action(request, "reinstate")


async def remind(request: Request) -> Response:
    return await _vendor_action(request, "remind")


async def run_reminders(request: Request) -> Response:
    # Run here, not in a job, so the page can say how many vendors were reminded.
    interval = request.app.state.settings.reminder_interval_days
    sent = await services.send_conduct_reminders(interval)
    flash(
        request,
        ngettext(
            "%(n)d vendor that must act was reminded by e-mail.",
            "%(n)d vendors that must act were reminded by e-mail.",
            sent,
        )
        % {"n": sent}
        if sent
        else _("No vendor needed a reminder: every vendor has acted or was reminded lately."),
    )
    return redirect(request, url("conduct.desk"))


async def register_csv(request: Request) -> Response:
    text = await services.register_csv()
    filename = f"signature-register-{clock.today().isoformat()}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
