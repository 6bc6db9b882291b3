"""JSON API: opportunities, bids, declarations, scores, evaluation, award and delivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, json_body, page_of, pagination, path_id
from market.bids import content as bid_content
from market.bids import evaluation, reading
from market.bids import opportunities as open_tasks
from market.bids.schemas import (
    AwardIn,
    AwardOut,
    BidContent,
    BidOut,
    BidSubmit,
    Declaration,
    DeclarationOut,
    DeliveryIn,
    DeliveryOut,
    EvaluationOut,
    MyBidsPage,
    OpportunitiesPage,
    PanelAdd,
    PanelAddedOut,
    PanelOut,
    ScoreIn,
    ScoreOut,
    TaskBidsOut,
)
from market.errors import ValidationFailed
from market.openapi import PAGINATION, operation
from market.schemas import RequestModel, parse
from market.tasks.rules import effective_status
from market.web import client_address, page_param

Model = TypeVar("Model", bound=RequestModel)
Gate = Callable[[int, Any], Awaitable[Any]]


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


async def _parsed(request: Request, model: type[Model], gate: Gate) -> Model:
    """The body as `model`; a refused body answers the gate's 403/404/409 first (the
    evaluation's services check who may act and when before they read the body)."""
    body = await json_body(request)
    try:
        return parse(model, body)
    except ValidationFailed:
        await gate(path_id(request), request.state.user)
        raise


@operation(
    "api.bids.declare",
    "Declare conflicts of interest (once per evaluator and task)",
    request=Declaration,
    answers={201: DeclarationOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def declare(request: Request) -> Response:
    data = await _parsed(request, Declaration, evaluation.declare_gate)
    declaration = await evaluation.declare(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer(evaluation.declaration_json(declaration), 201)


@operation(
    "api.bids.panel_add",
    "Add a municipality user to the evaluation panel",
    request=PanelAdd,
    answers={201: PanelAddedOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def add_panel_member(request: Request) -> Response:
    data = await _parsed(request, PanelAdd, evaluation.panel_gate)
    member = await evaluation.add_panel_member(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer({"id": member.id, "task_id": member.task_id, "user_id": member.user_id}, 201)


@operation(
    "api.bids.panel",
    "The evaluation panel of a task",
    answers={200: PanelOut},
    errors=(401, 403, 404),
    tag="bids",
)
async def panel(request: Request) -> Response:
    task = await evaluation.panel_gate(path_id(request), request.state.user)
    members = await evaluation.panel(task)
    items = [
        {"id": m.id, "user_id": m.user_id, "email": m.user.email, "name": m.user.name}
        for m in members
    ]
    return answer({"items": items, "page": 1, "total": len(items)})


@operation(
    "api.bids.score",
    "Score a bid (0-10 per criterion; price is computed)",
    request=ScoreIn,
    answers={200: ScoreOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def score(request: Request) -> Response:
    data = await _parsed(request, ScoreIn, evaluation.score_gate)
    result = await evaluation.score_bid(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer(result)


@operation(
    "api.bids.evaluation",
    "Totals and ranking of the scored bids",
    answers={200: EvaluationOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
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


@operation(
    "api.bids.award",
    "Award a task after the deadline; every bidder is told",
    request=AwardIn,
    answers={201: AwardOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def award(request: Request) -> Response:
    data = await _parsed(request, AwardIn, evaluation.award_gate)
    row = await evaluation.award(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer(evaluation.award_json(row), 201)


@operation(
    "api.bids.delivery",
    "Record the delivery (closes the task)",
    request=DeliveryIn,
    answers={201: DeliveryOut},
    errors=(401, 403, 404, 409),
    tag="bids",
)
async def delivery(request: Request) -> Response:
    data = await _parsed(request, DeliveryIn, evaluation.delivery_gate)
    rating = await evaluation.rate_delivery(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return answer(evaluation.rating_json(rating), 201)
