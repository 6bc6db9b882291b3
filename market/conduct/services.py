"""Publishing Code of Conduct versions, signing, countersigning, the register and reminders."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from market import clock, exports, listcache
from market.accounts.models import User
from market.audit.services import record
from market.conduct.models import (
    ConductReminder,
    ConductVersion,
    Decision,
    Signature,
    SignatureDecision,
    VendorStanding,
)
from market.conduct.schemas import Signing, VersionPublish
from market.conduct.standing import count as count_standings
from market.conduct.standing import current as current_standings
from market.conduct.standing import page_of as standing_page
from market.conduct.standing import refresh as refresh_standing
from market.conduct.standing import state_counts as stored_state_counts
from market.conduct.standing import with_state
from market.conduct.states import (
    REGISTER_STATUSES,
    Standing,
    State,
    in_force,
    signature_status,
    standings,
)
from market.conduct.states import eligibility as eligibility
from market.conduct.states import eligibility_many as eligibility_many
from market.db import after_commit, transaction
from market.errors import (
    AlreadyDone,
    AlreadyExists,
    Conflict,
    NotFound,
    NotVendorAdmin,
    ValidationFailed,
    WrongStatus,
)
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.mail.services import queue_mail
from market.orm import column
from market.vendors import search
from market.vendors.models import Vendor

TEXTS = Path(__file__).resolve().parent / "texts"
SEED_EFFECTIVE_FROM = dt.date(2025, 1, 1)


def text_hash(text: str) -> str:
    """SHA-256 of the UTF-8 bytes of the binding (Danish) text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- versions ------------------------------------------------------------------------------


async def current_version(at: dt.datetime | None = None) -> ConductVersion | None:
    """The version in force on the local date of `at`."""
    today = clock.to_local(at or clock.now()).date()
    return in_force(await ConductVersion.filter(effective_from__lte=today), today)


async def get_version(label: str) -> ConductVersion | None:
    if len(label) > 20:  # longer than any label can be (the column's width)
        return None
    return await ConductVersion.get_or_none(label=label)


async def list_versions() -> list[ConductVersion]:
    return list(await ConductVersion.all().order_by("-effective_from", "-id"))


def check_effective_date(data: VersionPublish, *, allow_past: bool = False) -> None:
    """A past effective date would put the version in force at once, behind the vendors'
    backs (only the seed and the demo may date a version back)."""
    if data.effective_from < clock.today() and not allow_past:
        raise ValidationFailed(
            str(VersionPublish.failure_message),
            {"effective_from": _("The effective date must be today or later.")},
        )


async def publish_version(
    data: VersionPublish, *, actor: User | None, address: str = ""
) -> ConductVersion:
    """Publish a new version; 422 for a past effective date, 409 when the label exists."""
    # Only the seed and the demo (no actor) may date a version back.
    check_effective_date(data, allow_past=actor is None)
    try:
        async with transaction():
            row = await ConductVersion.create(
                label=data.version,
                title=data.title,
                text=data.text,
                text_en=data.text_en,
                sha256=text_hash(data.text),
                effective_from=data.effective_from,
                grace_days=data.grace_days,
                published_at=clock.now(),
                published_by=actor,
            )
            await record(
                "conduct.published",
                actor=actor,
                object_type="conduct_version",
                object_id=row.id,
                address=address,
                after={
                    "version": row.label,
                    "sha256": row.sha256,
                    "effective_from": data.effective_from.isoformat(),
                    "grace_days": data.grace_days,
                },
            )
            await refresh_standing()  # a version in force changes every vendor's state
            # Who is eligible may change with a version in force: every open shortlist.
            await after_commit("recompute_open_shortlists")
    except IntegrityError as exc:
        raise AlreadyExists(
            _("Version %(v)s is already published.") % {"v": data.version},
            {"version": _("This version label is already used.")},
        ) from exc
    return row


async def ensure_seed_conduct() -> ConductVersion:
    """Version 1, shipped in market/conduct/texts/, published once (idempotent)."""
    existing = await get_version("1")
    if existing is not None:
        return existing
    text = (TEXTS / "1.da.md").read_text(encoding="utf-8")
    text_en = (TEXTS / "1.en.md").read_text(encoding="utf-8")
    try:
        return await publish_version(
            VersionPublish(
                version="1",
                title="Adfærdskodeks for leverandørpartnere",
                text=text,
                text_en=text_en,
                effective_from=SEED_EFFECTIVE_FROM,
                grace_days=0,
            ),
            actor=None,
        )
    except Conflict:
        found = await get_version("1")
        assert found is not None
        return found


