"""A method a path does not answer gets 405 with an `Allow` header naming every method that
path does answer, also where two routes share the path (GET and POST /api/v1/tasks)."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from starlette.routing import Route

from market.routes import routes
from tests import factories

METHODS: dict[str, set[str]] = defaultdict(set)
for route in routes:
    if isinstance(route, Route):
        METHODS[route.path] |= route.methods or set()
PATHS = sorted(METHODS)


def _url(path: str) -> str:
    return re.sub(r"\{[a-z_]+(:[a-z]+)?\}", lambda m: "1" if m.group(1) == ":int" else "x", path)


@pytest.mark.parametrize("path", PATHS)
async def test_405_names_every_method_of_the_path(client, path: str) -> None:
    token = await factories.get_csrf(client)  # PATCH is unsafe: the CSRF check comes first
    answer = await client.request("PATCH", _url(path), headers={"X-CSRF-Token": token})
    assert answer.status_code == 405, f"{path}: {answer.status_code}"
    assert set(answer.headers["allow"].split(", ")) == METHODS[path], path
