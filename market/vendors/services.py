"""Vendor registration, colleagues' invitations, suspension and the public register."""

from __future__ import annotations

import datetime as dt
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
from market.security.passwords import password_problem
from market.security.secrets import digest, new_secret
from market.settings import Settings
from market.vendors import search
from market.vendors.models import Vendor, VendorInvitation
from market.vendors.schemas import (
    CVR_WEIGHTS,
    InvitationAccept,
    Registration,
    VendorInvite,
    normalise_cvr,
    valid_cvr,
)

INVITATION_LIFETIME = dt.timedelta(days=14)

__all__ = ["CVR_WEIGHTS", "Registration", "normalise_cvr", "valid_cvr"]


class EmailTaken(AlreadyExists):
    """The registration's e-mail address has an account already."""


class CvrTaken(AlreadyExists):
    """The registration's CVR number is registered already."""


async def admit_registration(settings: Settings, address: str) -> None:
    """Registrations are limited per address (TooManyAttempts): every web and API request
    counts, before its fields are read, so that invalid ones count too."""
    await accounts.admit_request(settings, "register", account="", address=address)


async def register_vendor(data: Registration, *, address: str = "") -> tuple[Vendor, User]:
    """Create the vendor, its organisation and its first vendor_admin in one transaction
    (requests are admitted first: admit_registration).

    An e-mail address that has an account is not named as such: its owner gets a mail, and
    the answer only says to check that inbox."""
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
    problem = password_problem(data.password, data.email, data.contact_name)
    if problem:
        raise ValidationFailed(str(Registration.failure_message), {"password": problem})
    cvr, employees = data.cvr, data.employees
    async with transaction():
        organisation = await Organisation.create(kind=OrganisationKind.VENDOR, name=data.name)
        try:
            async with transaction():
                vendor = await Vendor.create(
                    organisation=organisation,
                    name=data.name,
                    cvr=cvr,
                    email=data.email,
                    employees=employees,
                    contact_name=data.contact_name,
                    website=data.website,
                    address=data.address,
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
                name=data.contact_name,
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
        total = await search.count(eligible)
    else:
        total = await count_standings(eligible=True)
    order = REGISTER_ORDERS.get(sort, REGISTER_ORDERS["name"])
    kept = "" if words.isdigit() or matched is not None else "public register"
    vendors = await standing_page(eligible, page, per_page, order, kept=kept)
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
    vendor: Vendor, data: VendorInvite, *, actor: User, base_url: str, address: str = ""
) -> VendorInvitation:
    """A vendor_admin invites a colleague; the link carries a single-use secret."""
    if not actor.has_role("vendor_admin") or actor.organisation_id != vendor.organisation_id:
        raise NotVendorAdmin(_("Only an administrator of this vendor may invite colleagues."))
    email, role = data.email, data.role
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
    secret: str, data: InvitationAccept, *, language: str = "da", address: str = ""
) -> User:
    invitation = await get_valid_invitation(secret)
    if invitation is None:
        raise NotFound(_("This invitation is invalid, used or expired. Ask for a new one."))
    name, password = data.name, data.password
    errors = {}
    if not name:
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
            name=name,
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
