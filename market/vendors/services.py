"""Vendor registration, colleagues' invitations, suspension and the public register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from market import clock, exports, urls
from market.accounts import services as accounts
from market.accounts.models import Organisation, OrganisationKind, User
from market.audit.services import record
from market.conduct.standing import count as count_standings
from market.conduct.standing import current as current_standings
from market.conduct.standing import eligible_vendors
from market.conduct.standing import page_of as standing_page
from market.conduct.states import standings
from market.db import after_commit, transaction
from market.errors import (
    AlreadyExists,
    Conflict,
    NotFound,
    NotVendorAdmin,
    ValidationFailed,
    WrongStatus,
)
from market.i18n import gettext as _
from market.i18n import render_message
from market.mail.services import queue_mail
from market.parsing import ONE_LINE, single_line, whole_number
from market.security.passwords import password_problem
from market.security.secrets import digest, new_secret
from market.settings import Settings
from market.vendors import search
from market.vendors.models import Vendor, VendorInvitation

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
INVITATION_LIFETIME = dt.timedelta(days=14)
INVITE_ROLES = ("vendor_member", "vendor_admin")


def normalise_cvr(raw: str) -> str:
    return "".join(raw.split()).removeprefix("DK").removeprefix("dk")


def valid_cvr(cvr: str) -> bool:
    """Eight digits whose weighted sum (2,7,6,5,4,3,2,1) is divisible by 11."""
    if len(cvr) != 8 or whole_number(cvr) is None or cvr[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0


@dataclass
class Registration:
    name: str = ""
    cvr: str = ""
    email: str = ""
    password: str = ""
    contact_name: str = ""
    employees: Any = None
    website: str = ""
    address: str = ""
    language: str = "da"


def parse_employees(raw: Any) -> int | None:
    return whole_number(raw)


def _check(data: Registration) -> dict[str, str]:
    errors: dict[str, str] = {}
    required = _("This field is required.")
    if not data.name.strip():
        errors["name"] = required
    elif len(data.name) > 200:
        errors["name"] = _("Must be at most %(n)d characters.") % {"n": 200}
    for name in ("name", "contact_name"):  # they reach mail subjects and greetings
        if not single_line(getattr(data, name).strip()):
            errors[name] = str(ONE_LINE)
    cvr = normalise_cvr(data.cvr)
    if not cvr:
        errors["cvr"] = required
    elif not valid_cvr(cvr):
        errors["cvr"] = _(
            "This is not a valid CVR number (8 digits that pass the modulus-11 check)."
        )
    email = accounts.normalise_email(data.email)
    if not email:
        errors["email"] = required
    elif not accounts.valid_email(email):
        errors["email"] = _("Enter a valid e-mail address.")
    if not data.contact_name.strip():
        errors["contact_name"] = required
    elif len(data.contact_name) > 200:
        errors["contact_name"] = _("Must be at most %(n)d characters.") % {"n": 200}
    for name in ("website", "address"):
        if len(getattr(data, name)) > 300:
            errors[name] = _("Must be at most %(n)d characters.") % {"n": 300}
    for name in ("name", "cvr", "email", "contact_name", "website", "address", "password"):
        if "\x00" in getattr(data, name):
            errors[name] = _("Contains a character that is not allowed.")
    employees = parse_employees(data.employees)
    if data.employees in (None, ""):
        errors["employees"] = required
    elif employees is None or not 0 < employees <= 1_000_000:
        errors["employees"] = _("Give the number of employees as a whole number, 1 or more.")
    if data.website.strip() and not data.website.strip().startswith(("http://", "https://")):
        errors["website"] = _("Give the full address, starting with https://")
    problem = (
        password_problem(data.password, email, data.contact_name) if data.password else (required)
    )
    if problem:
        errors["password"] = problem
    return errors


class EmailTaken(AlreadyExists):
    """The registration's e-mail address has an account already."""


class CvrTaken(AlreadyExists):
    """The registration's CVR number is registered already."""


