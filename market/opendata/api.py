"""JSON API: the OCDS 1.1 release package and record package, paginated."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.api import answer, pagination
from market.assets import gzipped
from market.errors import NotFound
from market.i18n import gettext as _
from market.openapi import PAGINATION, operation
from market.opendata import ocds
from market.opendata.schemas import OCDS_NOTE, RecordPackage, ReleasePackage


def _answer(request: Request, page: ocds.Page) -> Response:
    if page.page > page.pages:
        raise NotFound(_("There is no such page."))
    response = answer(page.package)
    links = page.package.get("links", {})
    # The same links as HTTP Link headers, for clients that page by header.
    response.headers["link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    if not links:
        del response.headers["link"]
    return gzipped(request.headers, response)


def _page(request: Request) -> int:
    """The page asked for, held to the declared query (422 for page=0 or an unknown name)."""
    page, _per_page = pagination(request)
    return page


@operation(
    "api.ocds.releases",
    "OCDS 1.1 release package of published and awarded tasks",
    description=OCDS_NOTE,
    answers={200: ReleasePackage},
    errors=(404,),
    query={"page": PAGINATION["page"]},
    tag="open data",
)
async def ocds_releases(request: Request) -> Response:
    settings = request.app.state.settings
    return _answer(request, await ocds.release_package(settings, _page(request)))


@operation(
    "api.ocds.records",
    "OCDS 1.1 record package: every release of each task and its compiled release",
    description=OCDS_NOTE,
    answers={200: RecordPackage},
    errors=(404,),
    query={"page": PAGINATION["page"], "ocid": {"type": "string"}},
    tag="open data",
)
async def ocds_records(request: Request) -> Response:
    settings = request.app.state.settings
    ocid = request.query_params.get("ocid") or None
    page = await ocds.record_package(settings, _page(request), ocid)
    if ocid and not page.package["records"]:
        raise NotFound(_("There is no contracting process with this ocid."))
    return _answer(request, page)
