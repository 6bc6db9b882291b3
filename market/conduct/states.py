"""A vendor's Code of Conduct state and its eligibility: decided here and nowhere else.

Matching and bidding call `eligibility` / `eligibility_many`. The state comes from the
versions in force, the vendor's signatures and the secretariat's decisions at a moment `at`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from market import clock
from market.conduct.models import ConductVersion, Decision, Signature, SignatureDecision
from market.i18n import coded, render_message
from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.vendors.models import Vendor


class State:
    NOT_SIGNED = "not_signed"
    AWAITING = "awaiting_countersignature"
    ACTIVE = "active"
    OUTDATED = "outdated"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    ALL = (NOT_SIGNED, AWAITING, ACTIVE, OUTDATED, REJECTED, SUSPENDED, REVOKED)


# What the signature register calls the vendor's standing (API: GET /signatures?status=).
REGISTER_STATUS = {
    State.NOT_SIGNED: "missing",
    State.AWAITING: "pending",
    State.ACTIVE: "active",
    State.OUTDATED: "outdated",
    State.REJECTED: "rejected",
    State.REVOKED: "revoked",
}
REGISTER_STATUSES = ("pending", "active", "outdated", "missing", "revoked", "rejected")

STATE_LABELS = {
    State.NOT_SIGNED: "Not signed",
    State.AWAITING: "Awaiting countersignature",
    State.ACTIVE: "Active",
    State.OUTDATED: "Outdated",
    State.REJECTED: "Rejected",
    State.SUSPENDED: "Suspended",
    State.REVOKED: "Revoked",
}


def signature_status(signature: Signature, decisions: Sequence[SignatureDecision]) -> str:
    """pending, countersigned, rejected or revoked: the latest decision decides."""
    kinds = {d.decision for d in decisions if d.signature_id == signature.id}
    if Decision.REVOKED in kinds:
        return Decision.REVOKED
    if Decision.REJECTED in kinds:
        return Decision.REJECTED
    if Decision.COUNTERSIGNED in kinds:
        return Decision.COUNTERSIGNED
    return "pending"


@dataclass
class Standing:
    vendor_id: int
    state: str
    eligible: bool
    # Coded messages (market.i18n.coded): rendered in the reader's language when read.
    reason_codes: list[str] = field(default_factory=list)
    current: ConductVersion | None = None
    signature: Signature | None = None  # the signature the state is about, if any
    signature_status: str = ""
    valid: Signature | None = None  # the countersigned signature that keeps it eligible
    grace_ends: dt.date | None = None
    underlying: str = ""  # the state without a suspension (for the register)

    @property
    def reasons(self) -> list[str]:
        return [render_message(code) for code in self.reason_codes]

    @reasons.setter
    def reasons(self, codes: list[str]) -> None:
        self.reason_codes = list(codes)

    @property
    def register_status(self) -> str:
        return REGISTER_STATUS.get(self.underlying or self.state, "missing")

    @property
    def signed_version(self) -> str:
        return self.valid.version.label if self.valid else ""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    state: str
    reasons: list[str]  # in the current language
    reason_codes: tuple[str, ...] = ()  # to store (shortlists), rendered when read


def in_force(versions: Iterable[ConductVersion], today: dt.date) -> ConductVersion | None:
    """The latest version with effective_from on or before `today`."""
    candidates = [v for v in versions if v.effective_from <= today]
    return max(candidates, key=lambda v: (v.effective_from, v.id), default=None)


def decide(
    vendor: Vendor,
    versions: Sequence[ConductVersion],
    signatures: Sequence[Signature],
    decisions: Sequence[SignatureDecision],
    at: dt.datetime,
) -> Standing:
    """THE state function: pure, from rows already loaded."""
    today = clock.to_local(at).date()
    signatures = [s for s in signatures if s.signed_at <= at]
    decisions = [d for d in decisions if d.decided_at <= at]
    by_id = {v.id: v for v in versions}
    for signature in signatures:
        signature.version = by_id[signature.version_id]
    standing = _unsuspended(vendor.id, in_force(versions, today), signatures, decisions, today)
    standing.underlying = standing.state
    if vendor.suspended_at is not None and vendor.suspended_at <= at:
        standing.state = State.SUSPENDED
        standing.eligible = False
        standing.reasons = [
            coded(
                _l("The vendor is suspended by the secretariat: %(reason)s"),
                reason=vendor.suspension_reason or "-",
            )
        ]
    return standing


def _unsuspended(
    vendor_id: int,
    current: ConductVersion | None,
    signatures: list[Signature],
    decisions: list[SignatureDecision],
    today: dt.date,
) -> Standing:
    if current is None:
        return Standing(
            vendor_id, State.NOT_SIGNED, False, [coded(_l("No Code of Conduct is in force yet."))]
        )
    status = {s.id: signature_status(s, decisions) for s in signatures}
    grace_ends = current.effective_from + dt.timedelta(days=current.grace_days)
    in_grace = today < grace_ends
    older_valid = max(
        (
            s
            for s in signatures
            if status[s.id] == Decision.COUNTERSIGNED
            and s.version.effective_from < current.effective_from
        ),
        key=lambda s: (s.version.effective_from, s.version_id),
        default=None,
    )
    standing = Standing(vendor_id, State.NOT_SIGNED, False, current=current, grace_ends=grace_ends)
    mine = next((s for s in signatures if s.version_id == current.id), None)
    label = current.label
    if mine is not None:
        standing.signature, standing.signature_status = mine, status[mine.id]
        if status[mine.id] == Decision.COUNTERSIGNED:
            standing.state, standing.eligible, standing.valid = State.ACTIVE, True, mine
            return standing
        if status[mine.id] == Decision.REJECTED:
            standing.state = State.REJECTED
            standing.reasons = [
                coded(
                    _l("The signature of Code of Conduct version %(v)s was rejected: %(reason)s"),
                    v=label,
                    reason=_reason(mine, decisions),
                )
            ]
            return standing
        if status[mine.id] == Decision.REVOKED:
            standing.state = State.REVOKED
            standing.reasons = [
                coded(
                    _l("The signature of Code of Conduct version %(v)s was revoked: %(reason)s"),
                    v=label,
                    reason=_reason(mine, decisions),
                )
            ]
            return standing
        standing.state = State.AWAITING
        standing.reasons = [
            coded(
                _l(
                    "The signature of Code of Conduct version %(v)s awaits the "
                    "secretariat's countersignature"
                ),
                v=label,
            )
        ]
        if older_valid is not None and in_grace:
            standing.eligible, standing.valid = True, older_valid
        return standing
    if older_valid is not None:
        standing.state, standing.valid = State.OUTDATED, older_valid
        standing.signature = older_valid
        standing.signature_status = Decision.COUNTERSIGNED
        standing.eligible = in_grace
        if in_grace:
            standing.reasons = [
                coded(
                    _l(
                        "Code of Conduct version %(v)s is in force: sign it before "
                        "%(date)s to stay eligible"
                    ),
                    v=label,
                    date=grace_ends.isoformat(),
                )
            ]
        else:
            standing.reasons = [
                coded(
                    _l(
                        "Code of Conduct version %(v)s is not signed and the grace "
                        "period ended on %(date)s"
                    ),
                    v=label,
                    date=grace_ends.isoformat(),
                )
            ]
        return standing
    revoked = [s for s in signatures if status[s.id] == Decision.REVOKED]
    if revoked:
        last = max(revoked, key=lambda s: s.signed_at)
        standing.state, standing.signature = State.REVOKED, last
        standing.signature_status = Decision.REVOKED
        standing.reasons = [
            coded(
                _l("The signature of Code of Conduct version %(v)s was revoked: %(reason)s"),
                v=last.version.label,
                reason=_reason(last, decisions),
            )
        ]
        return standing
    standing.reasons = [coded(_l("Code of Conduct version %(v)s is not signed"), v=label)]
    return standing


def _reason(signature: Signature, decisions: Sequence[SignatureDecision]) -> str:
    texts = [d.reason for d in decisions if d.signature_id == signature.id and d.reason]
    return texts[-1] if texts else "-"


async def standings(
    vendors: Sequence[Vendor], at: dt.datetime | None = None
) -> dict[int, Standing]:
    """Standings of many vendors in three queries (no N+1); none for no vendors."""
    if not vendors:
        return {}
    at = at or clock.now()
    ids = [v.id for v in vendors]
    versions = list(await ConductVersion.all())
    signatures = list(await Signature.filter(vendor_id__in=ids)) if ids else []
    sig_ids = [s.id for s in signatures]
    decisions = list(await SignatureDecision.filter(signature_id__in=sig_ids)) if sig_ids else []
    return decide_many(vendors, versions, signatures, decisions, at)


def decide_many(
    vendors: Sequence[Vendor],
    versions: Sequence[ConductVersion],
    signatures: Sequence[Signature],
    decisions: Sequence[SignatureDecision],
    at: dt.datetime,
) -> dict[int, Standing]:
    """`decide` for many vendors: signatures and decisions grouped by vendor once, so each
    vendor's state reads only its own rows (linear in the rows, not vendors x decisions)."""
    owner = {s.id: s.vendor_id for s in signatures}
    per_vendor: dict[int, list[Signature]] = defaultdict(list)
    for signature in signatures:
        per_vendor[signature.vendor_id].append(signature)
    decided: dict[int, list[SignatureDecision]] = defaultdict(list)
    for decision in decisions:
        if decision.signature_id in owner:
            decided[owner[decision.signature_id]].append(decision)
    return {v.id: decide(v, versions, per_vendor[v.id], decided[v.id], at) for v in vendors}


