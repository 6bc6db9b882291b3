"""The OpenAPI 3.1 document of /api/v1, generated from the route list and the operations.

Each API route's name maps to an `Op` (summary, request model, answer models, error codes),
registered by the `@operation(...)` decorator on the endpoint in the domain's api.py. The
schemas come from the pydantic models (`market.schemas`) of each domain's schemas.py, collected
into `components`. The test suite checks that every API route has an operation and validates
every JSON answer against its declared model; schemathesis drives the API from this document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.routing import BaseRoute, Route

from market import __version__
from market.schemas import Error, ResponseModel

Schema = dict[str, Any]

# A path's {id}: a row id.
PATH_ID: Schema = {"type": "integer", "minimum": 1}

PUBLIC_ERRORS = {400, 413, 422, 429}


@dataclass(frozen=True)
class Op:
    summary: str
    request: type[BaseModel] | None = None
    # Answer models by status code (None: no body, as for 204).
    answers: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    query: dict[str, Schema] = field(default_factory=dict)
    tag: str = ""
    empty_body_ok: bool = False
    description: str = ""


# Every operation, by route name (filled by @operation as the api modules are imported).
OPS: dict[str, Op] = {}

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def operation(
    name: str,
    summary: str,
    *,
    request: type[BaseModel] | None = None,
    answers: dict[int, type[BaseModel] | None],
    errors: tuple[int, ...] = (),
    query: dict[str, Schema] | None = None,
    tag: str = "",
    empty_body_ok: bool = False,
    description: str = "",
) -> Callable[[Endpoint], Endpoint]:
    """Describe the API route called `name` (as in market/routes.py) on its endpoint:

        @operation("api.tasks.create", "Create a draft task", request=TaskCreate,
                   answers={201: TaskDetailOut}, errors=(401, 403, 404), tag="tasks")
        async def create_task(request: Request) -> Response: ...

    `errors`: the error codes the route answers besides 400, 413, 422, 429 (and 401/403 for a
    route that needs a signed-in user, added from its `allow`); `description`: what the
    summary and the models do not say (after who may call it)."""

    def register(endpoint: Endpoint) -> Endpoint:
        if name in OPS:
            raise RuntimeError(f"{name} is described twice (two @operation for one route)")
        OPS[name] = Op(
            summary, request, dict(answers), errors, query or {}, tag, empty_body_ok, description
        )
        return endpoint

    return register


def request_fields(route_name: str) -> list[str]:
    """The top-level fields of the route's request body."""
    op = OPS.get(route_name)
    return list(op.request.model_fields) if op and op.request else []


def answer_model(route_name: str, status: int) -> type[BaseModel] | None:
    """The model that declares the answer of `route_name` with `status` (None: undeclared, or
    no body)."""
    op = OPS.get(route_name)
    return op.answers.get(status) if op else None


PAGINATION = {
    "page": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
}


class Document(ResponseModel):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""

    openapi: str
    info: dict[str, Any]
    servers: list[dict[str, str]]
    paths: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]


def _path(route: Route) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)


def _models(ops: list[Op]) -> tuple[dict[tuple[Any, str], Schema], dict[str, Schema]]:
    """JSON Schemas of every model the operations name: {(model, mode): {"$ref": ...}} and
    the components they refer to (request models as validated, answers as serialised)."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Error, "serialization"): None}
    for op in ops:
        if op.request is not None:
            wanted[(op.request, "validation")] = None
        for model in op.answers.values():
            if model is not None:
                wanted[(model, "serialization")] = None
    refs, defs = models_json_schema(
        list(wanted),
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[tuple[Any, str], Schema] = {key: value for key, value in refs.items()}
    return schemas, dict(defs.get("$defs", {}))


def _operation(route: Route, method: str, refs: dict[tuple[Any, str], Schema]) -> dict[str, Any]:
    name = route.name or ""
    op = OPS.get(name) or Op(name.removeprefix("api.").replace(".", " ").capitalize())
    allow = getattr(route.endpoint, "allow", None)
    who = allow.describe() if allow is not None else "anyone"
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": op.summary,
        "description": f"Who: {who}."
        + (f" Rule: {allow.rule}." if allow and allow.rule else "")
        + (f" {op.description}" if op.description else ""),
        "tags": [op.tag or name.split(".")[1] if "." in name else "api"],
    }
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": PATH_ID}
        for p in re.findall(r"\{(\w+)\}", _path(route))
    ]
    parameters += [
        {"name": k, "in": "query", "required": False, "schema": v} for k, v in op.query.items()
    ]
    if parameters:
        operation["parameters"] = parameters
    if op.request is not None:
        operation["requestBody"] = {
            "required": not op.empty_body_ok,
            "content": {"application/json": {"schema": refs[(op.request, "validation")]}},
        }
    responses: dict[str, Any] = {}
    for code, body in op.answers.items():
        responses[str(code)] = (
            {"description": "No content"}
            if code == 204 or body is None
            else {
                "description": "OK",
                "content": {"application/json": {"schema": refs[(body, "serialization")]}},
            }
        )
    codes = set(op.errors) | PUBLIC_ERRORS
    if allow is not None and (allow.signed_in or allow.roles is not None):
        codes |= {401, 403}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": "Error",
            "content": {"application/json": {"schema": refs[(Error, "serialization")]}},
        }
    operation["responses"] = responses
    if allow is not None and (allow.signed_in or allow.roles is not None):
        operation["security"] = [{"bearer": []}]
    return operation


def build(routes: list[BaseRoute], base_url: str) -> dict[str, Any]:
    api = [r for r in routes if isinstance(r, Route) and r.path.startswith("/api/v1/")]
    refs, generated = _models([OPS[r.name] for r in api if r.name in OPS])
    paths: dict[str, dict[str, Any]] = {}
    for route in api:
        path = _path(route).removeprefix("/api/v1")
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route, method, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Partner Market API",
            "version": __version__,
            "description": "The JSON API of Partner Market. Errors have the shape "
            '{"error", "message", "fields"}. Timestamps are ISO 8601 with an offset '
            "(Europe/Copenhagen), dates YYYY-MM-DD, money whole DKK.",
        },
        "servers": [{"url": f"{base_url}/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(generated.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