async def register_vendor(
    data: Registration, *, address: str = "", settings: Settings | None = None
) -> tuple[Vendor, User]:
    """Create the vendor, its organisation and its first vendor_admin in one transaction.

    With `settings` (every web and API request) registrations are limited per address. An
    e-mail address that has an account is not named as such: its owner gets a mail, and the
    answer only says to check that inbox."""
    if settings is not None:
        await accounts.admit_request(settings, "register", account="", address=address)
    try:
        return await _register(data, address)
    except EmailTaken:
        message = await _email_taken(data)
        raise EmailTaken(message, {"email": message}) from None
    except CvrTaken as exc:
        # Every problem at once: a taken e-mail address is reported beside the CVR number.
        owner = await accounts.get_user_by_email(data.email)
        if owner is None:
            raise
        raise CvrTaken(exc.message, {**exc.fields, "email": await _email_taken(data)}) from None


async def _email_taken(data: Registration) -> str:
    """Tell the address's owner (once per call) and say so without naming the account."""
    owner = await accounts.get_user_by_email(data.email)
    if owner is not None:
        await accounts.tell_owner(owner, "registration", key=f"register:{new_secret(8)}")
    return _(
        "The company could not be registered with this e-mail address. "
        "If the address is yours, we have sent you a message."
    )


async def _register(data: Registration, address: str) -> tuple[Vendor, User]:
    errors = _check(data)
    if errors:
        raise ValidationFailed(_("The registration has errors: correct the fields named."), errors)
    cvr = normalise_cvr(data.cvr)
    employees = parse_employees(data.employees)
    assert employees is not None
    async with transaction():
        organisation = await Organisation.create(
            kind=OrganisationKind.VENDOR, name=data.name.strip()
        )
        try:
            async with transaction():
                vendor = await Vendor.create(
                    organisation=organisation,
                    name=data.name.strip(),
                    cvr=cvr,
                    email=accounts.normalise_email(data.email),
                    employees=employees,
                    contact_name=data.contact_name.strip()[:200],
                    website=data.website.strip()[:300],
                    address=data.address.strip()[:300],
                )
        except IntegrityError as exc:
            raise CvrTaken(
                _("A vendor with this CVR number is already registered."),
                {"cvr": _("This CVR number is already registered.")},
            ) from exc
        try:
            user = await accounts.create_user(
                email=data.email,
                password=data.password,
                roles=["vendor_admin"],
                organisation=organisation,
                name=data.contact_name.strip(),
                language=data.language,
                check_password=False,
            )
        except Conflict as exc:
            raise EmailTaken(exc.message, exc.fields) from exc
        await record(
            "vendor.registered",
            actor=user,
            object_type="vendor",
            object_id=vendor.id,
            address=address,
            after={
                "name": vendor.name,
                "cvr": vendor.cvr,
                "employees": employees,
                "admin": user.email,
            },
        )
    return vendor, user


# --- reading -------------------------------------------------------------------------------


MAX_ID = 2**31 - 1


async def get_vendor(vendor_id: int) -> Vendor | None:
    if not 0 < vendor_id <= MAX_ID:
        return None
    return await Vendor.get_or_none(id=vendor_id)


async def vendor_of(user: User | None) -> Vendor | None:
    if user is None or not user.is_vendor:
        return None
    return await Vendor.get_or_none(organisation_id=user.organisation_id)


async def own_vendor(user: User) -> Vendor:
    vendor = await vendor_of(user)
    if vendor is None:
        raise NotFound(_("Your organisation is not a registered vendor."))
    return vendor


def may_see_details(user: User | None, vendor: Vendor) -> bool:
    if user is None:
        return False
    return user.has_role("secretariat", "coordinator", "municipality") or (
        user.is_vendor and user.organisation_id == vendor.organisation_id
    )


async def colleagues(vendor: Vendor) -> list[User]:
    return list(await User.filter(organisation_id=vendor.organisation_id).order_by("email"))


async def open_invitations(vendor: Vendor) -> list[VendorInvitation]:
    return list(
        await VendorInvitation.filter(
            vendor_id=vendor.id, accepted_at__isnull=True, expires_at__gt=clock.now()
        )
    )


# How the public register may be sorted (the query's `sort`): name, or size either way.
REGISTER_ORDERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "small": ("employees", "name", "id"),
    "large": ("-employees", "name", "id"),
}


