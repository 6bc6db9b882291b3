"""JSON API: /api/v1/ocds/releases, the OCDS 1.1 release package."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer
from market.opendata import services


async def ocds_releases(request: Request) -> Response:
    settings = request.app.state.settings
    package = await services.release_package(settings.base_url, settings.ocds_ocid_prefix)
    return answer(package)