def version_json(version: ConductVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "version": version.label,
        "title": version.title,
        "text": version.text,
        "text_en": version.text_en,
        "sha256": version.sha256,
        "effective_from": version.effective_from.isoformat(),
        "grace_days": version.grace_days,
        "published_at": clock.to_local(version.published_at).isoformat(),
    }


# --- signing -------------------------------------------------------------------------------


async def sign(
    vendor: Vendor, user: User, data: Signing, *, address: str = "", user_agent: str = ""
) -> Signature:
    """Record a vendor_admin's signature of one version, with an audit event and a receipt."""
    if not user.has_role("vendor_admin") or user.organisation_id != vendor.organisation_id:
        raise NotVendorAdmin(_("Only an administrator of this vendor may sign for it."))
    version = await get_version(data.version) if data.version else None
    errors: dict[str, str] = {}
    if version is None:
        errors["version"] = _("There is no published version with this label.")
    else:
        current = await current_version()
        if current is not None and version.effective_from < current.effective_from:
            errors["version"] = _("This version is no longer in force: sign version %(v)s.") % {
                "v": current.label
            }
        elif data.sha256.lower() != version.sha256:
            errors["sha256"] = _(
                "The text you saw is not the text of this version. "
                "Reload the page and read it again."
            )
    if not data.signer_name:
        errors["signer_name"] = _("Type your full name.")
    if not data.signer_title:
        errors["signer_title"] = _("Type your title.")
    if not data.accept:
        errors["accept"] = _("Tick the box to accept the Code of Conduct.")
    if errors:
        raise ValidationFailed(str(Signing.failure_message), errors)
    assert version is not None
    try:
        async with transaction():
            signature = await Signature.create(
                vendor=vendor,
                version=version,
                sha256=version.sha256,
                user=user,
                signer_name=data.signer_name,
                signer_title=data.signer_title,
                signed_at=clock.now(),
                address=address[:64],
                user_agent=user_agent[:300],
            )
            await record(
                "conduct.signed",
                actor=user,
                object_type="signature",
                object_id=signature.id,
                address=address,
                after={
                    "vendor": vendor.id,
                    "version": version.label,
                    "sha256": version.sha256,
                    "signer_name": signature.signer_name,
                    "signer_title": signature.signer_title,
                },
            )
            await refresh_standing([vendor.id])
            await after_commit("conduct_changed", vendor.id, clock.now().isoformat())
    except IntegrityError as exc:
        raise AlreadyDone(
            _("%(vendor)s has already signed version %(v)s.")
            % {"vendor": vendor.name, "v": version.label}
        ) from exc

    signature.version = version
    signature.vendor = vendor
    await queue_mail(
        to=user.email,
        template="conduct/signature_receipt",
        key=f"conduct-signature:{signature.id}",
        language=user.language,
        signature=signature,
        version=version,
        vendor=vendor,
    )
    return signature


async def get_signature(signature_id: int) -> Signature | None:
    if not 0 < signature_id <= 2**31 - 1:
        return None
    return await Signature.get_or_none(id=signature_id).select_related("vendor", "version", "user")


async def signature_decisions(signature: Signature) -> list[SignatureDecision]:
    return list(await SignatureDecision.filter(signature_id=signature.id).order_by("id"))


async def signature_for_vendor(vendor: Vendor, signature_id: int) -> Signature:
    signature = await get_signature(signature_id)
    if signature is None or signature.vendor_id != vendor.id:
        raise NotFound(_("No such signature."))
    return signature


# --- the secretariat's decisions -----------------------------------------------------------

# Which decision may follow which signature status: the one place transitions are decided.
TRANSITIONS = {
    Decision.COUNTERSIGNED: {"pending"},
    Decision.REJECTED: {"pending"},
    Decision.REVOKED: {Decision.COUNTERSIGNED},
}


