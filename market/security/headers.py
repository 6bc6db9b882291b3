"""Security headers on every response, and the language of the request."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from market.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language
from market.security.csrf import _cookie

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)
LANG_COOKIE = "pm_lang"


def apply_security_headers(h: MutableHeaders, *, secure: bool, private: bool) -> None:
    """The headers every answer carries (500s included: their handler calls this too).

    `private`: the answer is for a signed-in user (a bid, a receipt, an evaluation, an account
    page, the bid API): no cache, shared or the browser's own, keeps a copy."""
    h.setdefault("content-security-policy", CSP)
    h.setdefault("x-content-type-options", "nosniff")
    h.setdefault("referrer-policy", "same-origin")
    h.setdefault("x-frame-options", "DENY")
    h.setdefault("permissions-policy", "camera=(), microphone=(), geolocation=()")
    if secure:
        h.setdefault("strict-transport-security", "max-age=31536000")
    if private:
        h.setdefault("cache-control", "no-store")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                private = scope.get("state", {}).get("user") is not None
                apply_security_headers(
                    MutableHeaders(scope=message), secure=self.secure, private=private
                )
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _accepted(header: str) -> str:
    """The first of our languages an Accept-Language header asks for, by its q order."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else ""


class LanguageMiddleware:
    """`?lang=en` switches and is remembered in a cookie; otherwise the user's or Danish."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        chosen = (query.get("lang") or [""])[0]
        headers = Headers(scope=scope)
        remembered = _cookie(headers, LANG_COOKIE)
        state = scope.setdefault("state", {})
        user = state.get("user")
        wanted = _accepted(headers.get("accept-language", ""))
        if chosen in LANGUAGES:
            language = chosen
        elif wanted and scope.get("path", "").startswith("/api/"):
            language = wanted  # API clients say what they read in Accept-Language
        elif remembered in LANGUAGES:
            language = remembered
        elif user is not None and user.language in LANGUAGES:
            language = user.language
        else:
            language = DEFAULT_LANGUAGE
        state["language"] = language
        set_language(language)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and chosen in LANGUAGES:
                MutableHeaders(scope=message).append(
                    "set-cookie",
                    f"{LANG_COOKIE}={chosen}; Path=/; Max-Age=31536000; SameSite=Lax",
                )
            await send(message)

        await self.app(scope, receive, send_wrapper)
