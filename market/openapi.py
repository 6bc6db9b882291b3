"""The OpenAPI 3.1 document of /api/v1, built from the route list and the schemas below.

Each API route's name maps to an `Op` (summary, request body, answers). The test suite checks
that every API route has one, and schemathesis drives the API from this very document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, Route

from market import __version__

Schema = dict[str, Any]


def obj(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": True}
    if required:
        schema["required"] = required
    return schema


def body(required: list[str] | None = None, /, **properties: Schema) -> Schema:
    """A request body: unknown fields are ignored, so they are allowed."""
    return obj(required, **properties)


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
    "Error": obj(
        ["error", "message"],
        error=STR,
        message=STR,
        fields={"type": "object", "additionalProperties": {"type": "string"}},
    ),
    "Vendor": obj(
        ["id", "name", "cvr", "size_class"],
        id=ID,
        name=STR,
        cvr=STR,
        size_class={"type": "string", "enum": ["micro", "small", "medium", "large"]},
    ),
    "Task": obj(
        ["id", "title", "status"],
        id=ID,
        title=STR,
        status=STR,
        bid_deadline=DATETIME,
        delivery_date=DATE,
        budget_dkk=DKK,
    ),
    "Bid": obj(["id"], id=ID, price_dkk=DKK, hours=INT, delivery_date=DATE, approach=STR),
    "Competency": obj(
        ["code", "label_da", "label_en", "kind"],
        code=STR,
        label_da=STR,
        label_en=STR,
        kind=STR,
        parent={"type": ["string", "null"]},
    ),
}

PUBLIC_ERRORS = {400, 413, 422, 429}


@dataclass(frozen=True)
class Op:
    summary: str
    request: Schema | None = None
    answers: dict[int, Schema] = field(default_factory=lambda: {200: obj()})
    errors: tuple[int, ...] = ()
    query: dict[str, Schema] = field(default_factory=dict)
    tag: str = ""
    empty_body_ok: bool = False


PAGINATION = {
    "page": {"type": "integer", "minimum": 1},
    "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
}

CRITERION = obj(
    ["name", "weight"], name=SHORT, weight={"type": "integer", "minimum": 0, "maximum": 100}
)

OPS: dict[str, Op] = {
    # --- auth
    "api.auth.token_create": Op(
        "Get a bearer token",
        body(["email", "password"], email=EMAIL, password=SHORT),
        {200: obj(["token", "expires_at"], token=STR, expires_at=DATETIME)},
        (401, 429),
        tag="auth",
    ),
    "api.auth.token_delete": Op(
        "Revoke the caller's token", answers={204: {}}, errors=(401,), tag="auth"
    ),
    # --- vendors and conduct
    "api.vendors.register": Op(
        "Register a vendor and its first vendor_admin",
        body(
            ["name", "cvr", "email", "password", "contact_name", "employees"],
            name=SHORT,
            cvr={"type": "string", "maxLength": 20},
            email=EMAIL,
            password=SHORT,
            contact_name=SHORT,
            employees={"type": "integer", "minimum": 0},
            website=SHORT,
            address=SHORT,
        ),
        {201: ref("Vendor")},
        (409,),
        tag="vendors",
    ),
    "api.vendors.list": Op(
        "The public register of vendor partners",
        answers={
            200: page_of(
                obj(
                    ["id", "name", "cvr", "size_class", "conduct_version", "signed_at"],
                    id=ID,
                    name=STR,
                    cvr=STR,
                    size_class=STR,
                    conduct_version={"type": ["string", "null"]},
                    signed_at=NULLABLE_DATETIME,
                )
            )
        },
        query={**PAGINATION, "q": SHORT},
        tag="vendors",
    ),
    "api.vendors.detail": Op(
        "A vendor's profile", answers={200: ref("Vendor")}, errors=(404,), tag="vendors"
    ),
    "api.vendors.sign": Op(
        "Sign a Code of Conduct version for the vendor",
        body(
            ["version", "sha256", "signer_name", "signer_title", "accept"],
            version=SHORT,
            sha256=SHORT,
            signer_name=SHORT,
            signer_title=SHORT,
            accept=BOOL,
        ),
        {201: obj(["id"], id=ID)},
        (401, 403, 404, 409),
        tag="conduct",
    ),
    "api.vendors.suspend": Op(
        "Suspend a vendor",
        body(["reason"], reason=TEXT),
        errors=(401, 403, 404, 409),
        tag="conduct",
    ),
    "api.vendors.reinstate": Op(
        "Reinstate a suspended vendor",
        body(["reason"], reason=TEXT),
        errors=(401, 403, 404, 409),
        tag="conduct",
    ),
    "api.vendors.profile": Op(
        "Replace the vendor's competency profile",
        body(
            None,
            profile_text=TEXT,
            profile_text_en=TEXT,
            hourly_rate_dkk=DKK,
            capacity_hours_per_month={"type": "integer", "minimum": 0, "maximum": 100000},
            capacity_from=DATE,
            team_size={"type": "integer", "minimum": 0},
            working_languages=arr(SHORT, 20),
            products=arr(SHORT, 100),
            competencies=arr(obj(["code", "level"], code=CODE, level=LEVEL), 500),
            references=arr(
                obj(
                    ["title"],
                    title=SHORT,
                    customer=SHORT,
                    year=INT,
                    description=TEXT,
                    codes=arr(CODE, 100),
                ),
                100,
            ),
        ),
        errors=(401, 403, 404),
        tag="competencies",
    ),
    "api.conduct.current": Op(
        "The Code of Conduct in force",
        answers={
            200: obj(
                ["version", "title", "text", "text_en", "sha256", "effective_from"],
                version=STR,
                title=STR,
                text=STR,
                text_en=STR,
                sha256=STR,
                effective_from=DATE,
            )
        },
        errors=(404,),
        tag="conduct",
    ),
    "api.conduct.publish": Op(
        "Publish a Code of Conduct version",
        body(
            ["version", "title", "text", "effective_from", "grace_days"],
            version=SHORT,
            title=SHORT,
            text=TEXT,
            text_en=TEXT,
            effective_from=DATE,
            grace_days={"type": "integer", "minimum": 0, "maximum": 3650},
        ),
        {201: obj(["version"], version=STR)},
        (401, 403, 409),
        tag="conduct",
    ),
    "api.signatures.list": Op(
        "The signature register",
        answers={200: page_of(obj())},
        query={
            **PAGINATION,
            "status": {
                "type": "string",
                "enum": ["pending", "active", "outdated", "missing", "revoked"],
            },
        },
        errors=(401, 403),
        tag="conduct",
    ),
    "api.signatures.countersign": Op(
        "Countersign a signature", errors=(401, 403, 404, 409), empty_body_ok=True, tag="conduct"
    ),
    "api.signatures.reject": Op(
        "Reject a signature",
        body(["reason"], reason=TEXT),
        errors=(401, 403, 404, 409),
        tag="conduct",
    ),
    "api.signatures.revoke": Op(
        "Revoke a signature",
        body(["reason"], reason=TEXT),
        errors=(401, 403, 404, 409),
        tag="conduct",
    ),
    # --- competencies
    "api.competencies.list": Op(
        "Search the competency taxonomy",
        answers={200: page_of(ref("Competency"))},
        query={
            **PAGINATION,
            "q": SHORT,
            "kind": {
                "type": "string",
                "enum": ["cpv", "product", "technology", "domain", "standard"],
            },
        },
        tag="competencies",
    ),
    # --- solutions, wishes, tasks
    "api.solutions.create": Op(
        "Create a shared product",
        body(
            ["name", "description", "coordinator_emails"],
            name=SHORT,
            description=TEXT,
            coordinator_emails=arr(EMAIL, 50),
            repository_url=SHORT,
        ),
        {201: obj(["id"], id=ID)},
        (401, 403, 409),
        tag="solutions",
    ),
    "api.wishes.create": Op(
        "Submit a wish",
        body(
            ["solution_id", "title", "description"],
            solution_id=ID,
            title=SHORT,
            description=TEXT,
            priority=SHORT,
        ),
        {201: obj(["id"], id=ID)},
        (401, 403),
        tag="solutions",
    ),
    "api.wishes.support": Op(
        "Support a wish",
        body(None, pledge_dkk=DKK),
        {201: obj()},
        (401, 403, 404, 409),
        empty_body_ok=True,
        tag="solutions",
    ),
    "api.tasks.create": Op(
        "Create a draft task",
        body(
            [
                "solution_id",
                "title",
                "description",
                "required",
                "estimate_hours",
                "budget_dkk",
                "bid_deadline",
                "delivery_date",
                "funding",
            ],
            solution_id=ID,
            title=SHORT,
            description=TEXT,
            required=arr(CODE, 100),
            nice_to_have=arr(CODE, 100),
            estimate_hours={"type": "integer", "minimum": 1},
            budget_dkk=DKK,
            bid_deadline=DATETIME,
            question_deadline=DATETIME,
            delivery_date=DATE,
            wish_ids=arr(ID, 100),
            municipality_specific=BOOL,
            funding=arr(
                obj(["municipality", "amount_dkk"], municipality=SHORT, amount_dkk=DKK), 98
            ),
            criteria=arr(CRITERION, 20),
        ),
        {201: ref("Task")},
        (401, 403, 404),
        tag="tasks",
    ),
    "api.tasks.publish": Op(
        "Publish a task (opens bidding)",
        answers={200: ref("Task")},
        errors=(401, 403, 404, 409),
        empty_body_ok=True,
        tag="tasks",
    ),
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
                        vendor=ref("Vendor"),
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
    "api.tasks.invite": Op(
        "Invite vendors to bid",
        body(["vendor_ids"], vendor_ids=arr(ID, 200)),
        errors=(401, 403, 404, 409),
        tag="tasks",
    ),
    "api.opportunities": Op(
        "Tasks this vendor may bid on, and why",
        answers={200: page_of(obj())},
        query=PAGINATION,
        errors=(401, 403),
        tag="bids",
    ),
    "api.bids.submit": Op(
        "Submit (or save a draft of) a bid",
        body(
            ["price_dkk", "hours", "delivery_date", "approach"],
            price_dkk=DKK,
            hours={"type": "integer", "minimum": 1},
            delivery_date=DATE,
            approach=TEXT,
            draft=BOOL,
            assumptions=TEXT,
            team=arr(obj(["name"], name=SHORT, role=SHORT), 50),
        ),
        {201: ref("Bid")},
        (401, 403, 404, 409),
        tag="bids",
    ),
    "api.bids.detail": Op("One bid", answers={200: ref("Bid")}, errors=(401, 404), tag="bids"),
    "api.bids.revise": Op(
        "Revise a bid before the deadline",
        body(
            None,
            price_dkk=DKK,
            hours={"type": "integer", "minimum": 1},
            delivery_date=DATE,
            approach=TEXT,
            draft=BOOL,
            assumptions=TEXT,
            team=arr(obj(["name"], name=SHORT, role=SHORT), 50),
        ),
        {200: ref("Bid")},
        (401, 404, 409),
        tag="bids",
    ),
    "api.bids.withdraw": Op(
        "Withdraw a bid before the deadline", errors=(401, 404, 409), tag="bids"
    ),
    "api.tasks.declaration": Op(
        "Declare conflicts of interest",
        body(None, no_conflict=BOOL, conflict_vendor_ids=arr(ID, 200)),
        {201: obj()},
        (401, 403, 404, 409),
        tag="bids",
    ),
    "api.tasks.bids": Op(
        "The bids of a task: sealed before the deadline",
        answers={200: obj(["sealed"], sealed=BOOL, count=INT, items=arr(ref("Bid")))},
        errors=(401, 403, 404),
        tag="bids",
    ),
    "api.tasks.scores": Op(
        "Score a bid",
        body(
            ["bid_id", "scores"],
            bid_id=ID,
            scores={
                "type": "object",
                "additionalProperties": {"type": "number", "minimum": 0, "maximum": 10},
            },
        ),
        errors=(401, 403, 404, 409),
        tag="bids",
    ),
    "api.tasks.evaluation": Op(
        "Totals and ranking of the scored bids", errors=(401, 403, 404, 409), tag="bids"
    ),
    "api.tasks.award": Op(
        "Award a task",
        body(["bid_id", "justification"], bid_id=ID, justification=TEXT),
        errors=(401, 403, 404, 409),
        tag="bids",
    ),
    "api.tasks.delivery": Op(
        "Record the delivery",
        body(
            ["accepted", "quality", "on_time"],
            accepted=BOOL,
            quality={"type": "integer", "minimum": 1, "maximum": 5},
            on_time=BOOL,
            comment=TEXT,
        ),
        errors=(401, 403, 404, 409),
        tag="bids",
    ),
    "api.ocds.releases": Op(
        "OCDS 1.1 release package of published and awarded tasks", tag="open data"
    ),
    "api.openapi": Op("This document", tag="open data"),
}


def _path(route: Route) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)


def _operation(route: Route, method: str) -> dict[str, Any]:
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
            "content": {"application/json": {"schema": op.request}},
        }
    responses: dict[str, Any] = {}
    for code, schema in op.answers.items():
        responses[str(code)] = (
            {"description": "No content"}
            if code == 204
            else {"description": "OK", "content": {"application/json": {"schema": schema}}}
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
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/v1/"):
            continue
        path = _path(route).removeprefix("/api/v1")
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route, method)
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
            "schemas": COMPONENTS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
