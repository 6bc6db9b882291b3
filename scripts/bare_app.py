"""A bare Starlette endpoint: the baseline the load script compares the task list with."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"items": [], "page": 1, "total": 0})


app = Starlette(routes=[Route("/", hello)])
