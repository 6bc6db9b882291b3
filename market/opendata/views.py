"""The public statistics page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.opendata import services
from market.web import render


async def statistics(request: Request) -> Response:
    return render(request, "opendata/statistics.html", stats=await services.statistics())