async def standing(vendor: Vendor, at: dt.datetime | None = None) -> Standing:
    return (await standings([vendor], at))[vendor.id]


async def eligibility(vendor: Vendor | int, at: dt.datetime | None = None) -> Eligibility:
    """May this vendor bid and be matched at `at`? With human-readable reasons.

    Reads the vendor afresh, so a suspension made since it was loaded counts.
    """
    vendor_id = vendor if isinstance(vendor, int) else vendor.id
    found = await eligibility_many([vendor_id], at)
    if vendor_id not in found:
        return Eligibility(
            False, State.NOT_SIGNED, [_("Unknown vendor.")], (coded(_l("Unknown vendor.")),)
        )
    return found[vendor_id]


async def eligibility_many(
    vendor_ids: Iterable[int], at: dt.datetime | None = None
) -> dict[int, Eligibility]:
    """`eligibility` for many vendors at once (unknown ids are left out)."""
    ids = list(vendor_ids)
    return await eligibility_of(list(await Vendor.filter(id__in=ids)), at) if ids else {}


async def eligibility_of(
    vendors: Sequence[Vendor], at: dt.datetime | None = None
) -> dict[int, Eligibility]:
    """`eligibility_many` for vendors read in this request already (a page's own rows: their
    suspension is as fresh as the page)."""
    found = await standings(vendors, at)
    return {
        vid: Eligibility(s.eligible, s.state, s.reasons, tuple(s.reason_codes))
        for vid, s in found.items()
    }
