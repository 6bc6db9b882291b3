"""create_app(settings) -> Starlette: routes, middleware, lifespan and error handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.contrib.starlette import RegisterTortoise
from tortoise.exceptions import ValidationError as TortoiseValidationError

from market import jobs, offloop, urls
from market.api import AnswerCheckMiddleware
from market.db import tortoise_config
from market.errors import (
    CONTRACT,
    BadRequest,
    DomainError,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    ServerError,
    ValidationFailed,
)
from market.i18n import gettext as _
from market.logs import LogUserMiddleware, RequestLogMiddleware, route_name
from market.logs import current as current_log_fields
from market.mail import services as mail
from market.metrics import observe_request
from market.router import Router
from market.routes import routes
from market.security import passwords
from market.security.csrf import CSRFMiddleware
from market.security.headers import (
    LanguageMiddleware,
    SecurityHeadersMiddleware,
    apply_security_headers,
)
from market.security.sessions import AuthMiddleware
from market.settings import Settings
from market.web import UnstorableQueryMiddleware, error_response

log = logging.getLogger(__name__)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    mapped: DomainError
    if exc.status_code == 404:
        mapped = NotFound(_("Page not found."))
    elif exc.status_code == 405:
        mapped = MethodNotAllowed(_("This method is not allowed here."))
    elif exc.status_code == 403:
        mapped = PermissionDenied(exc.detail)
    else:
        # A status the contract names answers with its code (a 413 is payload_too_large);
        # another keeps its number under bad_request.
        generic = next((c for c, (s, _code) in CONTRACT.items() if s == exc.status_code), None)
        mapped = (generic or BadRequest)(exc.detail)
        mapped.status = exc.status_code
    response = error_response(request, mapped)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


def _allowed_methods(request: Request) -> str:
    """Every method the routes at this path answer: Starlette names only the first route's,
    and GET /api/v1/tasks and POST /api/v1/tasks are two routes."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.path_regex.match(request.scope["path"]):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


_TOO_LONG = re.compile(r"^(\w+): Length of .* (\d+) > (\d+)$", re.DOTALL)


async def _too_long_to_store(request: Request, exc: Exception) -> Response:
    """A value longer than its column, which a service let through, is the client's 422 with
    the field named, not a 500; any other model validation failure is still a server error."""
    found = _TOO_LONG.match(str(exc))
    if found is None:
        return await _server_error(request, exc)
    name, limit = found.group(1), int(found.group(3))
    error = ValidationFailed(
        _("A value is too long to be stored."),
        {name: _("Must be at most %(n)d characters.") % {"n": limit}},
    )
    return error_response(request, error)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up while sending its body: nothing was done, and nobody is listening.
    return Response(status_code=400)


async def _server_error(request: Request, exc: Exception) -> Response:
    # The route's name, not the path: some paths carry one-time secrets.
    log.exception(
        "unhandled error on %s %s", request.method, route_name(request.scope), exc_info=exc
    )
    error = ServerError(_("Something went wrong on our side. It has been logged; try again."))
    response = error_response(request, error)
    # Starlette answers unhandled errors outside every middleware: add the headers here.
    private = getattr(request.state, "user", None) is not None
    secure = request.app.state.settings.secure_cookies
    apply_security_headers(response.headers, secure=secure, private=private)
    request_id = current_log_fields().get("request_id")
    if request_id:
        response.headers["x-request-id"] = request_id
    return response


def create_app(
    settings: Settings | None = None, *, run_periodic: bool = True, manage_orm: bool = True
) -> Starlette:
    """Build the app. Tests pass manage_orm=False: they own the ORM and the job runner."""
    settings = settings or Settings.from_env()
    passwords.configure(settings.argon2_profile)
    mail.configure(settings.base_url)
    urls.configure(routes)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not manage_orm:
            yield
            return
        runner = jobs.build_runner(settings, offload=offloop)
        jobs.install(runner)
        periodic: asyncio.Task[None] | None = None
        async with RegisterTortoise(app, config=tortoise_config(settings)):
            if isinstance(runner, jobs.InlineRunner) and run_periodic:
                periodic = asyncio.create_task(jobs.run_periodic_inline(runner))
            try:
                yield
            finally:
                if periodic is not None:
                    periodic.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await periodic
                await runner.close()

    middleware = [
        Middleware(RequestLogMiddleware, observers=[observe_request]),
        Middleware(SecurityHeadersMiddleware, secure=settings.secure_cookies),
        Middleware(AuthMiddleware, settings=settings),
        Middleware(LogUserMiddleware),
        Middleware(LanguageMiddleware),
        Middleware(
            CSRFMiddleware,
            secret_key=str(settings.secret_key),
            secure=settings.secure_cookies,
            max_body=settings.max_upload_bytes,
            error_response=error_response,
        ),
        Middleware(UnstorableQueryMiddleware),
    ]
    if settings.check_answers:
        middleware.append(Middleware(AnswerCheckMiddleware))
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            DomainError: _domain_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            TortoiseValidationError: _too_long_to_store,
            Exception: _server_error,
        },
    )
    app.router = Router(routes, lifespan=lifespan)  # Starlette's, skipping what cannot match
    app.state.settings = settings
    return app
