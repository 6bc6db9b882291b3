"""Pages: opportunities, the bid form (draft, submit, revise, withdraw), the bid and its
receipts, attachments, and the evaluation (declaration, panel, scores, award, delivery)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from market.api import path_id
from market.bids import bidders, evaluation, reading
from market.bids import content as bid_content
from market.bids import opportunities as open_tasks
from market.bids.attachments import Upload
from market.bids.models import BidStatus
from market.bids.schemas import AwardIn, BidContent, Declaration, DeliveryIn, PanelAdd, ScoreIn
from market.errors import DomainError, ValidationFailed
from market.i18n import gettext as _
from market.schemas import parse
from market.tasks.rules import bidding_open
from market.urls import url
from market.web import (
    client_address,
    confirm_first,
    flash,
    flash_failure,
    form_data,
    form_failure,
    form_id,
    form_ids,
    page_param,
    read_form,
    redirect,
    render,
)

PER_PAGE = 50


def _page(request: Request) -> int:
    return page_param(request)


# --- vendors ---------------------------------------------------------------------------------


async def opportunities(request: Request) -> Response:
    page = _page(request)
    items, total = await open_tasks.opportunities(request.state.user, page, PER_PAGE)
    return render(
        request,
        "bids/opportunities.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


async def my_bids(request: Request) -> Response:
    page = _page(request)
    rows, total = await reading.my_bids(request.state.user, page, PER_PAGE)
    return render(
        request,
        "bids/my_bids.html",
        rows=rows,
        outcomes=await reading.outcomes(rows),
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


def _team_lines(text: str) -> list[dict[str, str]]:
    team = []
    for line in text.splitlines():
        if line.strip():
            name, _sep, role = line.partition(":")
            team.append({"name": name.strip(), "role": role.strip()})
    return team


def body_from_form(values: dict[str, str]) -> dict[str, Any]:
    """The form's fields as `BidContent` reads them with `parse(..., form=True)`: amounts as
    typed ("85.000", "85000 kr."), and an emptied field sent as None so a revision clears it."""
    body: dict[str, Any] = {
        name: values.get(name, "").strip() or None
        for name in ("price_dkk", "hours", "delivery_date", "approach", "assumptions")
    }
    body["team"] = _team_lines(values.get("team", ""))
    body["draft"] = values.get("action") == "draft"
    return body


def form_from_content(content: dict[str, Any]) -> dict[str, str]:
    values = {
        name: "" if content.get(name) is None else str(content.get(name))
        for name in ("price_dkk", "hours", "delivery_date", "approach", "assumptions")
    }
    values["team"] = "\n".join(f"{m['name']}: {m['role']}" for m in content.get("team") or [])
    return values


async def _uploads(request: Request) -> list[Upload]:
    form = await read_form(request)
    uploads = []
    for item in form.getlist("attachments"):
        if isinstance(item, UploadFile) and item.filename:
            data = await item.read()
            if data:
                uploads.append(Upload(item.filename, data))
    return uploads


async def bid_form(request: Request) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    task_id = path_id(request)
    task = await evaluation.task_for(task_id)
    vendor = await bidders.own_vendor(user)
    bid = await reading.bid_on(task, user)
    live = bid if bid is not None and bid.status != BidStatus.WITHDRAWN else None
    # Bidding again after a withdrawal starts from the withdrawn bid's last version.
    content = await bid_content.working_content(bid) if bid is not None else {}
    attachments = list(content.get("attachments", []))
    values = form_from_content(content)

    async def page() -> dict[str, Any]:
        return {
            "task": task,
            "bid": live,
            "attachments": attachments,
            "blockers": await bidders.bid_blockers(task, vendor),
            "open": bidding_open(task),
            "max_mb": f"{settings.max_upload_bytes / 1_000_000:g}",
            "max_bytes": settings.max_upload_bytes,
        }

    if request.method == "POST":
        values = await form_data(request)
        body = body_from_form(values)
        form = await read_form(request)
        remove = [v for v in form_ids(form.getlist("remove_attachments"))]
        options = {
            "actor": user,
            "address": client_address(request),
            "uploads": await _uploads(request),
            "upload_dir": settings.upload_dir,
            "max_bytes": settings.max_upload_bytes,
            "storage_bytes": settings.vendor_storage_bytes,
        }
        await request.close()  # the uploads are read: release their temporary files
        try:
            data = parse(BidContent, body, form=True)
            if live is None:
                saved = await bid_content.submit_bid(
                    task_id, data, keep_attachments=True, remove_ids=remove, **options
                )
            else:
                saved = await bid_content.revise_bid(live.id, data, remove_ids=remove, **options)
        except DomainError as exc:
            return await form_failure(request, "bids/form.html", exc, values, **await page())
        flash(
            request,
            _("Your draft is saved. It does not count until you submit it.")
            if data.draft
            else _(
                "Your bid is submitted. The receipt below carries "
                "the hash of exactly what you submitted."
            ),
        )
        return redirect(request, url("bids.detail", id=saved.id))
    return render(request, "bids/form.html", values=values, errors={}, **await page())


async def bid_page(request: Request) -> Response:
    view = await reading.readable_bid(path_id(request), request.state.user, page_param(request))
    outcome = await evaluation.outcome(view.bid) if view.as_vendor else None
    delivery = await evaluation.delivery_of(view.task) if view.as_vendor else None
    if delivery is not None and delivery.bid_id != view.bid.id:
        delivery = None
    return render(
        request,
        "bids/bid.html",
        view=view,
        bid=view.bid,
        task=view.task,
        content=view.content,
        outcome=outcome,
        delivery=delivery,
        open=bidding_open(view.task),
    )


async def bid_withdraw(request: Request) -> Response:
    asked = await confirm_first(
        request,
        title=_("Withdraw the bid?"),
        consequences=[
            _("The bid no longer counts: the coordinators will not evaluate it."),
            _(
                "You may bid again until the bid deadline; the form opens with the content "
                "of this bid."
            ),
            _("No e-mail is sent."),
        ],
        button=_("Withdraw the bid"),
        back=url("bids.detail", id=path_id(request)),
    )
    if asked is not None:
        return asked
    try:
        bid = await bid_content.withdraw_bid(
            path_id(request), actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return flash_failure(request, exc, url("bids.detail", id=path_id(request)))
    flash(request, _("Your bid is withdrawn. You may bid again until the deadline."))
    return redirect(request, url("bids.detail", id=bid.id))


async def receipt(request: Request) -> Response:
    view, revision = await reading.receipt(
        path_id(request), int(request.path_params["number"]), request.state.user
    )
    return render(
        request,
        "bids/receipt.html",
        view=view,
        bid=view.bid,
        task=view.task,
        revision=revision,
        canonical=bid_content.canonical_json(revision.content).decode("utf-8"),
    )


async def attachment(request: Request) -> Response:
    row, path = await reading.attachment_file(
        path_id(request),
        int(request.path_params["attachment_id"]),
        request.state.user,
        request.app.state.settings.upload_dir,
    )
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=row.file_name,
        headers={"Cache-Control": "private, no-store"},
    )


# --- evaluators ------------------------------------------------------------------------------


async def evaluation_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    data = await evaluation.evaluation_page(path_id(request), request.state.user)
    return render(
        request,
        "bids/evaluation.html",
        status_code=status_code,
        errors=errors or {},
        message=message,
        **data,
    )


async def _act(request: Request, action: Any, success: str) -> Response:
    try:
        await action()
    except DomainError as exc:
        return await form_failure(request, evaluation_page, exc)
    flash(request, success)
    return redirect(request, url("bids.evaluation", id=path_id(request)))


async def declare(request: Request) -> Response:
    values = await form_data(request)
    form = await read_form(request)
    choice = values.get("declaration")
    not_recorded = _("Your declaration is not recorded yet.")
    if choice not in ("none", "conflict"):
        missing = {"declaration": _("Choose whether you have a conflict of interest.")}
        return await form_failure(request, evaluation_page, ValidationFailed(not_recorded, missing))
    ids = form_ids(form.getlist("conflict_vendor_id"))
    if choice == "conflict" and not ids:
        missing = {"conflict_vendor_id": _("Tick the companies you have a conflict with.")}
        return await form_failure(request, evaluation_page, ValidationFailed(not_recorded, missing))
    data = (
        Declaration(conflict_vendor_ids=ids)
        if choice == "conflict"
        else Declaration(no_conflict=True)
    )
    return await _act(
        request,
        lambda: evaluation.declare(
            path_id(request), data, actor=request.state.user, address=client_address(request)
        ),
        _("Your declaration is recorded."),
    )


async def panel_add(request: Request) -> Response:
    values = await form_data(request)

    async def add() -> None:
        data = parse(PanelAdd, {"email": values.get("email", "")}, form=True)
        await evaluation.add_panel_member(
            path_id(request), data, actor=request.state.user, address=client_address(request)
        )

    return await _act(
        request,
        add,
        _("The panel member is added."),
    )


async def score(request: Request) -> Response:
    values = await form_data(request)
    scores = {
        key[6:]: raw for key, raw in values.items() if key.startswith("score:") and raw.strip()
    }

    async def save() -> None:
        data = parse(ScoreIn, {"bid_id": values.get("bid_id", ""), "scores": scores}, form=True)
        await evaluation.score_bid(
            path_id(request), data, actor=request.state.user, address=client_address(request)
        )

    return await _act(
        request,
        save,
        _("Your scores are saved."),
    )


async def award(request: Request) -> Response:
    values = await form_data(request)
    bid_id = form_id(values.get("bid_id", ""))
    complete = bid_id is not None and values.get("justification", "").strip()
    winner = (
        await evaluation.award_candidate(path_id(request), bid_id, request.state.user)
        if complete and bid_id is not None
        else None
    )
    asked = (
        None
        if not complete
        else await confirm_first(
            request,
            title=_("Award the task?"),
            consequences=[
                _("The chosen bid wins and the task is awarded; the award cannot be changed."),
                _(
                    "Every bidder gets an e-mail with the outcome, the justification and "
                    "the scores."
                ),
            ],
            button=_("Award the task"),
            back=url("bids.evaluation", id=path_id(request)),
            shown=[
                (_("Winning bid"), winner or "–"),
                (_("Justification"), values.get("justification", "")),
            ],
        )
    )
    if asked is not None:
        return asked

    async def give() -> None:
        fields = {"bid_id": values.get("bid_id", ""), "justification": values.get("justification")}
        data = parse(AwardIn, fields, form=True)
        await evaluation.award(
            path_id(request), data, actor=request.state.user, address=client_address(request)
        )

    return await _act(
        request,
        give,
        _("The task is awarded. Every bidder is told the outcome."),
    )


async def delivery(request: Request) -> Response:
    values = await form_data(request)
    quality = values.get("quality", "")
    # Nothing is preselected: each answer is chosen, or the form says what is missing.
    missing = {
        name: _("Choose yes or no.")
        for name in ("accepted", "on_time")
        if values.get(name) not in ("0", "1")
    }
    if not quality:
        missing["quality"] = _("Choose the quality from 1 to 5.")
    if missing:
        not_registered = ValidationFailed(_("The delivery is not registered yet."), missing)
        return await form_failure(request, evaluation_page, not_registered)
    asked = await confirm_first(
        request,
        title=_("Register the delivery?"),
        consequences=[
            _("The task becomes delivered and the rating is recorded for good."),
            _("The rating counts in the vendor's record and in future matching."),
            _("No e-mail is sent."),
        ],
        button=_("Register the delivery"),
        back=url("bids.evaluation", id=path_id(request)),
        shown=[
            (_("Accepted"), _("Yes") if values.get("accepted") == "1" else _("No")),
            (_("On time"), _("Yes") if values.get("on_time") == "1" else _("No")),
            (_("Quality (1-5)"), quality or "-"),
        ],
    )
    if asked is not None:
        return asked
    fields = {name: values.get(name, "") for name in ("accepted", "on_time", "quality", "comment")}

    async def record() -> None:
        data = parse(DeliveryIn, fields, form=True)
        await evaluation.rate_delivery(
            path_id(request), data, actor=request.state.user, address=client_address(request)
        )

    return await _act(
        request,
        record,
        _("The delivery is recorded and the task is delivered."),
    )


async def export_csv(request: Request) -> Response:
    text = await evaluation.export_csv(path_id(request), request.state.user)
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="evaluation-{path_id(request)}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


async def export_xlsx(request: Request) -> Response:
    data = await evaluation.export_xlsx(path_id(request), request.state.user)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="evaluation-{path_id(request)}.xlsx"',
            "Cache-Control": "private, no-store",
        },
    )