async def decide_signature(
    signature_id: int, decision: str, *, actor: User, reason: str = "", address: str = ""
) -> SignatureDecision:
    """Countersign, reject or revoke a signature, once; audited in the same transaction."""
    signature = await get_signature(signature_id)
    if signature is None:
        raise NotFound(_("No such signature."))
    reason = reason.strip().replace("\x00", "")
    if decision in (Decision.REJECTED, Decision.REVOKED) and not reason:
        raise ValidationFailed(_("Give a reason."), {"reason": _("Give a reason.")})
    status = signature_status(signature, await signature_decisions(signature))
    if status not in TRANSITIONS[decision]:
        raise WrongStatus(
            _("This signature is %(status)s: it cannot be %(decision)s now.")
            % {"status": _(status), "decision": _(decision)}
        )
    try:
        async with transaction():
            row = await SignatureDecision.create(
                signature=signature,
                stage=Decision.STAGE[decision],
                decision=decision,
                reason=reason[:2000],
                user=actor,
                decided_at=clock.now(),
            )
            await record(
                f"conduct.{decision}",
                actor=actor,
                object_type="signature",
                object_id=signature.id,
                address=address,
                note=reason,
                before={"status": status},
                after={"status": decision},
            )
            await refresh_standing([signature.vendor_id])
            await after_commit("conduct_changed", signature.vendor_id, clock.now().isoformat())
    except IntegrityError as exc:
        raise AlreadyDone(_("This signature has already been decided.")) from exc
    await _mail_decision(signature, row)
    return row


async def _mail_decision(signature: Signature, decision: SignatureDecision) -> None:
    await queue_mail(
        to=signature.user.email,
        template="conduct/decision",
        key=f"conduct-decision:{decision.id}",
        language=signature.user.language,
        signature=signature,
        decision=decision,
    )


# --- the register and the desk -------------------------------------------------------------


@dataclass
class RegisterRow:
    vendor: Vendor
    standing: Standing


def _check_status(status: str) -> None:
    if status and status not in REGISTER_STATUSES:
        raise ValidationFailed(
            _("Unknown status."),
            {"status": _("One of: %(list)s.") % {"list": ", ".join(REGISTER_STATUSES)}},
        )


