"""Addresses from route names: a path is written once, in market/routes.py.

Templates call `url("tasks.detail", id=task.id)`, views `redirect(request, url(...))`, mail
`absolute(url(...))`. The table is handed over at start-up (`configure(routes)`) by each
process that renders pages or mail, so this module imports nothing of the app: the web, mail
and templating layers below the routes can use it without an arrow pointing up.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from starlette.convertors import Convertor
from starlette.routing import BaseRoute, Mount, NoMatchFound, Route

# Route name -> (path with {param} holes, the params' convertors): one dict lookup per link,
# where Starlette's Router.url_path_for walks every route and raises an exception per miss.
_named: dict[str, tuple[str, dict[str, Convertor[object]]]] = {}


def configure(routes: Iterable[BaseRoute]) -> None:
    """Take the app's route list (the web app, the worker and the ranking process call this)."""
    _named.clear()
    for route in routes:
        if isinstance(route, Route | Mount) and route.name:
            _named[route.name] = (route.path_format, dict(route.param_convertors))


def names() -> frozenset[str]:
    """Every route name known (empty before configure)."""
    return frozenset(_named)


def url(name: str, /, _anchor: str = "", **params: object) -> str:
    """The path of route `name` (relative to the host). Parameters the route's path takes fill
    it; the others form the query string, in the order given, leaving out None (a list
    value repeats its key). `_anchor` adds a #fragment."""
    found = _named.get(name)
    if found is None:
        if not _named:
            raise LookupError(f"no route {name!r}: urls.configure(routes) was not called")
        raise NoMatchFound(name, params)
    path, convertors = found
    filled = 0
    query: list[tuple[str, object]] = []
    for key, value in params.items():
        convertor = convertors.get(key)
        if convertor is not None:
            path = path.replace("{" + key + "}", convertor.to_string(value))
            filled += 1
        elif isinstance(value, list | tuple):
            query.extend((key, item) for item in value)
        elif value is not None:
            query.append((key, value))
    if filled != len(convertors):
        raise NoMatchFound(name, params)
    if query:
        path += "?" + urlencode(query, safe="/")  # a path in `next=` stays readable
    return f"{path}#{_anchor}" if _anchor else path
