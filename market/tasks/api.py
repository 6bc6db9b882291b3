"""JSON API: /api/v1/tasks and the clarification Q&A."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market import listcache
from market.api import answer, json_body, page_of, pagination, path_id, query_id
from market.openapi import PAGINATION, operation
from market.schemas import MAX_ID, NoFields, parse
from market.tasks import questions, services
from market.tasks.schemas import (
    STATUSES,
    AnswerOut,
    FollowOut,
    InvitationsOut,
    InviteVendors,
    QuestionAnswer,
    QuestionAsk,
    QuestionOut,
    QuestionsOut,
    TaskCreate,
    TaskDetailOut,
    TaskPage,
    TaskUpdate,
)
from market.web import client_address

CHANGES = (401, 403, 404, 409)


async def _task_answer(request: Request, task_id: int, status_code: int = 200) -> Response:
    detail = await services.task_detail(task_id, request.state.user)
    return answer(services.task_json(detail["task"], detail), status_code)


@operation(
    "api.tasks.list",
    "Published tasks (and the caller's drafts)",
    answers={200: TaskPage},
    query={
        **PAGINATION,
        "solution_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "status": {"type": "string", "enum": list(STATUSES)},
    },
    tag="tasks",
)
@listcache.cached("tasks", listcache.until_deadline)
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


@operation(
    "api.tasks.create",
    "Create a draft task",
    request=TaskCreate,
    answers={201: TaskDetailOut},
    errors=(401, 403, 404),
    tag="tasks",
)
async def create_task(request: Request) -> Response:
    data = parse(TaskCreate, await json_body(request))
    task = await services.create_task(
        data, actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id, 201)


@operation("api.tasks.detail", "One task", answers={200: TaskDetailOut}, errors=(404,), tag="tasks")
async def task_detail(request: Request) -> Response:
    return await _task_answer(request, path_id(request))


@operation(
    "api.tasks.update",
    "Change a task (a published task keeps a visible change log)",
    request=TaskUpdate,
    answers={200: TaskDetailOut},
    errors=CHANGES,
    tag="tasks",
)
async def update_task(request: Request) -> Response:
    data = parse(TaskUpdate, await json_body(request))
    task = await services.update_task(
        path_id(request), data, actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id)


@operation(
    "api.tasks.publish",
    "Publish a task (opens bidding)",
    answers={200: TaskDetailOut},
    errors=CHANGES,
    empty_body_ok=True,
    tag="tasks",
)
async def publish_task(request: Request) -> Response:
    await json_body(request, allow_empty=True)
    task = await services.publish_task(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id)


@operation(
    "api.tasks.cancel",
    "Cancel a task",
    answers={200: TaskDetailOut},
    errors=CHANGES,
    empty_body_ok=True,
    tag="tasks",
)
async def cancel_task(request: Request) -> Response:
    await json_body(request, allow_empty=True)
    task = await services.cancel_task(
        path_id(request), actor=request.state.user, address=client_address(request)
    )
    return await _task_answer(request, task.id)


@operation(
    "api.tasks.invite",
    "Invite vendors to bid",
    request=InviteVendors,
    answers={201: InvitationsOut},
    errors=CHANGES,
    tag="tasks",
)
async def invite_vendors(request: Request) -> Response:
    data = parse(InviteVendors, await json_body(request))
    invitations = await services.invite_vendors(
        path_id(request), data.vendor_ids, actor=request.state.user, address=client_address(request)
    )
    return answer(
        {
            "task_id": path_id(request),
            "invitations": [{"id": i.id, "vendor_id": i.vendor_id} for i in invitations],
        },
        201,
    )


@operation(
    "api.tasks.questions",
    "The published answers to vendors' questions (and the caller's pending ones)",
    answers={200: QuestionsOut},
    errors=(404,),
    tag="tasks",
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


@operation(
    "api.tasks.ask",
    "Ask a clarifying question (the asker stays anonymous)",
    request=QuestionAsk,
    answers={201: QuestionOut},
    errors=CHANGES,
    tag="tasks",
)
async def ask_question(request: Request) -> Response:
    data = parse(QuestionAsk, await json_body(request))
    question = await questions.ask_question(
        path_id(request), data.text, actor=request.state.user, address=client_address(request)
    )
    return answer({"id": question.id, "task_id": question.task_id, "text": question.text}, 201)


@operation(
    "api.tasks.answer",
    "Answer a question; the answer is published to every vendor",
    request=QuestionAnswer,
    answers={201: AnswerOut},
    errors=CHANGES,
    tag="tasks",
)
async def answer_question(request: Request) -> Response:
    data = parse(QuestionAnswer, await json_body(request))
    reply = await questions.answer_question(
        path_id(request), data.text, actor=request.state.user, address=client_address(request)
    )
    return answer(
        {"id": reply.id, "question_id": reply.question_id, "text": reply.text, "published": True},
        201,
    )


@operation(
    "api.tasks.follow",
    "Follow (PUT) or stop following (DELETE) a published task: a follower is told of every "
    "change and of a cancellation",
    request=NoFields,
    answers={200: FollowOut},
    errors=(404,),
    tag="tasks",
    empty_body_ok=True,
)
async def follow_task(request: Request) -> Response:
    follow = request.method == "PUT"
    await json_body(request, allow_empty=True)  # no fields, but what is sent must be an object
    await services.follow_task(path_id(request), actor=request.state.user, follow=follow)
    return answer({"task_id": path_id(request), "following": follow})