def _searched(query: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    text = q.strip()
    if not text:
        return query
    if text.isdigit():
        return query.filter(cvr__startswith=text)
    found = search.matching(text)
    return query if found is None else query.filter(found)


async def register(
    *, status: str = "", state: str = "", q: str = "", at: dt.datetime | None = None
) -> list[RegisterRow]:
    """Every vendor with its standing; filtered by register status, state or a search."""
    _check_status(status)
    vendors = list(await _searched(Vendor.all().order_by("name"), q))
    found = await standings(vendors, at)
    await _load_signers(found.values())
    rows = [RegisterRow(v, found[v.id]) for v in vendors]
    if status:
        rows = [r for r in rows if r.standing.register_status == status]
    if state:
        rows = [r for r in rows if r.standing.state == state]
    return rows


async def register_page(
    *, status: str = "", state: str = "", q: str = "", page: int = 1, per_page: int = 50
) -> tuple[list[RegisterRow], int]:
    """One page of the register now and the total: filtered, counted and paged in SQL on the
    stored standing; the page's vendors are judged in full."""
    _check_status(status)
    await current_standings()
    query = _searched(with_state(Vendor.all(), state=state, status=status), q)
    total = await (
        search.count(query) if q.strip() else count_standings(state=state, status=status)
    )
    known = state if state in State.ALL else ""
    kept = "" if q.strip() else f"register state={known} status={status}"
    vendors = await standing_page(query, page, per_page, kept=kept)
    found = await standings(vendors)
    await _load_signers(found.values())
    return [RegisterRow(v, found[v.id]) for v in vendors], total


async def _load_signers(items: Any) -> None:
    signatures = [s.signature for s in items if s.signature is not None]
    signatures += [s.valid for s in items if s.valid is not None]
    user_ids = {s.user_id for s in signatures}
    users = {u.id: u for u in await User.filter(id__in=list(user_ids))} if user_ids else {}
    for signature in signatures:
        signature.user = users[signature.user_id]


async def state_counts(at: dt.datetime | None = None) -> dict[str, int]:
    if at is None:  # now: counted in SQL on the stored standing
        counts = Counter(await stored_state_counts())
    else:
        counts = Counter(r.standing.state for r in await register(at=at))
    return {state: counts.get(state, 0) for state in State.ALL}


async def _version_counts() -> dict[str, int]:
    """Vendors per signed version label, from every stored standing row (100,000 vendors on
    PostgreSQL: 40-90 ms; kept for the vendor lists' version)."""
    rows = await (
        VendorStanding.annotate(n=Count("id"))
        .group_by("version_label")
        .values("version_label", "n")
    )
    return {str(r["version_label"]): int(r["n"]) for r in rows}


async def version_shares(at: dt.datetime | None = None) -> list[tuple[str, int, int]]:
    """(version label, vendors whose valid signature is of it, all vendors), newest first."""
    if at is None:
        await current_standings()
        counts = Counter(
            await listcache.kept("vendors", "standing: vendors per version", _version_counts)
        )
    else:
        counts = Counter(r.standing.signed_version or "" for r in await register(at=at))
    total = sum(counts.values())
    versions = await list_versions()
    shares = [(v.label, counts.get(v.label, 0), total) for v in versions]
    shares.append(("", counts.get("", 0), total))
    return shares


# Signatures without a first decision, oldest first: an anti-join the database runs as one
# (the same rows as excluding the first decisions' signature ids, which read every decision
# into a hash per query: 100,000 vendors on PostgreSQL 100-150 ms, this 50-70 ms).
PENDING_IDS = """
    SELECT s.id FROM conduct_signature s
    WHERE NOT EXISTS (
        SELECT 1 FROM conduct_signature_decision d WHERE d.signature_id = s.id AND d.stage = 1)
    ORDER BY s.signed_at, s.id
"""


async def pending_signatures(limit: int | None = None) -> list[Signature]:
    """Signatures awaiting a first decision, oldest first (the first `limit` of them): their
    ids from PENDING_IDS (kept, see below), then the rows with their vendor, version and user."""
    sql = PENDING_IDS + (f" LIMIT {int(limit)}" if limit else "")

    async def pending_ids() -> list[int]:
        rows = await connections.get("default").execute_query_dict(sql)
        return [int(r["id"]) for r in rows]

    # Of the vendor lists' tables: the ids are kept for their version (100,000 vendors on
    # PostgreSQL: the anti-join takes 50-100 ms), the rows are read afresh.
    ids = list(await listcache.kept("vendors", f"conduct: {sql}", pending_ids))
    if not ids:
        return []
    # The versions apart: joined, each row carried its version's whole text (a few, large).
    rows = {s.id: s for s in await Signature.filter(id__in=ids).select_related("vendor", "user")}
    version_ids = {s.version_id for s in rows.values()}
    versions = {v.id: v for v in await ConductVersion.filter(id__in=list(version_ids))}
    for signature in rows.values():
        signature.version = versions[signature.version_id]
    return [rows[i] for i in ids]


async def pending_count() -> int:
    """Signatures without a first decision: every signature less every first decision (one
    per signature at most, by the unique stage), two counts in one statement instead of the
    signatures filtered against the decisions (100,000 vendors: 20-40 ms, was 110-230).
    Both tables are of the vendor lists: kept for their version (market.listcache.kept)."""
    return await listcache.kept("vendors", "conduct: pending signatures", _pending_count)


async def _pending_count() -> int:
    rows = await connections.get("default").execute_query_dict(
        "SELECT (SELECT COUNT(*) FROM conduct_signature)"
        " - (SELECT COUNT(*) FROM conduct_signature_decision WHERE stage = 1) AS n"
    )
    return int(rows[0]["n"])


def _local(value: dt.datetime | None) -> str:
    return clock.to_local(value).isoformat() if value else ""


def register_item(row: RegisterRow) -> dict[str, Any]:
    s = row.standing
    signature = s.signature or s.valid
    return {
        "vendor": {"id": row.vendor.id, "name": row.vendor.name, "cvr": row.vendor.cvr},
        "vendor_id": row.vendor.id,
        "status": s.register_status,
        "state": s.state,
        "eligible": s.eligible,
        "id": signature.id if signature else None,  # the signature the row is about
        "signature_id": signature.id if signature else None,
        "version": signature.version.label if signature else None,
        "signer_name": signature.signer_name if signature else None,
        "signer_title": signature.signer_title if signature else None,
        "signed_at": _local(signature.signed_at) if signature else None,
        "signature_status": s.signature_status or None,
        "current_version": s.current.label if s.current else None,
        "grace_ends": s.grace_ends.isoformat() if s.grace_ends else None,
        "reasons": s.reasons,
    }


# Headers in the reader's language; states and statuses stay codes, so a sheet can filter on them.
CSV_COLUMNS = [
    _l("Vendor ID"),
    _l("Vendor"),
    _l("CVR number"),
    _l("Size"),
    _l("State"),
    _l("Register status"),
    _l("Eligible"),
    _l("Version"),
    _l("Signature status"),
    _l("Signer"),
    _l("Signer's title"),
    _l("Signed by"),
    _l("Signed"),
    _l("Current version"),
    _l("Grace period ends"),
    _l("Suspended"),
]


async def register_csv(at: dt.datetime | None = None) -> str:
    """The signature register of every vendor as CSV for a spreadsheet in the reader's
    language (market.exports.spreadsheet_csv)."""
    lines = []
    for row in await register(at=at):
        s = row.standing
        signature = s.signature or s.valid
        lines.append(
            [
                row.vendor.id,
                row.vendor.name,
                row.vendor.cvr,
                row.vendor.size_class,
                s.state,
                s.register_status,
                _("yes") if s.eligible else _("no"),
                exports.version(signature.version.label if signature else ""),
                s.signature_status,
                signature.signer_name if signature else "",
                signature.signer_title if signature else "",
                signature.user.email if signature else "",
                _local(signature.signed_at) if signature else "",
                exports.version(s.current.label if s.current else ""),
                s.grace_ends.isoformat() if s.grace_ends else "",
                _local(row.vendor.suspended_at),
            ]
        )
    return exports.spreadsheet_csv(lines, header=[str(c) for c in CSV_COLUMNS])


# --- reminders -----------------------------------------------------------------------------

REMIND_STATES = (State.NOT_SIGNED, State.AWAITING, State.OUTDATED)


def reminder_bucket(at: dt.datetime, interval_days: int) -> int:
    return clock.to_local(at).date().toordinal() // max(interval_days, 1)


async def send_conduct_reminders(interval_days: int, at: dt.datetime | None = None) -> int:
    """Remind every vendor that must act, at most once per interval; safe to run twice."""
    at = at or clock.now()
    bucket = reminder_bucket(at, interval_days)
    since = at - dt.timedelta(days=interval_days)
    recent = set(
        await column(ConductReminder.filter(sent_at__gt=since).values_list("vendor_id", flat=True))
    )
    sent = 0
    for row in await register(at=at):
        if row.standing.state not in REMIND_STATES or row.vendor.id in recent:
            continue
        if await _remind(row, bucket=bucket, kind="scheduled", at=at, actor=None):
            sent += 1
    return sent


async def remind_now(vendor: Vendor, *, actor: User, address: str = "") -> int:
    """The secretariat's "send reminder now": not limited by the interval."""
    rows = [r for r in await register() if r.vendor.id == vendor.id]
    if not rows:
        raise NotFound(_("No such vendor."))
    await _remind(rows[0], bucket=None, kind="manual", at=clock.now(), actor=actor, address=address)
    return 1


async def _remind(
    row: RegisterRow,
    *,
    bucket: int | None,
    kind: str,
    at: dt.datetime,
    actor: User | None,
    address: str = "",
) -> bool:
    try:
        async with transaction():
            reminder = await ConductReminder.create(
                vendor=row.vendor, bucket=bucket, kind=kind, state=row.standing.state, sent_at=at
            )
            await record(
                "conduct.reminded",
                actor=actor,
                object_type="vendor",
                object_id=row.vendor.id,
                address=address,
                after={"state": row.standing.state, "kind": kind},
            )
    except IntegrityError:
        return False  # another run of the job got here first
    admins = await User.filter(organisation_id=row.vendor.organisation_id, is_active=True)
    for user in admins:
        if not user.has_role("vendor_admin"):
            continue
        key = (
            f"conduct-reminder:{row.vendor.id}:{bucket}:{user.id}"
            if bucket is not None
            else f"conduct-reminder-manual:{reminder.id}:{user.id}"
        )
        await queue_mail(
            to=user.email,
            template="conduct/reminder",
            key=key,
            language=user.language,
            vendor=row.vendor,
            standing=row.standing,
            user=user,
        )
    return True


async def last_reminders(vendor_ids: list[int]) -> dict[int, dt.datetime]:
    rows = await ConductReminder.filter(vendor_id__in=vendor_ids).order_by("sent_at")
    return {r.vendor_id: r.sent_at for r in rows}


@dataclass
class SignatureView:
    signature: Signature
    status: str
    decisions: list[SignatureDecision]


async def vendor_signatures(vendor: Vendor) -> list[SignatureView]:
    """A vendor's signatures with their status, newest first."""
    rows = list(
        await Signature.filter(vendor_id=vendor.id)
        .select_related("version", "user")
        .order_by("-signed_at")
    )
    decisions = (
        list(await SignatureDecision.filter(signature_id__in=[r.id for r in rows])) if rows else []
    )
    return [
        SignatureView(
            r, signature_status(r, decisions), [d for d in decisions if d.signature_id == r.id]
        )
        for r in rows
    ]


async def seed_if_migrated() -> bool:
    """`market migrate` seeds version 1; a database without the conduct tables is left alone."""
    try:
        await ensure_seed_conduct()
    except OperationalError:
        return False
    return True
