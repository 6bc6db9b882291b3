"""Sign in and out, password reset, the account page with tokens and the role switcher."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from market.accounts import services
from market.accounts.schemas import (
    Credentials,
    ForgotPassword,
    LanguageChoice,
    NewPassword,
    PasswordChange,
    RoleSwitch,
    TokenName,
)
from market.audit.services import record
from market.errors import (
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    ValidationFailed,
)
from market.i18n import gettext as _
from market.schemas import parse
from market.security.passwords import verify_password
from market.security.secrets import new_secret
from market.security.sessions import end_session, start_session
from market.urls import url
from market.web import (
    client_address,
    flash,
    form_data,
    form_failure,
    redirect,
    render,
    safe_next,
)


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return render(request, "accounts/login.html", values={"next": next_url}, errors={})
    values = await form_data(request)
    next_url = safe_next(values.get("next"))
    settings = request.app.state.settings
    try:
        credentials = parse(Credentials, values, form=True)
        result = await services.authenticate(
            settings, credentials.email, credentials.password, address=client_address(request)
        )
    except (NotAuthenticated, TooManyAttempts, ValidationFailed) as exc:
        values.pop("password", None)
        # A wrong e-mail address or password is the form's problem (400), not a 401.
        return render(
            request,
            "accounts/login.html",
            status_code=400 if isinstance(exc, NotAuthenticated) else exc.status,
            values=values,
            errors=dict(exc.fields) or {"email": exc.message},
            message=exc.message,
        )
    # A new session id at every login; the CSRF token is rotated with it.
    old = request.state.session
    if old is not None:
        await end_session(old)
    _session, cookie = await start_session(
        settings, result.user, client_address(request), request.headers.get("user-agent", "")
    )
    request.state.set_session = cookie
    request.state.csrf_rotate = True

    request.state.csrf_token = new_secret(24)
    flash(request, _("You are signed in."))
    return redirect(request, next_url)


async def logout(request: Request) -> Response:
    session = request.state.session
    if session is not None:
        await end_session(session)

        await record(
            "logout",
            actor=request.state.user,
            object_type="user",
            object_id=request.state.user.id,
            address=client_address(request),
        )
    request.state.set_session = ""
    flash(request, _("You are signed out."))
    return redirect(request, url("home"))


async def logout_everywhere(request: Request) -> Response:
    user = request.state.user
    await services.end_all_sessions(
        user.id, actor=user, reason="signed out everywhere", address=client_address(request)
    )
    request.state.set_session = ""
    flash(request, _("You are signed out on every device."))
    return redirect(request, url("accounts.login"))


async def forgot_password(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "accounts/forgot.html", values={}, errors={})
    values = await form_data(request)
    try:
        email = parse(ForgotPassword, values, form=True).email
    except ValidationFailed as exc:
        return await form_failure(request, "accounts/forgot.html", exc, values)
    await services.request_password_reset(
        request.app.state.settings, email, address=client_address(request)
    )
    flash(request, _("If the address belongs to an account, a reset link is on its way."))
    return redirect(request, url("accounts.login"))


async def reset_password(request: Request) -> Response:
    secret = request.path_params["secret"]
    if request.method == "GET":
        reset = await services.get_valid_reset(secret)
        if reset is None:
            raise NotFound(_("This reset link is invalid, used or expired. Ask for a new one."))
        return render(request, "accounts/reset.html", errors={}, secret=secret)
    values = await form_data(request)
    try:
        data = parse(NewPassword, values, form=True)
        if data.password != data.password_repeat:
            different = _("The two passwords are not the same.")
            raise ValidationFailed(different, {"password_repeat": different})
        await services.complete_password_reset(
            secret, data.password, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(
            request, "accounts/reset.html", exc, values, field="password", secret=secret
        )
    flash(request, _("Your password is changed. Sign in with the new one."))
    return redirect(request, url("accounts.login"))


async def account(request: Request) -> Response:
    user = request.state.user
    tokens = await services.list_tokens(user)
    return render(
        request, "accounts/account.html", tokens=tokens, errors={}, values={}, new_token=None
    )


async def change_password(request: Request) -> Response:
    user = request.state.user
    values = await form_data(request)
    try:
        data = parse(PasswordChange, values, form=True)
        ok, _new = await verify_password(user.password_hash, data.current_password)
        if not ok:
            wrong = _("The current password is wrong.")
            raise ValidationFailed(wrong, {"current_password": wrong})
        if data.password != data.password_repeat:
            different = _("The two passwords are not the same.")
            raise ValidationFailed(different, {"password_repeat": different})
        await services.change_password(
            user, data.password, actor=user, address=client_address(request)
        )
    except DomainError as exc:
        return await form_failure(
            request,
            "accounts/account.html",
            exc,
            values,
            field="password",
            tokens=await services.list_tokens(user),
            new_token=None,
        )
    request.state.set_session = ""
    flash(request, _("Your password is changed. Sign in again."))
    return redirect(request, url("accounts.login"))


async def create_token(request: Request) -> Response:
    user = request.state.user
    if request.state.token is not None:
        raise PermissionDenied(_("A bearer token cannot create tokens: sign in with a password."))
    values = await form_data(request)
    try:
        name = parse(TokenName, values, form=True).name
    except ValidationFailed as exc:
        return await form_failure(
            request,
            "accounts/account.html",
            exc,
            values,
            field="name",
            tokens=await services.list_tokens(user),
            new_token=None,
        )
    _token, secret = await services.issue_token(
        request.app.state.settings, user, name, address=client_address(request)
    )
    tokens = await services.list_tokens(user)
    return render(
        request, "accounts/account.html", tokens=tokens, errors={}, values={}, new_token=secret
    )


async def revoke_token(request: Request) -> Response:
    await services.revoke_token(request.state.user, int(request.path_params["id"]))
    flash(request, _("The token is revoked."))
    return redirect(request, url("accounts.account"))


async def switch_role(request: Request) -> Response:
    data = parse(RoleSwitch, await form_data(request), form=True)
    role = data.role
    session = request.state.session
    user = request.state.user
    if session is not None and (role == "" or role in user.roles):
        session.active_role = role
        await session.save(update_fields=["active_role"])
    return redirect(request, safe_next(data.next, url("home")))


async def set_language(request: Request) -> Response:
    data = parse(LanguageChoice, await form_data(request), form=True)
    language = data.language
    if request.state.user is not None:
        await services.set_language(request.state.user, language)
    response = redirect(request, safe_next(data.next, url("home")))
    if language in ("da", "en"):
        response.set_cookie("pm_lang", language, max_age=31536000, samesite="lax")
    return response
