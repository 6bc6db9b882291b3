"""Addresses from route names: a path is written once, in market/routes.py.

Templates call `url("tasks.detail", id=task.id)`, views `redirect(request, url(...))`, mail
`absolute(url(...))`. The table is handed over at start-up (`configure(routes)`) by each
process that renders pages or mail, so this module imports nothing of the app: the web, mail
and templating layers below the routes can use it without an arrow pointing up.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from starlette.routing import BaseRoute, Mount, NoMatchFound, Route

# Route name -> route, for a lookup per link instead of a walk over every route (and an
# exception per miss) as Starlette's Router.url_path_for does.
_named: dict[str, Route | Mount] = {}


def configure(routes: Iterable[BaseRoute]) -> None:
    """Take the app's route list (the web app, the worker and the ranking process call this)."""
    _named.clear()
    for route in routes:
        if isinstance(route, Route | Mount) and route.name:
            _named[route.name] = route


def names() -> frozenset[str]:
    """Every route name known (empty before configure)."""
    return frozenset(_named)


def url(name: str, /, _anchor: str = "", **params: object) -> str:
    """The path of route `name` (relative to the host). Parameters the route's path takes fill
    it; the others form the query string, in the order given, leaving out None (a list
    value repeats its key). `_anchor` adds a #fragment."""
    route = _named.get(name)
    if route is None:
        if not _named:
            raise LookupError(f"no route {name!r}: urls.configure(routes) was not called")
        raise NoMatchFound(name, params)
    path_names = route.param_convertors.keys()
    path_params = {key: value for key, value in params.items() if key in path_names}
    query = [
        (key, item)
        for key, value in params.items()
        if key not in path_names and value is not None
        for item in (value if isinstance(value, list | tuple) else [value])
    ]
    path = str(route.url_path_for(name, **path_params))
    if query:
        path += "?" + urlencode(query, safe="/")  # a path in `next=` stays readable
    return f"{path}#{_anchor}" if _anchor else path
