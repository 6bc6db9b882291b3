"""Shared pieces of the JSON API (/api/v1): bodies, pagination, answers."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from market.db import is_id
from market.errors import BadRequest, PayloadTooLarge, ValidationFailed
from market.i18n import gettext as _
from market.openapi import OPS, answer_model
from market.parsing import JSONProblem, check_json, whole_number
from market.schemas import Error

MAX_JSON_DEPTH = 32
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000  # far past any last page; a larger offset overflows the database driver
GLOBAL_QUERY = {"lang"}  # read by the language middleware on every page and answer


async def json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """Parse a JSON object body, with a clear 400/413 for anything else."""
    limit = request.app.state.settings.max_body_bytes
    length = request.headers.get("content-length")
    declared = whole_number(length) if length else None
    if declared is not None and declared > limit:
        raise PayloadTooLarge(_("The request body is too large."))
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(_("The request body is too large."))
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        if allow_empty:
            return {}
        raise BadRequest(_("Send a JSON object as the request body."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(_("The request body is not valid UTF-8.")) from exc
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise BadRequest(_("The JSON document is nested too deeply.")) from exc
    except ValueError as exc:
        raise BadRequest(_("The request body is not valid JSON.")) from exc
    try:
        # Only the depth: text that cannot be stored is refused by parse(), in the fields the
        # model reads (what it ignores may hold anything).
        check_json(value, MAX_JSON_DEPTH, text=False)
    except JSONProblem as problem:
        raise BadRequest(_("The JSON document is nested too deeply.")) from problem
    if not isinstance(value, dict):
        raise BadRequest(_("Send a JSON object as the request body."))
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def check_query(request: Request) -> None:
    """Hold the query string to the route's OpenAPI declaration: 422 naming each parameter
    that is unknown, not one of its values, too long or not a whole number in range."""
    op = OPS.get(getattr(request.scope.get("route"), "name", None) or "")
    declared = op.query if op else {}
    errors: dict[str, str] = {
        name: _("Unknown parameter.")
        for name in request.query_params
        if name not in declared and name not in GLOBAL_QUERY
    }
    for name, schema in declared.items():
        raw = request.query_params.get(name)
        if raw is None or name in ("page", "per_page"):  # pagination() words its own answers
            continue
        if "enum" in schema and raw not in schema["enum"]:
            errors[name] = _("Must be one of: %(values)s.") % {"values": ", ".join(schema["enum"])}
        elif len(raw) > schema.get("maxLength", len(raw)):
            errors[name] = _("Must be at most %(n)d characters.") % {"n": schema["maxLength"]}
        elif schema.get("type") == "integer" and whole_number(raw) is None:
            errors[name] = _("Must be a whole number.")
    if errors:
        raise ValidationFailed(_("Invalid filter."), errors)


def pagination(request: Request) -> tuple[int, int]:
    check_query(request)
    errors = {}
    values = {}
    for name, default in (("page", 1), ("per_page", 50)):
        raw = request.query_params.get(name)
        if raw is None:
            values[name] = default
            continue
        number = whole_number(raw)
        if number is None:
            errors[name] = _("Must be a whole number.")
            continue
        if number < 1 or (name == "per_page" and number > MAX_PER_PAGE):
            errors[name] = (
                _("Must be between 1 and 200.") if name == "per_page" else _("Must be 1 or more.")
            )
            continue
        if number > MAX_PAGE:
            errors[name] = _("There is no such page.")
            continue
        values[name] = number
    if errors:
        raise ValidationFailed(_("Invalid pagination."), errors)
    return values["page"], values["per_page"]


def query_id(request: Request, name: str) -> int | None:
    """An optional id filter from the query string (None when absent); 422 for anything but
    a number, or a number no row can have (rather than an overflow inside the driver)."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        raise ValidationFailed(_("Invalid filter."), {name: _("Must be a whole number.")})
    if not is_id(number):
        raise ValidationFailed(_("Invalid filter."), {name: _("There is no such id.")})
    return number


def page_of(items: Sequence[Any], page: int, total: int, per_page: int) -> dict[str, Any]:
    return {"items": list(items), "page": page, "per_page": per_page, "total": total}


def answer(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status_code)


def path_id(request: Request, name: str = "id") -> int:
    """Path ids are declared {id:int}; this keeps mypy honest."""
    return int(request.path_params[name])


class AnswerDrift(AssertionError):
    """An API answer holds a field its response model does not declare (or lacks one)."""


class AnswerCheckMiddleware:
    """With `settings.check_answers` (the test suite turns it on): every JSON answer of an API
    route is validated against the model its operation declares for that status code, so a
    new undeclared field fails the test that produced it instead of drifting from the
    OpenAPI document; a refusal is validated against the Error model. Compressed answers
    (the OCDS packages) are read decompressed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1/"):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def check(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            _check_answer(scope, start, bytes(body))
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})

        await self.app(scope, receive, check)


def _check_answer(scope: Scope, start: Message, body: bytes) -> None:
    name = getattr(scope.get("route"), "name", None) or ""
    status = start.get("status", 0)
    json_answer = any(
        key.lower() == b"content-type" and value.startswith(b"application/json")
        for key, value in start.get("headers", [])
    )
    model = Error if status >= 400 and json_answer else answer_model(name, status)
    if model is None:
        return
    if any(
        key.lower() == b"content-encoding" and value == b"gzip"
        for key, value in start.get("headers", [])
    ):
        body = gzip.decompress(body)  # the open-data packages are sent compressed
    try:
        model.model_validate_json(body)
    except ValidationError as exc:
        raise AnswerDrift(
            f"{name} answered {start['status']} with what {model.__name__} does not declare: {exc}"
        ) from None
