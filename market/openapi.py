"""The OpenAPI 3.1 document of /api/v1, generated from the route list and the operations.

Each API route's name maps to an `Op` (summary, request model, answer models, error codes),
registered by the `@operation(...)` decorator on the endpoint in the domain's api.py. The
schemas come from the pydantic models (`market.schemas`) of each domain's schemas.py, collected
into `components`. The test suite checks that every API route has an operation and validates
every JSON answer against its declared model; schemathesis drives the API from this document.

Transition: domains not converted yet still describe their operations in OPS below with
hand-written dict schemas (`obj`, `body`, `COMPONENTS`); converting a domain deletes them.
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
from market.schemas import Error

Schema = dict[str, Any]


def obj(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = required
    return schema


def body(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    """A request body: unknown fields are ignored, so they are allowed."""
    return _texts(obj(required, **properties))


# Text the API stores: PostgreSQL refuses NUL characters (the API answers 422), and a required
# text field must hold more than spaces (the API answers "This field is required.").
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _texts(schema: Schema) -> Schema:
    """Add those two rules to every plain text field of a request body, nested ones too."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return {**schema, "items": _texts(schema["items"])}
    if schema.get("type") != "object":
        return schema
    schema = {**schema, "propertyNames": {"pattern": NO_NUL}}
    if isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = _texts(schema["additionalProperties"])
    if "properties" not in schema:
        return schema
    required = set(schema.get("required", ()))
    properties: dict[str, Schema] = {}
    for name, prop in schema["properties"].items():
        if prop.get("type") == "string" and not {"enum", "format", "pattern"} & prop.keys():
            prop = {**prop, "pattern": NOT_BLANK if name in required else NO_NUL}
            if name in required:
                prop["minLength"] = max(1, prop.get("minLength", 0))
        properties[name] = _texts(prop)
    return {**schema, "properties": properties}


def arr(items: Schema, max_items: int | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if max_items:
        schema["maxItems"] = max_items
    return schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


STR: Schema = {"type": "string"}
TEXT: Schema = {"type": "string", "maxLength": 20000}
SHORT: Schema = {"type": "string", "maxLength": 300}
INT: Schema = {"type": "integer"}
ID: Schema = {"type": "integer", "minimum": 1}
DKK: Schema = {"type": "integer", "minimum": 0, "maximum": 2_000_000_000}
BOOL: Schema = {"type": "boolean"}
DATE: Schema = {"type": "string", "format": "date"}
DATETIME: Schema = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME: Schema = {"type": ["string", "null"], "format": "date-time"}
EMAIL: Schema = {"type": "string", "format": "email", "maxLength": 254}
CODE: Schema = {"type": "string", "maxLength": 100, "description": "CPV as 8 digits or 72000000-5"}
LEVEL: Schema = {"type": "string", "enum": ["basic", "experienced", "expert"]}


def page_of(item: Schema) -> Schema:
    return obj(["items", "page", "total"], items=arr(item), page=INT, total=INT, per_page=INT)


COMPONENTS: dict[str, Schema] = {
    "Award": obj(
        ["id", "task_id", "bid_id", "justification", "status", "awarded_at"],
        id=ID,
        task_id=ID,
        bid_id=ID,
        justification=STR,
        status=STR,
        awarded_at=DATETIME,
    ),
}

PUBLIC_ERRORS = {400, 413, 422, 429}


# A request body or an answer: a pydantic model, or (legacy) a hand-written JSON Schema.
Body = type[BaseModel] | Schema


@dataclass(frozen=True)
class Op:
    summary: str
    request: Body | None = None
    # Answer models by status code (None: no body, as for 204).
    answers: dict[int, Body | None] = field(default_factory=lambda: {200: obj()})
    errors: tuple[int, ...] = ()
    query: dict[str, Schema] = field(default_factory=dict)
    tag: str = ""
    empty_body_ok: bool = False


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
) -> Callable[[Endpoint], Endpoint]:
    """Describe the API route called `name` (as in market/routes.py) on its endpoint:

        @operation("api.tasks.create", "Create a draft task", request=TaskCreate,
                   answers={201: TaskDetailOut}, errors=(401, 403, 404), tag="tasks")
        async def create_task(request: Request) -> Response: ...

    `errors`: the error codes the route answers besides 400, 413, 422, 429 (and 401/403 for a
    route that needs a signed-in user, added from its `allow`)."""

    def register(endpoint: Endpoint) -> Endpoint:
        if name in OPS:
            raise RuntimeError(f"{name} is described twice (delete its entry in OPS)")
        OPS[name] = Op(summary, request, dict(answers), errors, query or {}, tag, empty_body_ok)
        return endpoint

    return register


def request_fields(route_name: str) -> list[str]:
    """The top-level fields of the route's request body (a model's or a legacy schema's)."""
    op = OPS.get(route_name)
    body = op.request if op else None
    if isinstance(body, type):
        return list(body.model_fields)
    return list((body or {}).get("properties", {}))


def answer_model(route_name: str, status: int) -> type[BaseModel] | None:
    """The model that declares the answer of `route_name` with `status` (None: a legacy or
    undeclared answer)."""
    op = OPS.get(route_name)
    declared = op.answers.get(status) if op else None
    return declared if isinstance(declared, type) else None


PAGINATION = {
    "page": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
}

# The OCDS pagination extension's package links.
OCDS_LINKS = obj(None, next=STR, prev=STR)

CRITERION = obj(
    ["name", "weight"], name=SHORT, weight={"type": "integer", "minimum": 0, "maximum": 100}
)


