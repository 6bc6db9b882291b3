"""The public statistics page and the open data as CSV."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from market import clock
from market.assets import gzipped
from market.opendata import services
from market.web import render


async def statistics(request: Request) -> Response:
    return render(request, "opendata/statistics.html", stats=await services.statistics())


def _csv(request: Request, text: str, name: str) -> Response:
    filename = f"partner-market-{name}-{clock.today().isoformat()}.csv"
    response = Response(
        "\ufeff" + text,  # a byte order mark, so spreadsheets read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    return gzipped(request.headers, response)


def _download(
    name: str, build: Callable[[Request], Awaitable[str]]
) -> Callable[[Request], Awaitable[Response]]:
    async def view(request: Request) -> Response:
        return _csv(request, await build(request), name)

    view.__name__ = f"{name}_csv"
    return view


tasks_csv = _download("tasks", lambda r: services.tasks_csv(r.app.state.settings.ocds_ocid_prefix))
awards_csv = _download(
    "awards", lambda r: services.awards_csv(r.app.state.settings.ocds_ocid_prefix)
)
register_csv = _download("register", lambda r: services.register_csv())
