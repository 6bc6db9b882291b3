"""The OpenAPI document: every /api/v1 route described, a valid OpenAPI 3.1 document."""

from __future__ import annotations

from typing import Any

import jsonschema
from starlette.routing import Route

from market.openapi import OPS
from market.routes import routes


def api_routes() -> list[Route]:
    return [r for r in routes if isinstance(r, Route) and r.path.startswith("/api/v1/")]


def test_every_api_route_has_an_operation_spec() -> None:
    names = {r.name for r in api_routes()}
    assert names - OPS.keys() == set(), "add an Op to market/openapi.py for these routes"
    assert OPS.keys() - names == set(), "these Ops describe routes that no longer exist"


def _schemas(node: Any) -> list[dict[str, Any]]:
    """Every JSON Schema in the document (request bodies, answers, parameters, components)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                found.append(value)
            found.extend(_schemas(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_schemas(value))
    return found


async def test_the_document_is_valid_openapi_3_1_and_describes_every_endpoint(client) -> None:
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    jsonschema.Draft202012Validator(OPENAPI_31).validate(document)
    for schema in [*document["components"]["schemas"].values(), *_schemas(document["paths"])]:
        jsonschema.Draft202012Validator.check_schema(schema)
    described = {
        (path, method.upper()) for path, methods in document["paths"].items() for method in methods
    }
    for route in api_routes():
        path = route.path.removeprefix("/api/v1").replace(":int}", "}")
        for method in (route.methods or set()) - {"HEAD"}:
            assert (path, method) in described, f"{method} {path} is not in the document"
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in ("post", "put") and operation["operationId"] not in (
                "api.tasks.publish",
                "api.tasks.cancel",
                "api.signatures.countersign",
            ):
                assert "requestBody" in operation, f"{method.upper()} {path} has no request body"
            answers = [c for c in operation["responses"] if c.startswith("2")]
            assert answers, f"{method.upper()} {path} has no success answer"


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema, or the component its $ref names."""
    ref = schema.get("$ref", "")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


async def test_request_bodies_say_what_is_accepted(client) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    task = document["paths"]["/tasks"]["post"]["requestBody"]["content"]["application/json"]
    schema = _resolved(document, task["schema"])
    assert "bid_deadline" in schema["required"]
    assert schema["properties"]["title"]["maxLength"] == 300
    delivery = document["paths"]["/tasks/{id}/delivery"]["post"]["requestBody"]
    quality = _resolved(document, delivery["content"]["application/json"]["schema"])["properties"][
        "quality"
    ]
    assert (quality["minimum"], quality["maximum"]) == (1, 5)


async def test_the_api_page_lists_the_endpoints(client) -> None:
    page = await client.get("/api/docs?lang=en")
    assert page.status_code == 200
    assert "/ocds/releases" in page.text and "/tasks/{id}/award" in page.text


def test_an_answer_with_an_undeclared_field_fails() -> None:
    """The check the test suite runs on every API answer (CHECK_ANSWERS): a field the
    operation's answer model lacks, or a refusal not in the error shape, is an error."""
    import pytest

    from market.api import AnswerDrift, _check_answer

    scope = {"route": next(r for r in api_routes() if r.name == "api.tasks.follow")}
    start = {"status": 200, "headers": [(b"content-type", b"application/json")]}
    _check_answer(scope, start, b'{"task_id": 7, "following": true}')
    with pytest.raises(AnswerDrift, match="extra"):
        _check_answer(scope, start, b'{"task_id": 7, "following": true, "extra": 1}')
    refused = {"status": 404, "headers": [(b"content-type", b"application/json")]}
    _check_answer(scope, refused, b'{"error": "not_found", "message": "No.", "fields": {}}')
    with pytest.raises(AnswerDrift):
        _check_answer(scope, refused, b'{"error": "not_found", "detail": "No."}')


async def test_generated_answers_declare_every_field(client) -> None:
    """Answers described by models forbid undeclared fields in the document too."""
    from market.openapi import answer_model

    document = (await client.get("/api/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]
    models = {
        model.__name__
        for route in api_routes()
        for code in (200, 201)
        if (model := answer_model(route.name or "", code)) is not None
    }
    assert {"TaskDetailOut", "QuestionsOut", "Error"} <= models | {"Error"}
    for name, schema in schemas.items():
        if name in models or name == "Error":
            assert schema.get("additionalProperties") is False, name