OPS: dict[str, Op] = {
    "api.tasks.shortlist": Op(
        "The ranked, explained shortlist of a task",
        answers={
            200: obj(
                ["computed_at", "model_version", "entries"],
                computed_at=NULLABLE_DATETIME,
                model_version={"type": ["string", "null"]},
                entries=arr(
                    obj(
                        ["rank", "vendor", "score", "eligible", "reasons", "contributions"],
                        rank=INT,
                        vendor=obj(
                            ["id", "name", "size_class"],
                            id=ID,
                            name=STR,
                            size_class={
                                "type": "string",
                                "enum": ["micro", "small", "medium", "large"],
                            },
                        ),
                        score={"type": "number"},
                        eligible=BOOL,
                        reasons=arr(STR),
                        contributions={
                            "type": "object",
                            "additionalProperties": {"type": "number"},
                        },
                    )
                ),
            )
        },
        errors=(401, 403, 404),
        tag="matching",
    ),
    "api.ocds.releases": Op(
        "OCDS 1.1 release package of published and awarded tasks",
        answers={
            200: obj(
                ["uri", "publishedDate", "publisher", "version", "releases"],
                uri=STR,
                publishedDate=DATETIME,
                publisher=obj(["name"], name=STR),
                version={"type": "string", "enum": ["1.1"]},
                releases=arr(
                    obj(
                        ["ocid", "id", "date", "tag", "initiationType"],
                        ocid=STR,
                        id=STR,
                        date=DATETIME,
                        tag=arr(STR),
                        initiationType={"type": "string", "enum": ["tender"]},
                        tender=obj(),
                        parties=arr(obj()),
                        awards=arr(obj()),
                    )
                ),
                extensions=arr(STR),
                links=OCDS_LINKS,
            )
        },
        errors=(404,),
        query={"page": PAGINATION["page"]},
        tag="open data",
    ),
    "api.ocds.records": Op(
        "OCDS 1.1 record package: every release of each task and its compiled release",
        answers={
            200: obj(
                ["uri", "publishedDate", "publisher", "version", "records"],
                uri=STR,
                publishedDate=DATETIME,
                publisher=obj(["name"], name=STR),
                version={"type": "string", "enum": ["1.1"]},
                extensions=arr(STR),
                links=OCDS_LINKS,
                records=arr(
                    obj(
                        ["ocid", "releases", "compiledRelease"],
                        ocid=STR,
                        releases=arr(obj(["ocid", "id", "date", "tag"])),
                        compiledRelease=obj(["ocid", "id", "date", "tag"]),
                    )
                ),
            )
        },
        errors=(404,),
        query={"page": PAGINATION["page"], "ocid": STR},
        tag="open data",
    ),
    "api.openapi": Op("This document", tag="open data"),
}


def _path(route: Route) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)


def _models(ops: list[Op]) -> tuple[dict[tuple[Any, str], Schema], dict[str, Schema]]:
    """JSON Schemas of every model the operations name: {(model, mode): {"$ref": ...}} and
    the components they refer to (request models as validated, answers as serialised)."""
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Error, "serialization"): None}
    for op in ops:
        if isinstance(op.request, type):
            wanted[(op.request, "validation")] = None
        for model in op.answers.values():
            if isinstance(model, type):
                wanted[(model, "serialization")] = None
    refs, defs = models_json_schema(
        list(wanted),
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[tuple[Any, str], Schema] = {key: value for key, value in refs.items()}
    return schemas, dict(defs.get("$defs", {}))


def _schema(body: Body | None, mode: str, refs: dict[tuple[Any, str], Schema]) -> Schema:
    if isinstance(body, type):
        return refs[(body, mode)]
    return body or {}


def _operation(
    route: Route, method: str, refs: dict[tuple[Any, str], Schema] | None = None
) -> dict[str, Any]:
    refs = refs or {}
    name = route.name or ""
    op = OPS.get(name) or Op(name.removeprefix("api.").replace(".", " ").capitalize())
    allow = getattr(route.endpoint, "allow", None)
    who = allow.describe() if allow is not None else "anyone"
    operation: dict[str, Any] = {
        "operationId": name,
        "summary": op.summary,
        "description": f"Who: {who}." + (f" Rule: {allow.rule}." if allow and allow.rule else ""),
        "tags": [op.tag or name.split(".")[1] if "." in name else "api"],
    }
    parameters = [
        {"name": p, "in": "path", "required": True, "schema": ID}
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
            "content": {"application/json": {"schema": _schema(op.request, "validation", refs)}},
        }
    responses: dict[str, Any] = {}
    for code, body in op.answers.items():
        responses[str(code)] = (
            {"description": "No content"}
            if code == 204 or body is None
            else {
                "description": "OK",
                "content": {"application/json": {"schema": _schema(body, "serialization", refs)}},
            }
        )
    codes = set(op.errors) | PUBLIC_ERRORS
    if allow is not None and (allow.signed_in or allow.roles is not None):
        codes |= {401, 403}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": "Error",
            "content": {"application/json": {"schema": ref("Error")}},
        }
    operation["responses"] = responses
    if allow is not None and (allow.signed_in or allow.roles is not None):
        operation["security"] = [{"bearer": []}]
    return operation


def build(routes: list[BaseRoute], base_url: str) -> dict[str, Any]:
    api = [r for r in routes if isinstance(r, Route) and r.path.startswith("/api/v1/")]
    refs, generated = _models([OPS[r.name] for r in api if r.name in OPS])
    clash = generated.keys() & COMPONENTS.keys()
    if clash:
        raise RuntimeError(f"models named like hand-written schemas: {sorted(clash)}")
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
            "schemas": {**COMPONENTS, **dict(sorted(generated.items()))},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