async def public_register(
    page: int = 1, per_page: int = 50, *, q: str = "", sort: str = "name"
) -> tuple[list[dict[str, Any]], int]:
    """Vendors eligible now (active, or outdated within the grace period), found by the start
    of their CVR number or by words (full text: name, profiles, references; see
    market.vendors.search) and sorted by name or size.

    Filtered, counted and paged in SQL on the stored standing; the page's vendors alone are
    judged in full (for the signature that keeps them eligible)."""
    await current_standings()
    eligible = eligible_vendors()
    words = " ".join(q.split())[:100]
    matched = search.matching(words)
    if words.isdigit():
        eligible = eligible.filter(cvr__startswith=words)
    elif matched is not None:
        eligible = eligible.filter(matched)
    if words.isdigit() or matched is not None:
        total = await eligible.count()
    else:
        total = await count_standings(eligible=True)
    order = REGISTER_ORDERS.get(sort, REGISTER_ORDERS["name"])
    vendors = await standing_page(eligible, page, per_page, order)
    found = await standings(vendors)
    items = []
    for vendor in vendors:
        valid = found[vendor.id].valid
        items.append(
            {
                "id": vendor.id,
                "name": vendor.name,
                "cvr": vendor.cvr,
                "size_class": vendor.size_class,
                "website": vendor.website,
                "conduct_version": valid.version.label if valid else None,
                "signed_at": clock.to_local(valid.signed_at).isoformat() if valid else None,
                "state": found[vendor.id].state,
            }
        )
    return items, total


# --- suspension ----------------------------------------------------------------------------


async def suspend(vendor_id: int, reason: str, *, actor: User, address: str = "") -> Vendor:
    vendor = await get_vendor(vendor_id)
    if vendor is None:
        raise NotFound(_("No such vendor."))
    reason = reason.replace("\x00", "")
    if not reason.strip():
        raise ValidationFailed(_("Give a reason."), {"reason": _("Give a reason.")})
    async with transaction():
        claimed = await Vendor.filter(id=vendor.id, suspended_at__isnull=True).update(
            suspended_at=clock.now(), suspension_reason=reason.strip()[:2000]
        )
        if not claimed:
            raise WrongStatus(_("%(name)s is already suspended.") % {"name": vendor.name})
        await record(
            "vendor.suspended",
            actor=actor,
            object_type="vendor",
            object_id=vendor.id,
            address=address,
            note=reason.strip(),
            before={"suspended": False},
            after={"suspended": True, "reason": reason.strip()},
        )
        await after_commit("conduct_changed", vendor.id, clock.now().isoformat())
    await vendor.refresh_from_db()
    return vendor


async def reinstate(vendor_id: int, reason: str, *, actor: User, address: str = "") -> Vendor:
    vendor = await get_vendor(vendor_id)
    if vendor is None:
        raise NotFound(_("No such vendor."))
    reason = reason.replace("\x00", "")
    if not reason.strip():
        raise ValidationFailed(_("Give a reason."), {"reason": _("Give a reason.")})
    async with transaction():
        claimed = await Vendor.filter(id=vendor.id, suspended_at__isnull=False).update(
            suspended_at=None, suspension_reason=""
        )
        if not claimed:
            raise WrongStatus(_("%(name)s is not suspended.") % {"name": vendor.name})
        await record(
            "vendor.reinstated",
            actor=actor,
            object_type="vendor",
            object_id=vendor.id,
            address=address,
            note=reason.strip(),
            before={"suspended": True, "reason": vendor.suspension_reason},
            after={"suspended": False},
        )
        await after_commit("conduct_changed", vendor.id, clock.now().isoformat())
    await vendor.refresh_from_db()
    return vendor


# --- invitations ---------------------------------------------------------------------------


