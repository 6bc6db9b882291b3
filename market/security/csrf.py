"""CSRF protection: a signed double-submit token in a hidden form field.

Every visitor gets a random token in an HttpOnly cookie; forms carry it in the hidden field
`csrf_token` (or a script in the `X-CSRF-Token` header). Every unsafe request is checked,
except API calls authenticated by a bearer token, which a browser never sends by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from market.errors import DomainError, PayloadTooLarge, PermissionDenied
from market.i18n import gettext as _
from market.security.secrets import new_secret, same
from market.security.signing import Signed

COOKIE = "pm_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Paths whose signed URL is the whole credential and whose POST a mail client sends without
# any cookie (RFC 8058 one-click unsubscribe): nothing ambient to forge.
EXEMPT_PREFIXES = ("/alerts/unsubscribe/",)
# A form with files is read up to this many times the upload limit (one file over the limit
# still comes back to its form with everything typed kept).
MULTIPART_FACTOR = 3


# How the app answers a DomainError (market.web.error_response: a page or JSON): handed in by
# the app, so this middleware needs no arrow up to the web layer.
ErrorResponder = Callable[[Request, DomainError], Response]


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        secure: bool,
        max_body: int,
        error_response: ErrorResponder,
    ) -> None:
        self.app = app
        self.error_response = error_response
        self.serializer = Signed(secret_key, salt="csrf")
        self.secure = secure
        self.max_body = max_body

    def _token_from_cookie(self, headers: Headers) -> str | None:
        raw = _cookie(headers, COOKIE)
        return self.serializer.loads(raw) if raw else None

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        exc: DomainError = PayloadTooLarge(message) if status == 413 else PermissionDenied(message)
        if status == 403:
            exc.code = "csrf_failed"
        response = self.error_response(Request(scope, receive), exc)
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        token = self._token_from_cookie(headers)
        fresh = token is None
        if fresh:
            token = new_secret(24)
        scope.setdefault("state", {})["csrf_token"] = token
        scope["state"]["csrf_rotate"] = False

        method = scope["method"]
        bearer = headers.get("authorization", "").lower().startswith("bearer ")
        # API calls without a session cookie carry no ambient credentials to forge.
        cookieless_api = scope["path"].startswith("/api/") and not _cookie(headers, "pm_session")
        exempt = scope["path"].startswith(EXEMPT_PREFIXES)
        if method not in SAFE_METHODS and not bearer and not cookieless_api and not exempt:
            # A form with files may carry one file over the limit: it is read, so the form can
            # come back with everything typed and a message naming the file.
            multipart = headers.get("content-type", "").startswith("multipart/form-data")
            limit = self.max_body * MULTIPART_FACTOR if multipart else self.max_body
            body, receive = await _buffer(receive, limit)
            if body is None:
                message = _(
                    "The files sent are too large: at most %(mb)s MB per file. Go back to the "
                    "form and choose a smaller file; what you typed is usually still there."
                ) % {"mb": f"{self.max_body / 1_000_000:g}"}
                await self._reject(scope, receive, send, 413, message)
                return
            submitted = headers.get(HEADER) or await _form_token(scope, body)
            if fresh or not submitted or not token or not same(submitted, token):
                await self._reject(
                    scope,
                    receive,
                    send,
                    403,
                    _(
                        "The form had expired or did not come from this site. "
                        "Reload the page and try again."
                    ),
                )
                return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {})
                current = state.get("csrf_token", token)
                h = MutableHeaders(scope=message)
                # Only pages set the cookie: concurrent first requests for assets would
                # otherwise each mint a token and overwrite the one in the page's forms.
                is_page = h.get("content-type", "").startswith("text/html")
                if (fresh and is_page and message["status"] != 404) or state.get("csrf_rotate"):
                    cookie = (
                        f"{COOKIE}={self.serializer.dumps(current)}; Path=/; HttpOnly; SameSite=Lax"
                    )
                    if self.secure:
                        cookie += "; Secure"
                    h.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _cookie(headers: Headers, name: str) -> str | None:
    for chunk in headers.get("cookie", "").split(";"):
        key, _, value = chunk.strip().partition("=")
        if key == name:
            return value
    return None


async def _buffer(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, receive
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _form_token(scope: Scope, body: bytes) -> str | None:
    content_type = Headers(scope=scope).get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        sent = False

        async def once() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(dict(scope), once).form()
        except Exception:  # noqa: BLE001 - any failure here is handled the same way
            return None
        value: Any = form.get(FIELD)
        await form.close()  # uploaded files are spooled to temporary files: release them
        return value if isinstance(value, str) else None
    return None
