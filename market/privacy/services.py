"""Insight and erasure: a user's data as JSON, erasure requests and their approval.

Erasure anonymises: the user row stays (so counts, statistics and every foreign key hold) but
its name becomes "Slettet bruger N", its e-mail an address that reaches nobody, and the name and
e-mail are replaced wherever they were copied (audit log, mails, signatures, task changes,
vendor contact, the working copy of bid teams). Bids, signatures, evaluations and awards keep
their rows and hashes: a bid revision's content stays exactly as submitted (the person's name in
its team is hidden on pages and in the API by a redaction row), and a signature's hash is that
of the Code of Conduct text signed, so both still verify.
"""

from __future__ import annotations

import re
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from market import clock
from market.accounts.models import ApiToken, LoginFailure, PasswordReset, Session, User
from market.accounts.services import end_all_sessions, get_user, get_user_by_email
from market.alerts.models import AlertDigest, AlertItem, AlertPreference, SavedSearch
from market.audit.models import AuditEvent
from market.audit.services import record
from market.bids.models import Bid, BidRevision
from market.conduct.models import Signature
from market.db import transaction
from market.errors import AlreadyDone, NotFound, OwnRequest, ValidationFailed
from market.i18n import gettext as _
from market.mail.models import MailStatus, OutboxMessage
from market.privacy import export
from market.privacy.models import ErasureRequest, ErasureStatus, TeamRedaction
from market.privacy.names import pseudonym, pseudonym_email
from market.privacy.schemas import ErasureCreate
from market.solutions.models import Wish
from market.tasks.models import TaskChange
from market.vendors import services as vendors
from market.vendors.models import Vendor, VendorInvitation

AUDIT_BATCH = 500


def is_erased(user: User) -> bool:
    return user.email == pseudonym_email(user.id)


# --- insight ----------------------------------------------------------------------------


async def export_data(
    user: User, *, actor: User, address: str = "", on_request: bool = False
) -> dict[str, Any]:
    """Everything about `user`; the export itself is written to the audit log."""
    data = await export.collect(user)
    await record(
        "privacy.data_exported",
        actor=actor,
        object_type="user",
        object_id=user.id,
        after={"on_request": on_request, "sections": len(data) - 1},
        address=address,
    )
    return data


async def find_subject(email: str) -> User:
    """The user a request received by mail is about (the secretariat looks them up)."""
    user = await get_user_by_email(email) if email.strip() else None
    if user is None:
        message = _("There is no user with this e-mail address.")
        raise ValidationFailed(message, {"email": message})
    return user


# --- erasure requests --------------------------------------------------------------------


async def _vendor_of(user: User) -> Vendor | None:
    return await Vendor.get_or_none(organisation_id=user.organisation_id)


async def _other_admins(user: User) -> list[User]:
    colleagues = await User.filter(organisation_id=user.organisation_id, is_active=True).exclude(
        id=user.id
    )
    return [c for c in colleagues if c.has_role("vendor_admin")]


async def _successor(user: User, vendor: Vendor | None, email: str) -> User | None:
    if not email.strip():
        return None
    successor = await get_user_by_email(email)
    if (
        successor is None
        or vendor is None
        or successor.id == user.id
        or not successor.is_active
        or successor.organisation_id != vendor.organisation_id
    ):
        message = _("The successor must be an active colleague at the same vendor.")
        raise ValidationFailed(message, {"successor_email": message})
    return successor


async def _check_last_admin(
    user: User, vendor: Vendor | None, successor: User | None, close_vendor: bool
) -> None:
    """A vendor's last administrator goes only with a successor or the vendor's closure."""
    if vendor is None or not user.has_role("vendor_admin") or successor or close_vendor:
        return
    if vendor.suspended_at is None and not await _other_admins(user):
        message = _(
            "You are the last administrator of %(vendor)s: name a colleague to take over, "
            "or ask for the vendor to be closed."
        ) % {"vendor": vendor.name}
        raise ValidationFailed(message, {"successor_email": message})


async def is_last_admin(user: User) -> bool:
    """True when erasing `user` would leave an open vendor without an administrator."""
    try:
        await _check_last_admin(user, await _vendor_of(user), None, False)
    except ValidationFailed:
        return True
    return False


