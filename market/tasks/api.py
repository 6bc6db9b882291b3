"""JSON API: /api/v1/tasks and the clarification Q&A."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, body_text, json_body, page_of, pagination, path_id, query_id
from market.tasks import questions, services
from market.web import client_address


async def _task_answer(request: Request, task_id: int, status_code: int = 200) -> Response:
    detail = await services.task_detail(task_id, request.state.user)
    return answer(services.task_json(detail["task"], detail), status_code)


async def list_tasks(request: Request) -> Response:
    page, per_page = pagination(request)
    rows, total = await services.list_tasks(
        request.state.user,
        solution_id=query_id(request, "solution_id"),
        status=request.query_params.get("status", ""),
        page=page,
        per_page=per_page,
    )
    return answer(page_of([services.task_json(t) for t in rows], page, total, per_page))


async def create_task(request: Request) -> Response:
    body = await json_body(request)
    task = await services.create_task(
        body, actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id, 201)


async def task_detail(request: Request) -> Response:
    return await _task_answer(request, path_id(request))


async def update_task(request: Request) -> Response:
    body = await json_body(request)
    task = await services.update_task(
        path_id(request), body, actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id)


async def publish_task(request: Request) -> Response:
    await json_body(request, allow_empty=True)
    task = await services.publish_task(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id)


async def cancel_task(request: Request) -> Response:
    await json_body(request, allow_empty=True)
    task = await services.cancel_task(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id)


async def invite_vendors(request: Request) -> Response:
    body = await json_body(request)
    invitations = await services.invite_vendors(
        path_id(request),
        body.get("vendor_ids"),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer(
        {
            "task_id": path_id(request),
            "invitations": [{"id": i.id, "vendor_id": i.vendor_id} for i in invitations],
        },
        201,
    )


async def list_questions(request: Request) -> Response:
    task = await services.visible_task(path_id(request), request.state.user)
    seen = await questions.questions_for(task, request.state.user)
    return answer(
        {
            "items": questions.qa_json(seen["published"]),
            "pending": [{"id": q.id, "question": q.text} for q in seen["pending"]],
        }
    )


async def ask_question(request: Request) -> Response:
    body = await json_body(request)
    question = await questions.ask_question(
        path_id(request),
        body_text(body, "text", max_length=5000),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer({"id": question.id, "task_id": question.task_id, "text": question.text}, 201)


async def answer_question(request: Request) -> Response:
    body = await json_body(request)
    reply = await questions.answer_question(
        path_id(request),
        body_text(body, "text", max_length=10000),
        actor=request.state.user,
        address=client_address(request),
    )
    return answer(
        {"id": reply.id, "question_id": reply.question_id, "text": reply.text, "published": True},
        201,
    )


async def follow_task(request: Request) -> Response:
    follow = request.method == "PUT"
    await json_body(request, allow_empty=True)  # no fields, but what is sent must be an object
    await services.follow_task(path_id(request), actor=request.state.user, follow=follow)
    return answer({"task_id": path_id(request), "following": follow})
