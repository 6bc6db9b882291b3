"""JSON API: the Code of Conduct in force, publishing, and the signature register."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, int_field, json_body, page_of, pagination, path_id, text_field
from market.conduct import services
from market.conduct.models import Decision
from market.errors import NotFound, ValidationFailed
from market.i18n import gettext as _
from market.web import client_address


async def current(request: Request) -> Response:
    version = await services.current_version()
    if version is None:
        raise NotFound(_("No Code of Conduct is in force yet."))
    data = services.version_json(version)
    return answer(
        {
            key: data[key]
            for key in (
                "version",
                "title",
                "text",
                "text_en",
                "sha256",
                "effective_from",
                "grace_days",
                "id",
            )
        }
    )


async def publish(request: Request) -> Response:
    body = await json_body(request)
    errors: dict[str, str] = {}
    raw_version = body.get("version")
    version = (
        str(raw_version)
        if isinstance(raw_version, (int, float)) and not isinstance(raw_version, bool)
        else text_field(body, "version", errors, max_length=20)
    )
    title = text_field(body, "title", errors, max_length=200)
    text = text_field(body, "text", errors, max_length=200_000)
    text_en = text_field(body, "text_en", errors, required=False, max_length=200_000)
    effective_from = services.parse_date(body.get("effective_from"))
    if effective_from is None:
        errors["effective_from"] = _("Give a date as YYYY-MM-DD.")
    grace_days = int_field(body, "grace_days", errors, minimum=0, maximum=365)
    if errors:
        label_errors = services.check_version_fields({"version": version.strip()})
        errors.setdefault("version", label_errors.get("version", ""))
        raise ValidationFailed(
            _("The version was not published."), {k: v for k, v in errors.items() if v}
        )
    row = await services.publish_version(
        version=version,
        title=title,
        text=text,
        text_en=text_en,
        effective_from=effective_from,
        grace_days=grace_days,
        actor=request.state.user,
        address=client_address(request),
    )
    return answer(services.version_json(row), 201)


async def signatures(request: Request) -> Response:
    page, per_page = pagination(request)
    rows, total = await services.register_page(
        status=request.query_params.get("status", "").strip(), page=page, per_page=per_page
    )
    return answer(page_of([services.register_item(r) for r in rows], page, total, per_page))


async def _decide(request: Request, decision: str) -> Response:
    reason = ""
    if decision != Decision.COUNTERSIGNED:
        body = await json_body(request)
        errors: dict[str, str] = {}
        reason = text_field(body, "reason", errors, max_length=2000)
        if errors:
            raise ValidationFailed(_("Give a reason."), errors)
    row = await services.decide_signature(
        path_id(request),
        decision,
        actor=request.state.user,
        reason=reason,
        address=client_address(request),
    )
    return answer(
        {
            "id": row.signature_id,
            "signature_id": row.signature_id,
            "status": row.decision,
            "decision": row.decision,
            "reason": row.reason,
        }
    )


async def countersign(request: Request) -> Response:
    await json_body(request, allow_empty=True)  # no body needed, but a bad one is refused
    return await _decide(request, Decision.COUNTERSIGNED)


async def reject(request: Request) -> Response:
    return await _decide(request, Decision.REJECTED)


async def revoke(request: Request) -> Response:
    return await _decide(request, Decision.REVOKED)
