"""Home page, health check and the development outbox."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise import connections

from market import metrics as metrics_module
from market import openapi, runners
from market.core import services
from market.mail import outbox
from market.security.permissions import Allow, Endpoint, guard
from market.tasks.models import TaskStatus
from market.tasks.services import list_tasks
from market.web import client_address, render


async def home(request: Request) -> Response:
    open_tasks, open_total = await list_tasks(
        request.state.user, status=TaskStatus.PUBLISHED, per_page=5
    )
    return render(request, "home.html", open_tasks=open_tasks, open_total=open_total)


async def database_ok() -> bool:
    try:
        connection = connections.get("default")
        await asyncio.wait_for(connection.execute_query("SELECT 1"), timeout=3)
    except Exception:  # noqa: BLE001 - any failure here is handled the same way
        return False
    return True


async def healthz(request: Request) -> Response:
    runner = runners.runner()
    body = {"status": "ok", "database": "ok", "jobs": runner.mode}
    status = 200
    if not await database_ok():
        body["database"] = "unavailable"
        body["status"] = "unavailable"
        status = 503
    if runner.mode == "redis" and not await runner.ping():
        body["redis"] = "unavailable"
        body["status"] = "unavailable"
        status = 503
    elif runner.mode == "redis":
        body["redis"] = "ok"
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


async def dev_outbox(request: Request) -> Response:
    messages = await outbox.visible_messages(request.app.state.settings, request.state.user)
    return render(request, "core/outbox.html", messages=messages)


async def dev_outbox_message(request: Request) -> Response:
    message, body = await outbox.visible_message(
        request.app.state.settings, request.state.user, int(request.path_params["id"])
    )
    return render(request, "core/outbox_message.html", message=message, body=body)


def _openapi_document(request: Request) -> dict[str, Any]:
    cached = getattr(request.app.state, "openapi", None)
    if cached is None:
        # The app's own route list: this module is one of the views the routes name.
        cached = openapi.build(request.app.routes, request.app.state.settings.base_url)
        request.app.state.openapi = cached
    return cached


@openapi.operation("api.openapi", "This document", answers={200: openapi.Document}, tag="open data")
async def openapi_json(request: Request) -> Response:
    return JSONResponse(_openapi_document(request))


async def api_docs(request: Request) -> Response:
    document = _openapi_document(request)
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    return render(request, "core/api_docs.html", document=document, operations=operations)


async def metrics(request: Request) -> Response:
    """Prometheus text exposition (the route lets in the secretariat or a named address)."""
    gauges = metrics_module.database_gauges(
        await services.outbox_backlog(), await services.bids_by_task_state()
    )
    return metrics_module.response(metrics_module.exposition(gauges))


def metrics_readers(endpoint: Endpoint, allow: Allow) -> Endpoint:
    """A scraper at an address named in METRICS_ALLOWED_ADDRESSES needs no account."""
    guarded = guard(endpoint, allow, api=False)

    @functools.wraps(endpoint)
    async def admitted(request: Request) -> Response:
        settings = request.app.state.settings
        if metrics_module.address_allowed(settings, client_address(request)):
            return await endpoint(request)
        return await guarded(request)

    admitted.allow = allow  # type: ignore[attr-defined]
    return admitted
