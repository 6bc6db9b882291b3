"""JSON API: /api/v1/solutions, /wishes and /releases."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import (
    answer,
    body_text,
    json_body,
    page_of,
    pagination,
    path_id,
    query_id,
    text_field,
)
from market.db import is_id
from market.errors import NotFound, ValidationFailed
from market.i18n import gettext as _
from market.solutions import services
from market.web import client_address


async def list_solutions(request: Request) -> Response:
    items = [services.solution_json(s) for s in await services.list_solutions()]
    return answer(page_of(items, 1, len(items), max(len(items), 1)))


async def solution_detail(request: Request) -> Response:
    detail = await services.solution_detail(path_id(request))
    data = services.solution_json(detail.solution, detail.coordinators)
    data["coordination_group"] = [{"id": o.id, "name": o.name} for o in detail.group]
    data["releases"] = [services.release_json(r) for r in detail.releases]
    return answer(data)


async def create_solution(request: Request) -> Response:
    body = await json_body(request)
    errors: dict[str, str] = {}
    name = text_field(body, "name", errors, max_length=100)
    description = text_field(body, "description", errors, required=False)
    emails = body.get("coordinator_emails", [])
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        errors["coordinator_emails"] = _("Send a list of e-mail addresses.")
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    solution = await services.create_solution(
        name=name,
        description=description,
        coordinator_emails=emails,
        repository_url=body_text(body, "repository_url", max_length=300),
        actor=request.state.user,
        address=client_address(request),
    )
    detail = await services.solution_detail(solution.id)
    return answer(services.solution_json(solution, detail.coordinators), 201)


async def list_wishes(request: Request) -> Response:
    page, per_page = pagination(request)
    rows, total = await services.list_wishes(
        solution_id=query_id(request, "solution_id"),
        status=request.query_params.get("status", ""),
        sort=request.query_params.get("sort", "support"),
        page=page,
        per_page=per_page,
    )
    items = [services.wish_json(r.wish, r.supporters, r.pledged_dkk) for r in rows]
    return answer(page_of(items, page, total, per_page))


async def wish_detail(request: Request) -> Response:
    detail = await services.wish_detail(path_id(request))
    data = services.wish_json(detail["wish"], len(detail["supports"]), detail["pledged_dkk"])
    data["supports"] = [
        {"municipality": s.organisation.name, "pledge_dkk": s.pledge_dkk}
        for s in detail["supports"]
    ]
    data["comments"] = [
        {"author": c.author.name or c.author.email, "text": c.text} for c in detail["comments"]
    ]
    return answer(data)


async def create_wish(request: Request) -> Response:
    body = await json_body(request)
    wish = await services.create_wish(
        solution_id=body.get("solution_id"),
        title=body_text(body, "title", max_length=300),
        description=body_text(body, "description", max_length=20000),
        priority=body_text(body, "priority", max_length=20, default="medium"),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer(services.wish_json(wish, 1, 0), 201)


async def support_wish(request: Request) -> Response:
    body = await json_body(request, allow_empty=True)
    if isinstance(body.get("pledge_dkk"), str):  # "25.000" is for the form; JSON sends 25000
        raise ValidationFailed(
            _("Some fields are not valid."), {"pledge_dkk": _("Must be a whole number.")}
        )
    support = await services.support_wish(
        path_id(request),
        actor=request.state.user,
        pledge_dkk=body.get("pledge_dkk"),
        address=client_address(request),
    )
    return answer(
        {
            "id": support.id,
            "wish_id": support.wish_id,
            "organisation_id": support.organisation_id,
            "pledge_dkk": support.pledge_dkk,
        },
        201,
    )


async def comment_wish(request: Request) -> Response:
    body = await json_body(request)
    comment = await services.comment_wish(
        path_id(request),
        actor=request.state.user,
        text=body_text(body, "text", max_length=5000),
        address=client_address(request),
    )
    return answer({"id": comment.id, "wish_id": comment.wish_id, "text": comment.text}, 201)


async def set_wish_status(request: Request) -> Response:
    body = await json_body(request)
    wish = await services.set_wish_status(
        path_id(request),
        body_text(body, "status", max_length=20),
        actor=request.state.user,
        reason=body_text(body, "reason", max_length=20000),
        address=client_address(request),
    )
    return answer(services.wish_json(wish))


async def create_release(request: Request) -> Response:
    body = await json_body(request)
    solution_id = body.get("solution_id")
    if not isinstance(solution_id, int) or isinstance(solution_id, bool):
        raise ValidationFailed(
            _("Choose the solution."), {"solution_id": _("Choose an existing solution.")}
        )
    release = await services.create_release(
        solution_id,
        name=body_text(body, "name", max_length=300),
        target_date=body.get("target_date"),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer(services.release_json(release), 201)


async def release_detail(request: Request) -> Response:
    board = await services.release_board(path_id(request))
    data = services.release_json(board["release"])
    data["columns"] = {
        status: [
            {**services.wish_json(card["wish"]), "task_ids": [t.id for t in card["tasks"]]}
            for card in cards
        ]
        for status, cards in board["columns"].items()
    }
    return answer(data)


async def plan_wishes(request: Request) -> Response:
    body = await json_body(request)
    ids = body.get("wish_ids")
    if not isinstance(ids, list) or not all(is_id(i) for i in ids):
        raise ValidationFailed(
            _("Pick wishes of this solution."), {"wish_ids": _("Send a list of wish ids.")}
        )
    release_id = path_id(request)
    wishes = await services.plan_wishes(
        release_id, ids, actor=request.state.user, address=client_address(request)
    )
    if not wishes:
        raise NotFound(_("There is no such release."))
    return answer({"release_id": release_id, "wishes": [services.wish_json(w) for w in wishes]})
