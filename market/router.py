"""Starlette's router, without trying again the routes that cannot match a path seen before.

Starlette tries every route in turn (`/tasks` is about the 36th of some 190: 36 µs of the
125 µs of CPU a copied list page costs). Whether an HTTP route or mount matches at all depends
only on the path (a method that does not fit is a partial match, not none), so the index of the
first route that matches a path at all is kept per path, and the routes before it are skipped;
from there on everything is as in Starlette (first full match, else the first partial, else a
slash redirect or 404), which `super().app` does when no route matches the path at all.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from starlette import routing
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Lifespan, Receive, Scope, Send

# Paths remembered (paths with ids are many): forgotten all at once when full.
MAX_PATHS = 10_000


class Router(routing.Router):
    def __init__(self, routes: Sequence[BaseRoute], lifespan: Lifespan[Any] | None = None) -> None:
        super().__init__(routes, lifespan=lifespan)
        self._first: dict[str, int] = {}
        self._known = len(self.routes)

    def _first_possible(self, scope: Scope) -> int:
        if self._known != len(self.routes):  # a route was added: start afresh
            self._first.clear()
            self._known = len(self.routes)
        path = get_route_path(scope)
        found = self._first.get(path)
        if found is None:
            found = len(self.routes)
            for index, route in enumerate(self.routes):
                if route.matches(scope)[0] is not Match.NONE:
                    found = index
                    break
            if len(self._first) >= MAX_PATHS:
                self._first.clear()
            self._first[path] = found
        return found

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        start = self._first_possible(scope)
        if start >= len(self.routes):  # no route at all: Starlette's redirect or 404
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        partial = None
        partial_scope: MutableMapping[str, Any] = {}
        for route in self.routes[start:]:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is None:  # cannot happen: the route at `start` matched at least partly
            await super().app(scope, receive, send)
            return
        scope["route"] = partial
        scope.update(partial_scope)
        await partial.handle(scope, receive, send)
