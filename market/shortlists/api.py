"""JSON API: GET /api/v1/tasks/{id}/shortlist (API.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, path_id
from market.openapi import operation
from market.shortlists import services
from market.shortlists.schemas import ShortlistOut


@operation(
    "api.tasks.shortlist",
    "The ranked, explained shortlist of a task",
    answers={200: ShortlistOut},
    errors=(401, 403, 404),
    tag="matching",
)
async def task_shortlist(request: Request) -> Response:
    """The stored shortlist. Until the job has computed it, `computed_at` and
    `model_version` are null and `entries` is empty (`status` says queued or running)."""
    view = await services.shortlist_for(path_id(request), request.state.user)
    return answer(services.shortlist_json(view))
