"""Users, organisations, login with throttling, password reset and API tokens."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from market import clock, urls
from market.accounts import throttle
from market.accounts.models import (
    ROLES,
    ApiToken,
    LoginFailure,
    Organisation,
    OrganisationKind,
    PasswordReset,
    User,
)
from market.audit.services import record
from market.db import transaction
from market.errors import (
    AlreadyExists,
    NotAuthenticated,
    NotFound,
    TooManyAttempts,
    ValidationFailed,
)
from market.i18n import gettext as _
from market.mail.services import queue_mail, register_secret_expander
from market.parsing import ONE_LINE, single_line
from market.security.passwords import hash_password, password_problem, verify_password
from market.security.secrets import derived, digest, new_secret
from market.security.sessions import end_sessions_and_tokens
from market.settings import Settings
from market.vendors.models import Vendor

DATA = Path(__file__).resolve().parent.parent / "data"
RESET_LIFETIME = dt.timedelta(hours=1)
SECRETARIAT_NAME = "OS2 Sekretariatet"
RESET_PLACEHOLDER = re.compile(r"\[\[reset:(\d+)\]\]")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> bool:
    local, _sep, domain = email.partition("@")
    return bool(local) and "." in domain and " " not in email and len(email) <= 254


# --- organisations -------------------------------------------------------------------------


async def seed_organisations() -> int:
    """Ship the 98 municipalities and the secretariat; idempotent."""
    created = 0
    with (DATA / "municipalities.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            _org, was_created = await Organisation.get_or_create(
                code=row["code"],
                defaults={
                    "kind": OrganisationKind.MUNICIPALITY,
                    "name": row["full_name"],
                    "short_name": row["name"],
                    "region": row["region"],
                },
            )
            created += int(was_created)
    await secretariat()
    return created


async def secretariat() -> Organisation:
    org = await Organisation.filter(kind=OrganisationKind.SECRETARIAT).first()
    if org is None:
        org = await Organisation.create(
            kind=OrganisationKind.SECRETARIAT, name=SECRETARIAT_NAME, short_name="OS2"
        )
    return org


async def find_municipality(name: str) -> Organisation | None:
    """Accept the short name ("Syddjurs"), full name ("Syddjurs Kommune") or code ("706")."""
    value = name.strip()
    if not value:
        return None
    query = Organisation.filter(kind__in=[OrganisationKind.MUNICIPALITY, OrganisationKind.MEMBER])
    lookups: list[dict[str, str]] = [{"short_name__iexact": value}, {"name__iexact": value}]
    if len(value) <= 10:  # codes are short; a longer value would fail the field's validation
        lookups.insert(0, {"code": value})
    for lookup in lookups:
        org = await query.filter(**lookup).first()
        if org is not None:
            return org
    return None


async def find_organisation(name: str) -> Organisation | None:
    org = await find_municipality(name)
    if org is None:
        org = await Organisation.filter(name__iexact=name.strip()).first()
    return org


# --- users -------------------------------------------------------------------------------


async def get_user(user_id: int) -> User | None:
    return await User.get_or_none(id=user_id)


async def get_user_by_email(email: str) -> User | None:
    return await User.get_or_none(email=normalise_email(email))


async def create_user(
    *,
    email: str,
    password: str,
    roles: list[str],
    organisation: Organisation,
    name: str = "",
    language: str = "da",
    actor: User | None = None,
    check_password: bool = True,
) -> User:
    """Create a user; the database's unique index decides duplicates."""
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if not valid_email(email):
        errors["email"] = _("Enter a valid e-mail address.")
    if not single_line(name.strip()):
        errors["name"] = str(ONE_LINE)  # a name reaches mail greetings and headers
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        errors["role"] = _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown) or "-"}
    problem = password_problem(password, email, name) if check_password else None
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), errors)
    password_hash = await hash_password(password)
    try:
        async with transaction():
            user = await User.create(
                email=email,
                name=name.strip(),
                password_hash=password_hash,
                roles=sorted(set(roles)),
                organisation=organisation,
                language=language if language in ("da", "en") else "da",
                password_changed_at=clock.now(),
            )
            await record(
                "user.created",
                actor=actor,
                object_type="user",
                object_id=user.id,
                after={"email": email, "roles": user.roles, "organisation": organisation.name},
            )
    except IntegrityError as exc:
        raise AlreadyExists(
            _("A user with this e-mail address already exists."),
            {"email": _("This e-mail address is already registered.")},
        ) from exc
    return user


async def set_roles(user: User, roles: list[str], *, actor: User | None, address: str = "") -> User:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationFailed(_("Unknown role."), {"roles": ", ".join(unknown)})
    async with transaction():
        before = list(user.roles)
        user.roles = sorted(set(roles))
        await user.save(update_fields=["roles"])
        await record(
            "user.roles_changed",
            actor=actor,
            object_type="user",
            object_id=user.id,
            before={"roles": before},
            after={"roles": user.roles},
            address=address,
        )
    return user


