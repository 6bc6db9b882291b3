"""Helpers that every view uses: templates, flash messages, redirects, forms and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from market import clock
from market.api import MAX_PAGE
from market.db import is_id
from market.errors import BadRequest, DomainError
from market.i18n import LazyString, get_language
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.logs import current as current_log_fields
from market.navigation import menu_for
from market.parsing import storable, whole_number
from market.templating import csrf_token, templates
from market.urls import url

FLASH_COOKIE = "pm_flash"


def _flash_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(str(request.app.state.settings.secret_key), salt="flash")


def flash(request: Request, message: str | LazyString, kind: str = "success") -> None:
    """Queue a message for the next page (kept in a signed cookie until shown)."""
    pending = request.state.__dict__.setdefault("_flash_out", [])
    pending.append({"kind": kind, "text": str(message)})


def _read_flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        value = _flash_serializer(request).loads(raw)
    except BadSignature:
        return []
    return value if isinstance(value, list) else []


def _finish(request: Request, response: Response, consumed: bool) -> Response:
    pending = request.state.__dict__.get("_flash_out")
    if pending:
        response.set_cookie(
            FLASH_COOKIE,
            _flash_serializer(request).dumps(pending),
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    elif consumed:
        response.delete_cookie(FLASH_COOKIE)
    return response


def context(request: Request, **values: Any) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "session", None)
    active_role = session.active_role if session is not None else ""
    base = {
        "menu": menu_for(user, active_role),
        "active_role": active_role,
        "request": request,
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "language": get_language(),
        "settings": request.app.state.settings,
        "now": clock.now(),
        "request_id": current_log_fields().get("request_id", ""),  # named on error pages
        "message": "",  # a form page's error summary above its errors, when it has one
    }
    base.update(values)
    return base


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    flashes = _read_flashes(request)
    csrf_token.set(getattr(request.state, "csrf_token", ""))
    html = templates.get_template(template).render(context(request, flashes=flashes, **values))
    response = HTMLResponse(html, status_code=status_code)
    return _finish(request, response, consumed=bool(flashes))  # type: ignore[return-value]


def redirect(request: Request, url: str) -> Response:
    """303 after a POST, carrying any flash message to the next page."""
    return _finish(request, RedirectResponse(url, status_code=303), consumed=False)


def safe_next(target: str | None, default: str = "") -> str:
    """Only follow local redirect targets (else `default`, else the home page)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default or url("home")
    return target


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_payload(exc: DomainError) -> dict[str, Any]:
    # Every error names its fields, empty when no single field is at fault (the contract's
    # shape is the same for every status).
    return {"error": exc.code, "message": exc.message, "fields": dict(exc.fields or {})}


def error_response(request: Request, exc: DomainError) -> Response:
    if wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_payload(exc), status_code=exc.status, headers=headers)
    if exc.status == 401:
        return RedirectResponse(url("accounts.login", next=request.url.path), status_code=303)
    template = f"errors/{exc.status}.html" if exc.status in (403, 404, 429) else "errors/error.html"
    try:
        return render(request, template, status_code=exc.status, error=exc)
    except Exception:  # noqa: BLE001 - any failure here is handled the same way
        return HTMLResponse(f"<h1>{exc.status}</h1><p>{Markup.escape(exc.message)}</p>", exc.status)


# Never sent back to the browser when a form is shown again.
SECRET_FIELDS = frozenset({"password", "password_repeat", "current_password", "csrf_token"})

# A form page: a template's name, or an async function that renders the page itself and takes
# `status_code`, `errors`, `message` and `values` as keywords (pages that load more context).
FormPage = str | Callable[..., Awaitable[Response]]


