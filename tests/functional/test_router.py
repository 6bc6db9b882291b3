"""The router skips the routes that cannot match a path it has seen, and chooses as Starlette."""

from __future__ import annotations

import re

from starlette.routing import Match, Route

from market.router import Router
from market.routes import routes


def _chosen(candidates: list, scope: dict) -> object:
    partial = None
    for route in candidates:
        match, _child = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def test_every_route_is_chosen_as_starlette_chooses_it() -> None:
    router = Router(routes)
    paths = ["/", "/nowhere", "/tasks/", "/static/market.css"]
    paths += [re.sub(r"{[^}]+}", "1", r.path) for r in routes if isinstance(r, Route)]
    for path in paths:
        for method in ("GET", "POST", "DELETE"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            start = router._first_possible(scope)
            assert _chosen(router.routes[start:], scope) is _chosen(router.routes, scope), path


async def test_status_codes_of_the_router_are_as_before(client) -> None:
    assert (await client.get("/tasks")).status_code == 200
    assert (await client.get("/tasks")).status_code == 200  # the path seen before
    assert (await client.get("/no-such-page")).status_code == 404
    assert (await client.delete("/tasks")).status_code in (403, 405)
    assert (await client.get("/robots.txt")).status_code == 200