async def request_erasure(
    user: User, data: ErasureCreate, *, actor: User, address: str = ""
) -> ErasureRequest:
    """Open an erasure request (one open request per user; the database enforces it)."""
    if is_erased(user):
        raise AlreadyDone(_("This account has already been erased."))
    already = _("You have already asked for erasure; the secretariat will answer.")
    if await open_request(user) is not None:
        raise AlreadyDone(already)  # the unique index decides under a race (below)
    vendor = await _vendor_of(user)
    successor = await _successor(user, vendor, data.successor_email)
    await _check_last_admin(user, vendor, successor, data.close_vendor)
    try:
        async with transaction():
            request = await ErasureRequest.create(
                user=user,
                pending_user_id=user.id,
                requested_at=clock.now(),
                requested_by_id=actor.id,
                reason=data.reason,
                successor_id=successor.id if successor else None,
                close_vendor=bool(data.close_vendor and vendor is not None),
            )
            await record(
                "privacy.erasure_requested",
                actor=actor,
                object_type="erasure_request",
                object_id=request.id,
                after={"user_id": user.id, "close_vendor": request.close_vendor},
                address=address,
            )
    except IntegrityError as exc:
        raise AlreadyDone(already) from exc
    return request


async def get_request(request_id: int) -> ErasureRequest | None:
    return await ErasureRequest.get_or_none(id=request_id)


async def open_request(user: User) -> ErasureRequest | None:
    return await ErasureRequest.get_or_none(pending_user_id=user.id)


async def list_requests(status: str = "") -> list[ErasureRequest]:
    query = ErasureRequest.all().prefetch_related("user")
    if status == ErasureStatus.PENDING:
        query = query.filter(pending_user_id__isnull=False)
    return list(await query.order_by("-id").limit(200))


async def _claim(request_id: int, actor: User) -> ErasureRequest:
    request = await get_request(request_id)
    if request is None:
        raise NotFound(_("There is no such erasure request."))
    if request.user_id == actor.id:  # four eyes: a 409, the request waits for a colleague
        raise OwnRequest(_("Another member of the secretariat must decide your own request."))
    claimed = await ErasureRequest.filter(id=request.id, pending_user_id__isnull=False).update(
        pending_user_id=None, decided_at=clock.now(), decided_by_id=actor.id
    )
    if not claimed:
        raise AlreadyDone(_("This erasure request has already been decided."))
    await request.refresh_from_db()
    return request


async def approve(request_id: int, *, actor: User, address: str = "") -> ErasureRequest:
    """Carry out an erasure request: the user is anonymised everywhere, at once."""
    async with transaction():
        request = await _claim(request_id, actor)
        user = await User.get(id=request.user_id)
        vendor = await _vendor_of(user)
        successor = await get_user(request.successor_id) if request.successor_id else None
        await _check_last_admin(user, vendor, successor, request.close_vendor)
        await _hand_over(user, vendor, successor, request.close_vendor, actor, address)
        await erase_user(user, actor=actor, address=address)
        request.completed_at = clock.now()
        await request.save(update_fields=["completed_at"])
        await record(
            "privacy.erasure_completed",
            actor=actor,
            object_type="erasure_request",
            object_id=request.id,
            after={"user_id": user.id},
            address=address,
        )
    return request


async def reject(request_id: int, reason: str, *, actor: User, address: str = "") -> ErasureRequest:
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise ValidationFailed(_("Give a reason."), {"reason": _("Give a reason.")})
    async with transaction():
        request = await _claim(request_id, actor)
        request.rejection_reason = reason[:2000]
        await request.save(update_fields=["rejection_reason"])
        await record(
            "privacy.erasure_rejected",
            actor=actor,
            object_type="erasure_request",
            object_id=request.id,
            after={"user_id": request.user_id},
            note=reason,
            address=address,
        )
    return request


async def _hand_over(
    user: User,
    vendor: Vendor | None,
    successor: User | None,
    close_vendor: bool,
    actor: User,
    address: str,
) -> None:
    if vendor is None or not user.has_role("vendor_admin"):
        return
    if successor is not None and not successor.has_role("vendor_admin"):
        successor.roles = [*successor.roles, "vendor_admin"]
        await successor.save(update_fields=["roles"])
        await record(
            "user.roles_changed",
            actor=actor,
            object_type="user",
            object_id=successor.id,
            after={"roles": successor.roles, "successor_of": user.id},
            address=address,
        )
    if close_vendor and vendor.suspended_at is None:
        await vendors.suspend(
            vendor.id,
            _("Closed: its last administrator asked to be erased."),
            actor=actor,
            address=address,
        )


# --- erasure itself ---------------------------------------------------------------------


def _scrubber(email: str, name: str, replacement: str) -> re.Pattern[str] | None:
    words = [re.escape(email)] if email else []
    if len(name.strip()) >= 3:
        words.append(re.escape(name.strip()))
    if not words:
        return None
    return re.compile("|".join(sorted(words, key=len, reverse=True)), re.IGNORECASE)


def _scrub(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_scrub(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, replacement) for k, v in value.items()}
    return value