def kept_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The submitted values to fill a form in again: all of them but passwords and the token."""
    return {
        k: v for k, v in (values or {}).items() if k not in SECRET_FIELDS and "password" not in k
    }


async def form_failure(
    request: Request,
    page: FormPage,
    exc: DomainError,
    values: Mapping[str, Any] | None = None,
    *,
    field: str | None = None,
    **context: Any,
) -> Response:
    """The one answer of a form view to a DomainError from its POST: the same form again, with
    the exception's status (400, 409, 413, 422, 429; see market.errors), its message as the
    summary above the form, each of its field errors beside its field, and every submitted
    value kept except passwords.

    An error that is not about the form (not signed in, not allowed, not found: `on_form` is
    False) is raised again, so the error page answers as it does for a GET. `field` names the
    field an error without fields belongs to; `context` is the page's own (and may replace
    `errors` or `message` for a page whose form names them differently).
    """
    if not exc.on_form:
        raise exc
    errors = dict(exc.fields) or ({field: exc.message} if field else {})
    shown = {"errors": errors, "message": exc.message}
    if values is not None:  # None: the page fills its form itself (or names it differently)
        shown["values"] = kept_values(values)
    shown.update(context)
    if isinstance(page, str):
        return render(request, page, status_code=exc.status, **shown)
    return await page(request, status_code=exc.status, **shown)


def flash_failure(request: Request, exc: DomainError, target: str) -> Response:
    """The answer to a DomainError from a POST that has no form of its own to show again (a
    button, or a short form on a list page): the message and each field's error flashed on
    `target`, then a redirect there. Views that answer this way, and why:

    - bids.bid_withdraw: a button after a confirmation page; back to the bid.
    - conduct countersign/reject: a button and a reason on the signature list.
    - conduct suspend/reinstate/remind: a button and a reason on the vendor list, after a
      confirmation page.
    - contributions.confirm: a button on the list of identities waiting for confirmation.
    - tasks.question_answer: one answer box per question on the task page, which holds
      many forms; the message is shown at the top of it.

    An error that is not about the form is raised again, as in form_failure.
    """
    if not exc.on_form:
        raise exc
    flash(request, exc.message or _("Nothing was changed."), "error")
    for text in exc.fields.values():
        if text != exc.message:
            flash(request, text, "error")
    return redirect(request, target)


UNSTORABLE_FORM = _l(
    "The form contains a character that is not allowed (a NUL character or a lone "
    "surrogate). Remove it and send the form again."
)


async def read_form(request: Request) -> FormData:
    """The posted form, refused with a 400 when any name, value or file name holds text the
    database cannot store. Every view reads its form through here (or form_data)."""
    form = await request.form()
    for key, value in form.multi_items():
        text = value if isinstance(value, str) else (value.filename or "")
        if not storable(key) or not storable(text):
            raise BadRequest(UNSTORABLE_FORM)
    return form


async def form_data(request: Request) -> dict[str, str]:
    """The posted form as plain strings (the last value of each field; files are left out)."""
    form = await read_form(request)
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != "csrf_token":
            values[key] = value
    return values


# --- confirming what cannot be undone --------------------------------------------------------

CONFIRMED = "confirmed"


async def confirm_first(
    request: Request,
    *,
    title: str,
    consequences: Sequence[str],
    button: str,
    back: str,
    shown: Sequence[tuple[str, str]] = (),
    preview: Markup | None = None,
    undo: str = "",
) -> Response | None:
    """An irreversible action asks first, on a page of its own (no JavaScript needed): the
    posted form comes back with `confirmed=yes`, its fields kept. None once confirmed.
    `undo` says how to undo an action that can be undone (else: "This cannot be undone")."""
    form = await read_form(request)
    if form.get(CONFIRMED) == "yes":
        return None
    fields = [
        (key, value)
        for key, value in form.multi_items()
        if isinstance(value, str) and key not in ("csrf_token", CONFIRMED)
    ]
    return render(
        request,
        "core/confirm.html",
        title=title,
        consequences=list(consequences),
        button=button,
        back=back,
        shown=list(shown),
        preview=preview,  # what will be published, as readers will see it (sanitised HTML)
        undo=undo,
        fields=fields,
        action=request.url.path,
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


# Numbers from forms and query strings: a huge one must not reach the database driver.


def page_param(request: Request) -> int:
    """The `page` query parameter, between 1 and a page far past any last page."""
    raw = request.query_params.get("page", "").strip()
    if not raw:
        return 1
    number = whole_number(raw)
    if number is None:
        raise BadRequest(_("The page number must be a whole number, e.g. ?page=2."))
    return min(max(number, 1), MAX_PAGE)


def form_id(raw: object) -> int | None:
    """An id posted in a form, or None when it is not one any row can have."""
    value = whole_number(raw) if isinstance(raw, str) else None
    return value if is_id(value) else None


def form_ids(raws: list[Any]) -> list[int]:
    return [value for value in map(form_id, raws) if value is not None]


class UnstorableQueryMiddleware:
    """A 400 with a clear page or JSON error for a NUL character in the path or query string,
    before any view reads it (PostgreSQL refuses NUL in text: a search for it was a 500).
    Lone surrogates cannot arrive this way: percent-decoding replaces invalid UTF-8."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")
        ):
            error = BadRequest(
                _("The address contains a NUL character (%00), which is not allowed.")
            )
            response = error_response(Request(scope, receive), error)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
