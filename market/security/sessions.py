"""Who is asking: server-side sessions for people, bearer tokens for integrations."""

from __future__ import annotations

import datetime as dt
import functools

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from market import clock
from market.accounts.models import ApiToken, Session, User
from market.security.csrf import _cookie
from market.security.secrets import digest, new_secret
from market.security.signing import Signed
from market.settings import Settings

COOKIE = "pm_session"
LAST_SEEN_GRANULARITY = dt.timedelta(seconds=60)


@functools.lru_cache(maxsize=8)
def _signed(secret_key: str) -> Signed:
    return Signed(secret_key, salt="session")


def _serializer(settings: Settings) -> Signed:
    return _signed(str(settings.secret_key))


async def start_session(
    settings: Settings, user: User, address: str, user_agent: str
) -> tuple[Session, str]:
    """Create a new session (a new id at every login) and return it with its cookie value."""
    key = new_secret()
    now = clock.now()
    session = await Session.create(
        key_hash=digest(key),
        user=user,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_absolute_hours),
        address=address[:64],
        user_agent=user_agent[:300],
    )
    return session, _serializer(settings).dumps(key)


async def end_session(session: Session) -> None:
    session.revoked_at = clock.now()
    await session.save(update_fields=["revoked_at"])


async def end_sessions_and_tokens(user_id: int) -> tuple[int, int]:
    """Revoke every live session and API token of a user: (sessions, tokens) ended."""
    now = clock.now()
    sessions = await Session.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now)
    tokens = await ApiToken.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now)
    return sessions, tokens


async def session_from_cookie(settings: Settings, raw: str | None) -> Session | None:
    if not raw:
        return None
    key = _serializer(settings).loads(raw)
    if key is None:
        return None
    session = await Session.get_or_none(key_hash=digest(key)).select_related("user")
    if session is None or session.revoked_at is not None:
        return None
    now = clock.now()
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    if now >= session.expires_at or now - session.last_seen_at > idle:
        return None
    if not session.user.is_active:
        return None
    if now - session.last_seen_at > LAST_SEEN_GRANULARITY:
        session.last_seen_at = now
        await session.save(update_fields=["last_seen_at"])
    return session


async def token_user(raw: str) -> tuple[User, ApiToken] | None:
    token = await ApiToken.get_or_none(token_hash=digest(raw.strip())).select_related("user")
    if token is None or token.revoked_at is not None or clock.now() >= token.expires_at:
        return None
    if not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_SEEN_GRANULARITY:
        token.last_used_at = now
        await token.save(update_fields=["last_used_at"])
    return token.user, token


def session_cookie(settings: Settings, value: str | None) -> str:
    if value is None:
        cookie = f"{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    else:
        max_age = settings.session_absolute_hours * 3600
        cookie = f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    if settings.secure_cookies:
        cookie += "; Secure"
    return cookie


class AuthMiddleware:
    """Puts `user`, `session`, `token` and `auth` into the request state."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state.update(user=None, session=None, token=None, auth=None, set_session=None)
        headers = Headers(scope=scope)
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            found = await token_user(authorization[7:])
            if found:
                state["user"], state["token"] = found
                state["auth"] = "token"
        else:
            session = await session_from_cookie(self.settings, _cookie(headers, COOKIE))
            if session is not None:
                state["user"], state["session"], state["auth"] = session.user, session, "session"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("set_session") is not None:
                value = state["set_session"]
                MutableHeaders(scope=message).append(
                    "set-cookie", session_cookie(self.settings, value or None)
                )
            await send(message)

        await self.app(scope, receive, send_wrapper)