async def identity(user: User) -> dict[str, Any]:
    """Who the caller is, for integrations: id, e-mail, name, roles, vendor, organisation."""
    organisation = await Organisation.get(id=user.organisation_id)
    vendor = await Vendor.get_or_none(organisation_id=organisation.id)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": list(user.roles),
        "language": user.language,
        "vendor": {"id": vendor.id, "name": vendor.name} if vendor else None,
        "organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "kind": organisation.kind,
            "code": organisation.code,
        },
    }


async def set_language(user: User, language: str) -> None:
    if language in ("da", "en") and user.language != language:
        user.language = language
        await user.save(update_fields=["language"])


# --- login and throttling ----------------------------------------------------------------


@dataclass
class LoginResult:
    user: User


def _attempted(email: str, known: bool) -> str:
    """What the audit log notes of an address someone tried: in full when it is an account's
    (erasing the account scrubs it), else masked, so an address without an account (a stranger's,
    or an erased user's) is never written into the log in full."""
    if known:
        return email
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else f"{local[:1]}…"


async def _known(email: str) -> bool:
    return bool(email) and await User.filter(email=email).exists()


def _window(settings: Settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings.login_window_minutes)


async def _admit_login(settings: Settings, email: str, address: str) -> None:
    """Count the attempt before the password is checked; refuse past either limit."""
    window = _window(settings)
    account = await throttle.admit(f"login:{email}", settings.login_account_limit, window)
    by_address = await throttle.admit(
        f"login-address:{address}", settings.login_address_limit, window
    )
    if not (account and by_address):
        note = _attempted(email, await _known(email))
        await record("login.throttled", object_type="user", note=note, address=address)
        raise TooManyAttempts(
            _("Too many failed sign-in attempts. Wait %(minutes)d minutes, or reset your password.")
            % {"minutes": settings.login_window_minutes}
        )


async def authenticate(
    settings: Settings, email: str, password: str, *, address: str
) -> LoginResult:
    """Check a password, throttled per account and per address, never revealing which failed.

    The attempt is counted atomically before the slow check, so parallel attempts cannot pass
    the limit; an unknown account costs the same hash check as a known one."""
    email = normalise_email(email)[:254]
    await _admit_login(settings, email, address)
    user = await User.get_or_none(email=email)
    ok, new_hash = await verify_password(user.password_hash if user else "", password)
    if user is None or not ok or not user.is_active:
        async with transaction():
            await LoginFailure.create(email=email, address=address[:64])
            await record(
                "login.failed",
                actor=None,
                object_type="user",
                object_id=user.id if user else "",
                note=_attempted(email, user is not None),
                address=address,
            )
        raise NotAuthenticated(_("The e-mail address or the password is wrong."))
    async with transaction():
        if new_hash:
            user.password_hash = new_hash
        user.last_login_at = clock.now()
        await user.save(update_fields=["password_hash", "last_login_at"])
        await LoginFailure.filter(email=email).delete()
        await throttle.clear(f"login:{email}")
        await throttle.release(f"login-address:{address}")
        await record(
            "login.succeeded", actor=user, object_type="user", object_id=user.id, address=address
        )
    return LoginResult(user=user)


async def admit_request(settings: Settings, kind: str, *, account: str, address: str) -> None:
    """Limit a kind of request (password reset, registration, token) per account and address.

    Tokens have a limit of their own: integrations fetch one per run."""
    window = dt.timedelta(minutes=settings.request_window_minutes)
    account_limit, address_limit = settings.request_account_limit, settings.request_address_limit
    if kind == "token":  # per address much higher: many users share one address
        account_limit, address_limit = settings.token_limit, settings.token_address_limit
    by_account = not account or await throttle.admit(f"{kind}:{account}", account_limit, window)
    by_address = await throttle.admit(f"{kind}-address:{address}", address_limit, window)
    if not (by_account and by_address):
        note = _attempted(account, "@" not in account or await _known(account))
        await record(f"{kind}.throttled", object_type="user", note=note, address=address)
        raise TooManyAttempts(
            _("Too many requests of this kind. Wait %(minutes)d minutes and try again.")
            % {"minutes": settings.request_window_minutes}
        )


async def tell_owner(owner: User, what: str, *, key: str, **values: Any) -> None:
    """Mail the owner of an address that someone tried to register or invite again."""
    await queue_mail(
        to=owner.email,
        template="accounts/already_registered",
        key=f"already-registered:{key}:{owner.id}",
        language=owner.language,
        user=owner,
        what=what,
        **values,
    )


# --- signing out everywhere -------------------------------------------------------------


async def end_all_sessions(
    user_id: int, *, actor: User | None = None, reason: str = "", address: str = ""
) -> int:
    """End every session and revoke every API token of a user; return how many ended.

    Called on "sign out everywhere", a password change or reset, and by erasure.
    """
    async with transaction():
        sessions, tokens = await end_sessions_and_tokens(user_id)
        await record(
            "user.signed_out_everywhere",
            actor=actor,
            object_type="user",
            object_id=user_id,
            after={"sessions": sessions, "tokens": tokens},
            note=reason,
            address=address,
        )
    return sessions + tokens


