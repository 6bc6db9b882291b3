"""The secretariat's audit log browser."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.audit import labels as labels  # registers the actions' readable names
from market.audit import services
from market.i18n import gettext as _
from market.web import page_param, render


async def audit_log(request: Request) -> Response:
    q = request.query_params
    filters = {
        "action": q.get("action", "")[:80],
        "object_type": q.get("object_type", "")[:40],
        "object_id": q.get("object_id", "")[:40],
        "actor": q.get("actor", "")[:254],
    }
    page = page_param(request)
    events, total = await services.search(**filters, page=page, per_page=50)
    return render(
        request,
        "audit/log.html",
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // 50)),
        filters=filters,
        object_type_label=labels.object_type_label,
        object_type_options=[("", _("All"))]
        + [(t, labels.object_type_label(t)) for t in await services.object_types()],
    )
