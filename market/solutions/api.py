"""JSON API: /api/v1/solutions, /wishes and /releases."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, json_body, page_of, pagination, path_id, query_id
from market.errors import NotFound
from market.i18n import gettext as _
from market.openapi import PAGINATION, operation
from market.schemas import MAX_ID, parse
from market.solutions import services
from market.solutions.models import WishStatus
from market.solutions.schemas import (
    CommentOut,
    PlanOut,
    ReleaseBoardOut,
    ReleaseCreate,
    ReleaseOut,
    ReleasePlan,
    SolutionCreate,
    SolutionCreatedOut,
    SolutionDetailOut,
    SolutionPage,
    SupportOut,
    WishCommentIn,
    WishCreate,
    WishDetailOut,
    WishOut,
    WishPage,
    WishRowOut,
    WishStatusIn,
    WishSupportIn,
)
from market.web import client_address

TAG = "solutions"
CHANGES = (401, 403, 404, 409)


@operation(
    "api.solutions.list", "The shared products (solutions)", answers={200: SolutionPage}, tag=TAG
)
async def list_solutions(request: Request) -> Response:
    items = [services.solution_json(s) for s in await services.list_solutions()]
    return answer(page_of(items, 1, len(items), max(len(items), 1)))


@operation(
    "api.solutions.detail",
    "A solution with its coordinators, coordination group and releases",
    answers={200: SolutionDetailOut},
    errors=(404,),
    tag=TAG,
)
async def solution_detail(request: Request) -> Response:
    detail = await services.solution_detail(path_id(request))
    data = services.solution_json(detail.solution, detail.coordinators)
    data["coordination_group"] = [{"id": o.id, "name": o.name} for o in detail.group]
    data["releases"] = [services.release_json(r) for r in detail.releases]
    return answer(data)


@operation(
    "api.solutions.create",
    "Create a shared product",
    request=SolutionCreate,
    answers={201: SolutionCreatedOut},
    errors=(401, 403, 409),
    tag=TAG,
)
async def create_solution(request: Request) -> Response:
    data = parse(SolutionCreate, await json_body(request))
    solution = await services.create_solution(
        data, actor=request.state.user, address=client_address(request)
    )
    detail = await services.solution_detail(solution.id)
    return answer(services.solution_json(solution, detail.coordinators), 201)


@operation(
    "api.wishes.list",
    "The wish lists of the solutions, most supported first",
    answers={200: WishPage},
    query={
        **PAGINATION,
        "solution_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "status": {"type": "string", "enum": list(WishStatus.ALL)},
        "sort": {"type": "string", "enum": ["support", "newest"]},
    },
    tag=TAG,
)
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


@operation(
    "api.wishes.detail",
    "A wish with its supporters and comments",
    answers={200: WishDetailOut},
    errors=(404,),
    tag=TAG,
)
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


@operation(
    "api.wishes.create",
    "Submit a wish",
    request=WishCreate,
    answers={201: WishRowOut},
    errors=(401, 403),
    tag=TAG,
)
async def create_wish(request: Request) -> Response:
    data = parse(WishCreate, await json_body(request))
    wish = await services.create_wish(
        data, actor=request.state.user, address=client_address(request)
    )
    return answer(services.wish_json(wish, 1, 0), 201)


@operation(
    "api.wishes.support",
    "Support a wish (a municipality's pledge on its own wish sets its pledge)",
    request=WishSupportIn,
    answers={201: SupportOut},
    errors=CHANGES,
    empty_body_ok=True,
    tag=TAG,
)
async def support_wish(request: Request) -> Response:
    data = parse(WishSupportIn, await json_body(request, allow_empty=True))
    support = await services.support_wish(
        path_id(request), data, actor=request.state.user, address=client_address(request)
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


@operation(
    "api.wishes.comment",
    "Comment on a wish",
    request=WishCommentIn,
    answers={201: CommentOut},
    errors=(401, 403, 404),
    tag=TAG,
)
async def comment_wish(request: Request) -> Response:
    data = parse(WishCommentIn, await json_body(request))
    comment = await services.comment_wish(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer({"id": comment.id, "wish_id": comment.wish_id, "text": comment.text}, 201)


@operation(
    "api.wishes.status",
    "Move a wish to another status (rejecting needs a reason)",
    request=WishStatusIn,
    answers={200: WishOut},
    errors=CHANGES,
    tag=TAG,
)
async def set_wish_status(request: Request) -> Response:
    data = parse(WishStatusIn, await json_body(request))
    wish = await services.set_wish_status(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer(services.wish_json(wish))


@operation(
    "api.releases.create",
    "Plan a release of a solution",
    request=ReleaseCreate,
    answers={201: ReleaseOut},
    errors=CHANGES,
    tag=TAG,
)
async def create_release(request: Request) -> Response:
    data = parse(ReleaseCreate, await json_body(request))
    release = await services.create_release(
        data, actor=request.state.user, address=client_address(request)
    )
    return answer(services.release_json(release), 201)


@operation(
    "api.releases.detail",
    "A release board: its wishes by status",
    answers={200: ReleaseBoardOut},
    errors=(404,),
    tag=TAG,
)
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


@operation(
    "api.releases.plan",
    "Plan wishes into a release",
    request=ReleasePlan,
    answers={200: PlanOut},
    errors=CHANGES,
    tag=TAG,
)
async def plan_wishes(request: Request) -> Response:
    data = parse(ReleasePlan, await json_body(request))
    release_id = path_id(request)
    wishes = await services.plan_wishes(
        release_id, data, actor=request.state.user, address=client_address(request)
    )
    if not wishes:
        raise NotFound(_("There is no such release."))
    return answer({"release_id": release_id, "wishes": [services.wish_json(w) for w in wishes]})
