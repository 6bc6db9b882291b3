"""Public pages the law asks of a Danish public-sector site: the accessibility statement, the
cookie notice, security.txt (RFC 9116) and robots.txt.

The long texts are templates, one per language (templates/legal/*.da.html, *.en.html), so
the secretariat edits them as files rather than as hundreds of catalogue entries.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from market import clock
from market.i18n import get_language
from market.security.csrf import COOKIE as CSRF_COOKIE
from market.security.headers import LANG_COOKIE
from market.security.sessions import COOKIE as SESSION_COOKIE
from market.web import FLASH_COOKIE, render

# The statement's dates: when it was prepared and last reviewed (update on each review).
STATEMENT_PREPARED = dt.date(2026, 11, 29)
STATEMENT_REVIEWED = dt.date(2026, 11, 29)
# security.txt must expire within a year; it is renewed on every deploy of a new version.
SECURITY_TXT_DAYS = 180
# Crawlers may read the public pages; sign-in, accounts, the secretariat's desks and
# per-user feeds are not for search engines.
ROBOTS_DISALLOW = (
    "/account",
    "/secretariat/",
    "/login",
    "/password/",
    "/dev/",
    "/my-bids",
    "/opportunities",
    "/bids/",
    "/alerts/",
)


def _localised(name: str) -> str:
    return f"legal/{name}.{'da' if get_language() == 'da' else 'en'}.html"


async def accessibility(request: Request) -> Response:
    return render(
        request,
        _localised("accessibility"),
        prepared=STATEMENT_PREPARED,
        reviewed=STATEMENT_REVIEWED,
        contact=request.app.state.settings.contact_email,
    )


async def cookies(request: Request) -> Response:
    settings = request.app.state.settings
    names = {
        "session": SESSION_COOKIE,
        "csrf": CSRF_COOKIE,
        "language": LANG_COOKIE,
        "flash": FLASH_COOKIE,
    }
    return render(
        request,
        _localised("cookies"),
        names=names,
        session_hours=settings.session_absolute_hours,
        contact=settings.contact_email,
    )


async def security_txt(request: Request) -> Response:
    settings = request.app.state.settings
    expires = (clock.now() + dt.timedelta(days=SECURITY_TXT_DAYS)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    lines = [
        f"Contact: {settings.security_contact}",
        f"Expires: {expires.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: da, en",
        f"Canonical: {settings.base_url}/.well-known/security.txt",
        f"Policy: {settings.base_url}/tilgaengelighed",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", headers={"Cache-Control": "max-age=86400"})


async def robots_txt(request: Request) -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    return PlainTextResponse("\n".join(lines), headers={"Cache-Control": "max-age=86400"})