# --- passwords ---------------------------------------------------------------------------


async def change_password(
    user: User, new_password: str, *, actor: User | None, address: str = ""
) -> None:
    problem = password_problem(new_password, user.email, user.name)
    if problem:
        raise ValidationFailed(problem, {"password": problem})
    password_hash = await hash_password(new_password)
    async with transaction():
        user.password_hash = password_hash
        user.password_changed_at = clock.now()
        await user.save(update_fields=["password_hash", "password_changed_at"])
        await LoginFailure.filter(email=user.email).delete()
        await throttle.clear(f"login:{user.email}")
        await end_all_sessions(
            user.id, actor=actor or user, reason="password changed", address=address
        )
        await record(
            "user.password_changed",
            actor=actor or user,
            object_type="user",
            object_id=user.id,
            address=address,
        )


async def request_password_reset(settings: Settings, email: str, *, address: str) -> None:
    """Mail a single-use reset link if the account exists; say nothing either way."""
    await admit_request(settings, "reset", account=normalise_email(email)[:254], address=address)
    user = await get_user_by_email(email)
    if user is None or not user.is_active:
        return
    salt = new_secret(16)
    secret = reset_secret(settings, salt)
    async with transaction():
        reset = await PasswordReset.create(
            token_hash=digest(secret),
            salt=salt,
            user=user,
            expires_at=clock.now() + RESET_LIFETIME,
        )
        await record(
            "user.password_reset_requested",
            actor=None,
            object_type="user",
            object_id=user.id,
            address=address,
        )
    await queue_mail(
        to=user.email,
        template="accounts/password_reset",
        key=f"password-reset:{reset.id}",
        language=user.language,
        user=user,
        link=settings.base_url + urls.url("accounts.reset", secret=f"[[reset:{reset.id}]]"),
    )


def reset_secret(settings: Settings, salt: str) -> str:
    return derived(str(settings.secret_key), "password-reset", salt)


async def expand_reset_links(settings: Settings, text: str) -> str:
    """Put the real reset secrets into a mail body, at the moment it is sent or shown."""

    async def secret_for(match: re.Match[str]) -> str:
        reset = await PasswordReset.get_or_none(id=int(match.group(1)))
        return reset_secret(settings, reset.salt) if reset else "expired"

    parts = []
    last = 0
    for match in RESET_PLACEHOLDER.finditer(text):
        parts.append(text[last : match.start()])
        parts.append(await secret_for(match))
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


# Mail fills the reset links in when a message is sent or shown (mail imports nothing of ours).
register_secret_expander(expand_reset_links)


async def get_valid_reset(secret: str) -> PasswordReset | None:
    reset = await PasswordReset.get_or_none(token_hash=digest(secret)).select_related("user")
    if reset is None or reset.used_at is not None or clock.now() >= reset.expires_at:
        return None
    return reset


async def complete_password_reset(secret: str, new_password: str, *, address: str) -> User:
    reset = await get_valid_reset(secret)
    if reset is None:
        raise NotFound(_("This reset link is invalid, used or expired. Ask for a new one."))
    problem = password_problem(new_password, reset.user.email, reset.user.name)
    if problem:
        raise ValidationFailed(problem, {"password": problem})
    async with transaction():
        claimed = await PasswordReset.filter(id=reset.id, used_at__isnull=True).update(
            used_at=clock.now()
        )
        if not claimed:
            raise NotFound(_("This reset link is invalid, used or expired. Ask for a new one."))
        # One link used ends every other link of the user.
        await PasswordReset.filter(user_id=reset.user_id, used_at__isnull=True).update(
            used_at=clock.now()
        )
        await change_password(reset.user, new_password, actor=reset.user, address=address)
    return reset.user


# --- API tokens --------------------------------------------------------------------------


async def issue_token(
    settings: Settings, user: User, name: str = "", *, address: str = ""
) -> tuple[ApiToken, str]:
    """A new API token (its secret is returned once); limited per account and address."""
    await admit_request(settings, "token", account=str(user.id), address=address)
    secret = "pm_" + new_secret()
    async with transaction():
        token = await ApiToken.create(
            token_hash=digest(secret),
            prefix=secret[:10],
            name=name[:100],
            user=user,
            expires_at=clock.now() + dt.timedelta(days=settings.token_days),
        )
        await record(
            "token.issued",
            actor=user,
            object_type="api_token",
            object_id=token.id,
            after={"prefix": token.prefix, "name": token.name},
        )
    return token, secret


async def revoke_token(user: User, token_id: int) -> None:
    token = await ApiToken.get_or_none(id=token_id, user_id=user.id)
    if token is None:
        raise NotFound(_("No such token."))
    async with transaction():
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            await token.save(update_fields=["revoked_at"])
            await record("token.revoked", actor=user, object_type="api_token", object_id=token.id)


async def list_tokens(user: User) -> list[ApiToken]:
    return list(await ApiToken.filter(user_id=user.id).order_by("-created_at"))