async def _scrub_audit_log(user: User, pattern: re.Pattern[str], replacement: str) -> int:
    """Audit events are never edited by the app; erasure is the one lawful exception."""
    await AuditEvent.filter(actor_id=user.id).update(actor_label=replacement, address="")
    changed, last = 0, 0
    while True:
        rows = (
            await AuditEvent.filter(id__gt=last)
            .order_by("id")
            .limit(AUDIT_BATCH)
            .values("id", "actor_label", "before", "after", "note")
        )
        if not rows:
            return changed
        for row in rows:
            new = {k: _scrub(row[k], pattern, replacement) for k in row if k != "id"}
            if new != {k: row[k] for k in new}:
                await AuditEvent.filter(id=row["id"]).update(**new)
                changed += 1
        last = rows[-1]["id"]


async def _scrub_mail(user: User, pattern: re.Pattern[str], replacement: str) -> None:
    await OutboxMessage.filter(to_email=user.email, status=MailStatus.PENDING).delete()
    await OutboxMessage.filter(to_email=user.email).update(to_email=pseudonym_email(user.id))
    mentions = Q(body_text__icontains=user.email) | Q(subject__icontains=user.email)
    if len(user.name.strip()) >= 3:
        mentions |= Q(body_text__icontains=user.name.strip())
        mentions |= Q(subject__icontains=user.name.strip())
    for message in await OutboxMessage.filter(mentions):
        await OutboxMessage.filter(id=message.id).update(
            subject=_scrub(message.subject, pattern, replacement)[:300],
            body_text=_scrub(message.body_text, pattern, replacement),
            body_html=_scrub(message.body_html, pattern, replacement),
        )


async def _redact_bid_teams(user: User, label: str) -> None:
    """The user named in their vendor's bids: the hashed revisions keep the name, a redaction
    row hides it on pages and in the API; the bid's working copy of the team is rewritten."""
    vendor = await _vendor_of(user)
    name = user.name.strip().casefold()
    if vendor is None or len(name) < 3:
        return
    revisions = await BidRevision.filter(bid__vendor_id=vendor.id).values("id", "content")
    for revision in revisions:
        team = (revision["content"] or {}).get("team") or []
        for position, member in enumerate(team):
            if str(member.get("name", "")).strip().casefold() == name:
                await TeamRedaction.get_or_create(
                    revision_id=revision["id"], position=position, defaults={"user_id": user.id}
                )
    for bid in await Bid.filter(vendor_id=vendor.id):
        team = [
            {**m, "name": label} if str(m.get("name", "")).strip().casefold() == name else m
            for m in bid.team or []
        ]
        if team != bid.team:
            await Bid.filter(id=bid.id).update(team=team)


async def erase_user(user: User, *, actor: User | None, address: str = "") -> None:
    """Anonymise one user everywhere (inside the caller's transaction)."""
    label = pseudonym(user.id)
    pattern = _scrubber(user.email, user.name, label)
    # Every session and token ends first (with its own audit event), then their rows go.
    await end_all_sessions(user.id, actor=actor, reason="erasure", address=address)
    await Session.filter(user_id=user.id).delete()
    await ApiToken.filter(user_id=user.id).delete()
    await PasswordReset.filter(user_id=user.id).delete()
    await LoginFailure.filter(email=user.email).delete()
    await VendorInvitation.filter(email=user.email).delete()
    for alerts in (AlertPreference, SavedSearch, AlertItem, AlertDigest):
        await alerts.filter(user_id=user.id).delete()
    if pattern is not None:
        await _scrub_mail(user, pattern, label)
        await _scrub_audit_log(user, pattern, label)
        for request in await ErasureRequest.filter(user_id=user.id).exclude(reason=""):
            reason = _scrub(request.reason, pattern, label)
            await ErasureRequest.filter(id=request.id).update(reason=reason)
    # Records the community keeps: the name is replaced, the rows and their hashes stay.
    await _redact_bid_teams(user, label)
    await Signature.filter(user_id=user.id).update(signer_name=label, address="", user_agent="")
    await TaskChange.filter(actor_id=user.id).update(actor_label=label)
    await Vendor.filter(email__iexact=user.email).update(email="")
    if user.name.strip():
        await Vendor.filter(contact_name=user.name).update(contact_name=label)
        await Wish.filter(jira_reporter__in=[user.name, user.email]).update(jira_reporter=label)
    await User.filter(id=user.id).update(
        name=label,
        email=pseudonym_email(user.id),
        password_hash="",
        is_active=False,
    )
    await record(
        "privacy.user_erased",
        actor=actor,
        object_type="user",
        object_id=user.id,
        after={"name": label},
        address=address,
    )
    await user.refresh_from_db()
