"""JSON API: opportunities, bids, declarations, scores, evaluation, award and delivery."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, json_body, page_of, pagination, path_id
from market.bids import content as bid_content
from market.bids import evaluation, reading
from market.bids import opportunities as open_tasks
from market.bids.schemas import (
    BidContent,
    BidOut,
    BidSubmit,
    MyBidsPage,
    OpportunitiesPage,
    TaskBidsOut,
)
from market.openapi import PAGINATION, operation
from market.schemas import parse
from market.tasks.rules import effective_status
from market.web import client_address, page_param


@operation(
    "api.bids.opportunities",
    "Tasks this vendor may bid on, and why",
    answers={200: OpportunitiesPage},
    query=PAGINATION,
    errors=(401, 403, 404),
    tag="bids",
)
async def opportunities(request: Request) -> Response:
    page, per_page = pagination(request)
    items, total = await open_tasks.opportunities(request.state.user, page, per_page)
    return answer(page_of([open_tasks.opportunity_json(i) for i in items], page, total, per_page))


@operation(
    "api.bids.list",
    "The bids of the caller's vendor",
    answers={200: MyBidsPage},
    query=PAGINATION,
    errors=(401, 403, 404),
    tag="bids",
)
async def my_bids(request: Request) -> Response:
    page, per_page = pagination(request)
    rows, total = await reading.my_bids(request.state.user, page, per_page)
    items = [
        {
            "id": b.id,
            "task_id": b.task_id,
            "task_title": b.task.title,
            "status": b.status,
            "sha256": b.submitted_sha256 or None,
        }
        for b in rows
    ]
    return answer(page_of(items, page, total, per_page))


async def _bid_answer(request: Request, bid_id: int, status_code: int = 200) -> Response:
    # The latest version, the count and one page of the history (?page=N, newest first).
    view = await reading.readable_bid(bid_id, request.state.user, page_param(request))
    return answer(reading.bid_json(view), status_code)


@operation(
    "api.bids.submit",
    "Submit (or save a draft of) a bid",
    request=BidSubmit,
    answers={201: BidOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def submit_bid(request: Request) -> Response:
    data = parse(BidSubmit, await json_body(request))
    bid = await bid_content.submit_bid(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return await _bid_answer(request, bid.id, 201)


@operation("api.bids.detail", "One bid", answers={200: BidOut}, errors=(401, 404), tag="bids")
async def bid_detail(request: Request) -> Response:
    return await _bid_answer(request, path_id(request))


@operation(
    "api.bids.revise",
    "Revise a bid before the deadline (the history is kept)",
    request=BidContent,
    answers={200: BidOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def revise_bid(request: Request) -> Response:
    data = parse(BidContent, await json_body(request))
    bid = await bid_content.revise_bid(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return await _bid_answer(request, bid.id)


@operation(
    "api.bids.withdraw",
    "Withdraw a bid before the deadline",
    answers={200: BidOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def withdraw_bid(request: Request) -> Response:
    bid = await bid_content.withdraw_bid(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return await _bid_answer(request, bid.id)


@operation(
    "api.bids.task_list",
    "The bids of a task: sealed (a count only) before the deadline",
    answers={200: TaskBidsOut},
    errors=(401, 403, 404),
    tag="bids",
)
async def task_bids(request: Request) -> Response:
    data = await evaluation.task_bids(path_id(request), request.state.user)
    if data["sealed"]:
        return answer({"task_id": data["task"].id, "sealed": True, "count": data["count"]})
    items = []
    for bid in data["bids"]:
        items.append(reading.bid_json(await reading.readable_bid(bid.id, request.state.user)))
    return answer(
        {
            "task_id": data["task"].id,
            "sealed": False,
            "count": data["count"],
            "items": items,
            "page": 1,
            "total": len(items),
        }
    )


async def declare(request: Request) -> Response:
    body = await json_body(request)
    declaration = await evaluation.declare(
        path_id(request), body, actor=request.state.user, address=client_address(request)
    )
    return answer(evaluation.declaration_json(declaration), 201)


async def add_panel_member(request: Request) -> Response:
    body = await json_body(request)
    member = await evaluation.add_panel_member(
        path_id(request),
        str(body.get("email") or ""),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer({"id": member.id, "task_id": member.task_id, "user_id": member.user_id}, 201)


async def panel(request: Request) -> Response:
    task = await evaluation.task_for(path_id(request))
    await evaluation._require_coordinator(task, request.state.user)
    members = await evaluation.panel(task)
    items = [
        {"id": m.id, "user_id": m.user_id, "email": m.user.email, "name": m.user.name}
        for m in members
    ]
    return answer({"items": items, "page": 1, "total": len(items)})


async def score(request: Request) -> Response:
    body = await json_body(request)
    result = await evaluation.score_bid(
        path_id(request), body, actor=request.state.user, address=client_address(request)
    )
    return answer(result)


async def evaluation_detail(request: Request) -> Response:
    data = await evaluation.evaluation(path_id(request), request.state.user)
    task = data["task"]
    return answer(
        {
            "task_id": task.id,
            "status": effective_status(task),
            "criteria": task.criteria,
            "items": [evaluation.row_json(r) for r in data["rows"]],
            "award": evaluation.award_json(data["award"]) if data["award"] else None,
        }
    )


async def award(request: Request) -> Response:
    body = await json_body(request)
    row = await evaluation.award(
        path_id(request), body, actor=request.state.user, address=client_address(request)
    )
    return answer(evaluation.award_json(row), 201)


async def delivery(request: Request) -> Response:
    body = await json_body(request)
    rating = await evaluation.rate_delivery(
        path_id(request), body, actor=request.state.user, address=client_address(request)
    )
    return answer(evaluation.rating_json(rating), 201)
