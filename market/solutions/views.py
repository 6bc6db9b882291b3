"""Pages: solutions, wishes (support, comments, status), Jira import and release planning."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from market.api import path_id
from market.errors import DomainError, NotFound, ValidationFailed
from market.i18n import gettext as _
from market.i18n import ngettext
from market.schemas import parse
from market.solutions import jira, services
from market.solutions.models import PRIORITIES, WishStatus
from market.solutions.schemas import (
    ReleaseCreate,
    ReleasePlan,
    WishCommentIn,
    WishCreate,
    WishStatusIn,
    WishSupportIn,
)
from market.tasks import services as tasks
from market.urls import url
from market.web import (
    client_address,
    flash,
    form_data,
    form_failure,
    form_id,
    page_param,
    read_form,
    redirect,
    render,
)

PER_PAGE = 50


async def solution_list(request: Request) -> Response:
    return render(request, "solutions/list.html", solutions=await services.list_solutions())


async def solution_detail(request: Request) -> Response:
    detail = await services.solution_detail(path_id(request))
    user = request.state.user
    sort = request.query_params.get("sort", "support")
    wishes, _total = await services.list_wishes(
        solution_id=detail.solution.id, sort=sort, per_page=200
    )
    task_rows, _count = await tasks.list_tasks(user, solution_id=detail.solution.id, per_page=200)
    return render(
        request,
        "solutions/detail.html",
        detail=detail,
        wishes=wishes,
        sort=sort,
        tasks=task_rows,
        status_of=tasks.effective_status,
        is_coordinator=await services.is_coordinator(user, detail.solution.id),
    )


async def wish_list(request: Request) -> Response:
    params = request.query_params
    solution = params.get("solution_id", "")
    page = page_param(request)
    sort = params.get("sort", "support")
    rows, total = await services.list_wishes(
        solution_id=form_id(solution),
        status=params.get("status", ""),
        sort=sort,
        page=max(page, 1),
        per_page=PER_PAGE,
    )
    return render(
        request,
        "solutions/wishes.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        sort=sort,
        filters={"solution_id": solution, "status": params.get("status", ""), "sort": sort},
        solution_options=[("", _("All solutions"))]
        + [(str(s.id), s.name) for s in await services.list_solutions()],
        status_options=[("", _("All statuses"))] + [(s, _(s)) for s in WishStatus.ALL],
    )


def _priority_options() -> list[tuple[str, str]]:
    return [(p, _(p)) for p in PRIORITIES]


async def wish_new(request: Request) -> Response:
    solution = await services.get_solution(path_id(request))
    if solution is None:
        raise NotFound(_("There is no such solution."))
    values: dict[str, str] = {"priority": "medium"}
    if request.method == "POST":
        values = await form_data(request)
        try:
            data = parse(WishCreate, {**values, "solution_id": str(solution.id)}, form=True)
            wish = await services.create_wish(
                data, actor=request.state.user, address=client_address(request)
            )
        except DomainError as exc:
            return await form_failure(
                request,
                "solutions/wish_new.html",
                exc,
                values,
                solution=solution,
                priorities=_priority_options(),
            )
        flash(request, _("Your wish is registered."))
        return redirect(request, url("wishes.detail", id=wish.id))
    return render(
        request,
        "solutions/wish_new.html",
        solution=solution,
        values=values,
        errors={},
        priorities=_priority_options(),
    )


async def wish_detail(
    request: Request,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    detail = await services.wish_detail(path_id(request))
    wish = detail["wish"]
    user = request.state.user
    org_id = getattr(user, "organisation_id", None)
    return render(
        request,
        "solutions/wish.html",
        status_code=status_code,
        **detail,
        is_coordinator=await services.is_coordinator(user, wish.solution_id),
        already_supports=any(s.organisation_id == org_id for s in detail["supports"]),
        status_options=[(s, _(s)) for s in WishStatus.ALL],
        errors=errors or {},
        message=message,
        values={"status": wish.status},
    )


async def _wish_action(request: Request, action: str) -> Response:
    values = await form_data(request)
    wish_id = path_id(request)
    user, address = request.state.user, client_address(request)
    try:
        if action == "support":
            support = parse(WishSupportIn, values, form=True)
            await services.support_wish(wish_id, support, actor=user, address=address)
            flash(request, _("Your municipality now supports this wish."))
        elif action == "comment":
            comment = parse(WishCommentIn, values, form=True)
            await services.comment_wish(wish_id, comment, actor=user, address=address)
            flash(request, _("Your comment is added."))
        else:
            status = parse(WishStatusIn, values, form=True)
            await services.set_wish_status(wish_id, status, actor=user, address=address)
            flash(request, _("The status of the wish is changed."))
    except DomainError as exc:
        return await form_failure(request, wish_detail, exc)
    return redirect(request, url("wishes.detail", id=wish_id))


async def wish_support(request: Request) -> Response:
    return await _wish_action(request, "support")


async def wish_comment(request: Request) -> Response:
    return await _wish_action(request, "comment")


async def wish_status(request: Request) -> Response:
    return await _wish_action(request, "status")


async def jira_import(request: Request) -> Response:
    solution = await services.get_solution(path_id(request))
    if solution is None:
        raise NotFound(_("There is no such solution."))
    await services.require_coordinator(request.state.user, solution)
    if request.method == "GET":
        return render(
            request, "solutions/jira_import.html", solution=solution, errors={}, report=None
        )
    try:
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                missing = _("Choose the CSV file exported from Jira.")
                raise ValidationFailed(missing, {"file": missing})
            raw = await upload.read()
        try:
            text = jira.decode_export(raw)
        except jira.EncodingUnknown:
            unknown = _(
                "The file is not UTF-8 or UTF-16 text: export it from Jira as CSV in UTF-8."
            )
            raise ValidationFailed(unknown, {"file": unknown}) from None
        report = await jira.import_jira(solution, text, actor=request.state.user)
    except DomainError as exc:
        return await form_failure(
            request, "solutions/jira_import.html", exc, field="file", solution=solution, report=None
        )
    return render(
        request, "solutions/jira_import.html", solution=solution, errors={}, report=report
    )


async def release_list(request: Request) -> Response:
    mine = await services.coordinated_solutions(request.state.user)
    details = [await services.solution_detail(s.id) for s in mine]
    return render(request, "solutions/releases.html", details=details)


async def release_new(request: Request) -> Response:
    solution = await services.get_solution(path_id(request))
    if solution is None:
        raise NotFound(_("There is no such solution."))
    await services.require_coordinator(request.state.user, solution)
    values: dict[str, str] = {}
    if request.method == "POST":
        values = await form_data(request)
        try:
            data = parse(ReleaseCreate, {**values, "solution_id": str(solution.id)}, form=True)
            release = await services.create_release(
                data, actor=request.state.user, address=client_address(request)
            )
        except DomainError as exc:
            return await form_failure(
                request, "solutions/release_new.html", exc, values, solution=solution
            )
        flash(request, _("The release is created. Now pick the wishes it delivers."))
        return redirect(request, url("releases.board", id=release.id))
    return render(
        request, "solutions/release_new.html", solution=solution, values=values, errors={}
    )


async def release_board(
    request: Request,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    board = await services.release_board(path_id(request))
    return render(
        request,
        "solutions/release.html",
        status_code=status_code,
        **board,
        is_coordinator=await services.is_coordinator(
            request.state.user, board["release"].solution_id
        ),
        errors=errors or {},
        message=message,
    )


async def release_plan(request: Request) -> Response:
    form = await read_form(request)
    try:
        data = parse(ReleasePlan, {"wish_ids": form.getlist("wish_ids")}, form=True)
        wishes = await services.plan_wishes(
            path_id(request), data, actor=request.state.user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(request, release_board, exc)
    flash(
        request,
        ngettext(
            "%(n)d wish is planned for this release.",
            "%(n)d wishes are planned for this release.",
            len(wishes),
        )
        % {"n": len(wishes)},
    )
    return redirect(request, url("releases.board", id=path_id(request)))
