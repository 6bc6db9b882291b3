"""GET /api/v1/competencies and PUT /api/v1/vendors/{id}/profile."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.api import answer, json_body, page_of, pagination, path_id
from market.competencies import services
from market.competencies.models import KINDS
from market.competencies.schemas import ProfileOut, ProfileUpdate, TaxonomyPage
from market.openapi import PAGINATION, operation
from market.schemas import NO_NUL, parse
from market.vendors.models import Vendor
from market.web import client_address


@operation(
    "api.competencies.list",
    "Search the competency taxonomy",
    answers={200: TaxonomyPage},
    query={
        **PAGINATION,
        "q": {"type": "string", "maxLength": 300, "pattern": NO_NUL},
        "kind": {"type": "string", "enum": list(KINDS)},
    },
    tag="competencies",
)
async def competencies(request: Request) -> Response:
    page, per_page = pagination(request)
    rows, total = await services.search_taxonomy(
        request.query_params.get("q", ""),
        request.query_params.get("kind", ""),
        page=page,
        per_page=per_page,
    )
    paths = await services.taxonomy_paths(rows)
    items = [services.competency_json(c, paths.get(c.code, [])) for c in rows]
    return answer(page_of(items, page, total, per_page))


async def profile_json(vendor: Vendor) -> dict[str, Any]:
    held = await services.vendor_competencies(vendor.id)
    references = await services.vendor_references(vendor.id)
    done = services.completeness(vendor, held, references)
    return {
        "id": vendor.id,
        "name": vendor.name,
        "profile_text": vendor.profile_text_da,
        "profile_text_en": vendor.profile_text_en,
        "hourly_rate_dkk": vendor.hourly_rate_dkk,
        "capacity_hours_per_month": vendor.capacity_hours_per_month,
        "capacity_from": vendor.capacity_from.isoformat() if vendor.capacity_from else None,
        "team_size": vendor.team_size,
        "working_languages": list(vendor.working_languages or []),
        "competencies": [{"code": c.code, "level": c.level} for c in held],
        "references": [
            {
                "title": r.title,
                "customer": r.customer,
                "year": r.year,
                "description": r.description,
                "codes": list(r.codes),
            }
            for r in references
        ],
        "profile_updated_at": (
            clock.to_local(vendor.profile_updated_at).isoformat()
            if vendor.profile_updated_at
            else None
        ),
        "completeness": {"percent": done.percent, "missing": done.missing},
    }


@operation(
    "api.vendors.profile",
    "Replace the vendor's competency profile",
    request=ProfileUpdate,
    answers={200: ProfileOut},
    errors=(401, 403, 404),
    tag="competencies",
)
async def update_profile(request: Request) -> Response:
    vendor_id = path_id(request)
    user = request.state.user
    await services.vendor_for_edit(vendor_id, user)  # 404/403 before looking at the body
    data = parse(ProfileUpdate, await json_body(request))
    vendor = await services.update_profile(
        vendor_id, data, actor=user, address=client_address(request)
    )
    return answer(await profile_json(vendor))