async def invite(
    vendor: Vendor, *, email: str, role: str, actor: User, base_url: str, address: str = ""
) -> VendorInvitation:
    """A vendor_admin invites a colleague; the link carries a single-use secret."""
    if not actor.has_role("vendor_admin") or actor.organisation_id != vendor.organisation_id:
        raise NotVendorAdmin(_("Only an administrator of this vendor may invite colleagues."))
    email = accounts.normalise_email(email)
    errors = {}
    if not accounts.valid_email(email) or "\x00" in email:
        errors["email"] = _("Enter a valid e-mail address.")
    if role not in INVITE_ROLES:
        errors["role"] = _("Choose a role.")
    if errors:
        raise ValidationFailed(_("The invitation was not sent."), errors)
    # An address with an account answers like any other (the inviter cannot learn that it
    # exists, staff addresses included): its owner is told instead of getting a link.
    owner = await accounts.get_user_by_email(email)
    secret = new_secret()
    async with transaction():
        invitation = await VendorInvitation.create(
            vendor=vendor,
            email=email,
            role=role,
            token_hash=digest(secret),
            invited_by=actor,
            expires_at=clock.now() + INVITATION_LIFETIME,
        )
        await record(
            "vendor.invited",
            actor=actor,
            object_type="vendor",
            object_id=vendor.id,
            address=address,
            after={"email": email, "role": role},
        )

    if owner is not None:
        await accounts.tell_owner(
            owner, "invitation", key=f"vendor-invite:{invitation.id}", vendor=vendor
        )
        return invitation
    await queue_mail(
        to=email,
        template="vendors/invitation",
        key=f"vendor-invite:{invitation.id}",
        language=actor.language,
        vendor=vendor,
        inviter=actor,
        link=base_url + urls.url("vendors.accept", secret=secret),
        role=role,
    )
    return invitation


async def get_valid_invitation(secret: str) -> VendorInvitation | None:
    invitation = await VendorInvitation.get_or_none(token_hash=digest(secret)).select_related(
        "vendor"
    )
    if invitation is None or invitation.accepted_at is not None:
        return None
    if clock.now() >= invitation.expires_at:
        return None
    return invitation


async def accept_invitation(
    secret: str, *, name: str, password: str, language: str = "da", address: str = ""
) -> User:
    invitation = await get_valid_invitation(secret)
    if invitation is None:
        raise NotFound(_("This invitation is invalid, used or expired. Ask for a new one."))
    errors = {}
    if not name.strip():
        errors["name"] = _("Type your full name.")
    problem = password_problem(password, invitation.email, name)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(_("Your account was not created."), errors)
    vendor = invitation.vendor
    organisation = await Organisation.get(id=vendor.organisation_id)
    async with transaction():
        claimed = await VendorInvitation.filter(id=invitation.id, accepted_at__isnull=True).update(
            accepted_at=clock.now()
        )
        if not claimed:
            raise NotFound(_("This invitation is invalid, used or expired. Ask for a new one."))
        user = await accounts.create_user(
            email=invitation.email,
            password=password,
            roles=[invitation.role],
            organisation=organisation,
            name=name.strip(),
            language=language,
            check_password=False,
        )
        await record(
            "vendor.invitation_accepted",
            actor=user,
            object_type="vendor",
            object_id=vendor.id,
            address=address,
            after={"email": user.email, "role": invitation.role},
        )
    return user


# --- finding vendors by name (type-ahead pickers) --------------------------------------------


async def find_by_name(name: str) -> Vendor | None:
    """A vendor by its exact name, case and spacing aside (what a type-ahead sends)."""
    cleaned = " ".join(name.split())
    if not cleaned:
        return None
    found = (
        await Vendor.filter(name=cleaned).first()
        or await Vendor.filter(name__iexact=cleaned).first()
    )
    if found is not None:
        return found
    # SQLite folds only ASCII letters: compare the other names (Ø, Æ, Å) here.
    wanted = cleaned.casefold()
    rows = await Vendor.all().values_list("id", "name")
    match = next((vid for vid, n in rows if " ".join(str(n).split()).casefold() == wanted), None)
    return await Vendor.get_or_none(id=match) if match is not None else None


async def pickable_names() -> list[str]:
    """The names a picker offers: every vendor that is not suspended, by name."""
    rows = await Vendor.filter(suspended_at__isnull=True).order_by("name").values_list("name")
    return [str(row[0]) for row in rows]


async def public_register_csv(*, q: str = "", sort: str = "name") -> str:
    """The public register as CSV in the reader's language (see market.exports)."""
    lines: list[list[Any]] = []
    page = 1
    while True:
        items, total = await public_register(page, 500, q=q, sort=sort)
        for item in items:
            lines.append(
                [
                    item["name"],
                    item["cvr"],
                    render_message(item["size_class"]),
                    exports.version(item["conduct_version"]),
                    (item["signed_at"] or "")[:10],
                ]
            )
        if page * 500 >= total or not items:
            break
        page += 1
    header = [_("Company"), _("CVR number"), _("Size"), _("Code of Conduct version"), _("Signed")]
    return exports.spreadsheet_csv(lines, header=header)
