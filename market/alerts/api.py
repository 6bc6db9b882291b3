"""GET and PUT /api/v1/me/alerts: the caller's alert preferences and private feed addresses."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.alerts import services
from market.api import answer, json_body
from market.web import client_address


async def my_alerts(request: Request) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    row = await services.ensure_preference(user)
    return answer(services.preference_json(row, await services.feed_links(settings, user)))


async def update_my_alerts(request: Request) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    body = await json_body(request)
    row = await services.update_preferences(user, body, address=client_address(request))
    return answer(services.preference_json(row, await services.feed_links(settings, user)))
