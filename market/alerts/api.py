"""GET and PUT /api/v1/me/alerts: the caller's alert preferences and private feed addresses."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.alerts import services
from market.alerts.schemas import PreferencesOut, PreferencesUpdate
from market.api import answer, json_body
from market.openapi import operation
from market.schemas import parse
from market.web import client_address


@operation(
    "api.me.alerts",
    "The caller's alert preferences and private feed addresses (the public Atom feed of "
    "open tasks is /feeds/tasks.atom, outside /api/v1)",
    answers={200: PreferencesOut},
    tag="alerts",
)
async def my_alerts(request: Request) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    row = await services.ensure_preference(user)
    return answer(services.preference_json(row, await services.feed_links(settings, user)))


@operation(
    "api.me.alerts_update",
    "Change the caller's alert preferences; fields left out keep their value",
    request=PreferencesUpdate,
    answers={200: PreferencesOut},
    tag="alerts",
)
async def update_my_alerts(request: Request) -> Response:
    user = request.state.user
    settings = request.app.state.settings
    data = parse(PreferencesUpdate, await json_body(request))
    row = await services.update_preferences(user, data, address=client_address(request))
    return answer(services.preference_json(row, await services.feed_links(settings, user)))
