"""JSON API: the Code of Conduct in force, publishing, and the signature register."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, json_body, page_of, pagination, path_id
from market.conduct import services
from market.conduct.models import Decision
from market.conduct.schemas import (
    ConductOut,
    DecisionOut,
    DecisionReason,
    RegisterPage,
    VersionOut,
    VersionPublish,
)
from market.conduct.states import REGISTER_STATUSES
from market.errors import NotFound
from market.i18n import gettext as _
from market.openapi import PAGINATION, operation
from market.schemas import NoFields, parse
from market.web import client_address

DECISIONS = (401, 403, 404, 409)


@operation(
    "api.conduct.current",
    "The Code of Conduct in force",
    answers={200: ConductOut},
    errors=(404,),
    tag="conduct",
)
async def current(request: Request) -> Response:
    version = await services.current_version()
    if version is None:
        raise NotFound(_("No Code of Conduct is in force yet."))
    data = services.version_json(version)
    return answer({key: data[key] for key in ConductOut.model_fields})


@operation(
    "api.conduct.publish",
    "Publish a Code of Conduct version",
    request=VersionPublish,
    answers={201: VersionOut},
    errors=(401, 403, 409),
    tag="conduct",
)
async def publish(request: Request) -> Response:
    data = parse(VersionPublish, await json_body(request))
    row = await services.publish_version(
        data, actor=request.state.user, address=client_address(request)
    )
    return answer(services.version_json(row), 201)


@operation(
    "api.signatures.list",
    "The signature register",
    answers={200: RegisterPage},
    query={**PAGINATION, "status": {"type": "string", "enum": list(REGISTER_STATUSES)}},
    errors=(401, 403),
    tag="conduct",
)
async def signatures(request: Request) -> Response:
    page, per_page = pagination(request)
    rows, total = await services.register_page(
        status=request.query_params.get("status", "").strip(), page=page, per_page=per_page
    )
    return answer(page_of([services.register_item(r) for r in rows], page, total, per_page))


async def _decide(request: Request, decision: str, reason: str = "") -> Response:
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


@operation(
    "api.signatures.countersign",
    "Countersign a signature",
    request=NoFields,
    answers={200: DecisionOut},
    errors=DECISIONS,
    empty_body_ok=True,
    tag="conduct",
)
async def countersign(request: Request) -> Response:
    await json_body(request, allow_empty=True)  # no body needed, but a bad one is refused
    return await _decide(request, Decision.COUNTERSIGNED)


@operation(
    "api.signatures.reject",
    "Reject a signature",
    request=DecisionReason,
    answers={200: DecisionOut},
    errors=DECISIONS,
    tag="conduct",
)
async def reject(request: Request) -> Response:
    data = parse(DecisionReason, await json_body(request))
    return await _decide(request, Decision.REJECTED, data.reason)


@operation(
    "api.signatures.revoke",
    "Revoke a signature",
    request=DecisionReason,
    answers={200: DecisionOut},
    errors=DECISIONS,
    tag="conduct",
)
async def revoke(request: Request) -> Response:
    data = parse(DecisionReason, await json_body(request))
    return await _decide(request, Decision.REVOKED, data.reason)
