"""A bare Starlette app: the baseline the load scripts compare the app with.

With BARE_ANSWERS (a JSON file written by scripts/throughput.py) it answers each captured
path with exactly the bytes, status and content type the app gave, read once at start;
without it, `/` answers an empty task list.
"""

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"items": [], "page": 1, "total": 0})


def _captured(path: str, answer: dict) -> Route:
    body = Path(answer["file"]).read_bytes()
    status, media_type = int(answer["status"]), str(answer["type"])

    async def endpoint(request: Request) -> Response:
        return Response(body, status_code=status, media_type=media_type)

    return Route(path, endpoint)


def _routes() -> list[Route]:
    routes = [Route("/", hello)]
    answers = os.environ.get("BARE_ANSWERS")
    if answers:
        captured = json.loads(Path(answers).read_text())
        routes += [_captured(path, answer) for path, answer in captured.items()]
    return routes


app = Starlette(routes=_routes())
