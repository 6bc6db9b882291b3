"""Insight: everything the market keeps about one user, as JSON-ready sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from market import clock
from market.accounts.models import ApiToken, LoginFailure, PasswordReset, Session, User
from market.alerts.models import AlertItem, AlertPreference, SavedSearch
from market.audit.models import AuditEvent
from market.bids.models import (
    Award,
    Bid,
    BidRevision,
    ConflictDeclaration,
    DeliveryRating,
    PanelMember,
    Score,
)
from market.conduct.models import Signature, SignatureDecision
from market.i18n import LazyString
from market.i18n import lazy_gettext as _l
from market.mail.models import OutboxMessage
from market.privacy.models import ErasureRequest
from market.solutions.models import Wish, WishComment, WishSupport
from market.tasks.models import Answer, Invitation, Question, Task, TaskChange
from market.vendors.models import Vendor, VendorInvitation


@dataclass(frozen=True)
class Source:
    key: str
    label: LazyString
    model: type[Model]
    where: Callable[[User], Q]
    fields: tuple[str, ...]


SOURCES: tuple[Source, ...] = (
    Source(
        "sessions",
        _l("Sign-in sessions"),
        Session,
        lambda u: Q(user_id=u.id),
        ("created_at", "last_seen_at", "expires_at", "revoked_at", "address", "user_agent"),
    ),
    Source(
        "api_tokens",
        _l("API tokens"),
        ApiToken,
        lambda u: Q(user_id=u.id),
        ("name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"),
    ),
    Source(
        "password_resets",
        _l("Password reset requests"),
        PasswordReset,
        lambda u: Q(user_id=u.id),
        ("created_at", "expires_at", "used_at"),
    ),
    Source(
        "failed_sign_ins",
        _l("Failed sign-ins"),
        LoginFailure,
        lambda u: Q(email=u.email),
        ("created_at", "address"),
    ),
    Source(
        "mails",
        _l("E-mails to you"),
        OutboxMessage,
        lambda u: Q(to_email=u.email),
        ("created_at", "sent_at", "status", "subject", "body_text"),
    ),
    Source(
        "audit_events",
        _l("Audit log events by or about you"),
        AuditEvent,
        lambda u: Q(actor_id=u.id) | Q(object_type="user", object_id=str(u.id)),
        ("at", "action", "object_type", "object_id", "before", "after", "address", "note"),
    ),
    Source(
        "signatures",
        _l("Code of Conduct signatures"),
        Signature,
        lambda u: Q(user_id=u.id),
        (
            *("vendor_id", "version__label", "sha256", "signer_name", "signer_title"),
            *("signed_at", "address", "user_agent"),
        ),
    ),
    Source(
        "vendor_invitations",
        _l("Invitations to join a vendor"),
        VendorInvitation,
        lambda u: Q(email=u.email),
        ("vendor_id", "role", "created_at", "expires_at", "accepted_at"),
    ),
    Source(
        "bids",
        _l("Bids you started"),
        Bid,
        lambda u: Q(created_by_id=u.id),
        ("id", "task_id", "vendor_id", "created_at", "submitted_at", "submitted_sha256"),
    ),
    Source(
        "bid_revisions",
        _l("Bid versions you saved"),
        BidRevision,
        lambda u: Q(created_by_id=u.id),
        ("bid_id", "number", "kind", "sha256", "created_at"),
    ),
    Source(
        "tasks",
        _l("Tasks you created"),
        Task,
        lambda u: Q(created_by_id=u.id),
        ("id", "title", "status", "created_at"),
    ),
    Source(
        "task_changes",
        _l("Changes you made to published tasks"),
        TaskChange,
        lambda u: Q(actor_id=u.id),
        ("task_id", "field", "at"),
    ),
    Source(
        "questions",
        _l("Questions you asked"),
        Question,
        lambda u: Q(asked_by_id=u.id),
        ("task_id", "text", "created_at"),
    ),
    Source(
        "answers",
        _l("Answers you wrote"),
        Answer,
        lambda u: Q(answered_by_id=u.id),
        ("question_id", "text", "created_at", "published_at"),
    ),
    Source(
        "wishes",
        _l("Wishes you wrote"),
        Wish,
        lambda u: Q(author_id=u.id),
        ("id", "solution_id", "title", "created_at"),
    ),
    Source(
        "wish_comments",
        _l("Your comments on wishes"),
        WishComment,
        lambda u: Q(author_id=u.id),
        ("wish_id", "text", "created_at"),
    ),
    Source(
        "wish_supports",
        _l("Wishes you supported"),
        WishSupport,
        lambda u: Q(user_id=u.id),
        ("wish_id", "pledge_dkk", "created_at"),
    ),
    Source(
        "evaluation_panels",
        _l("Evaluation panels you are on"),
        PanelMember,
        lambda u: Q(user_id=u.id),
        ("task_id", "added_at"),
    ),
    Source(
        "conflict_declarations",
        _l("Your conflict-of-interest declarations"),
        ConflictDeclaration,
        lambda u: Q(user_id=u.id),
        ("task_id", "no_conflict", "conflict_vendor_ids", "declared_at"),
    ),
    Source(
        "scores",
        _l("Scores you gave"),
        Score,
        lambda u: Q(evaluator_id=u.id),
        ("bid_id", "criterion", "value", "updated_at"),
    ),
    Source(
        "awards",
        _l("Awards you made"),
        Award,
        lambda u: Q(awarded_by_id=u.id),
        ("task_id", "bid_id", "awarded_at"),
    ),
    Source(
        "delivery_ratings",
        _l("Deliveries you rated"),
        DeliveryRating,
        lambda u: Q(rated_by_id=u.id),
        ("task_id", "vendor_id", "quality", "on_time", "accepted", "rated_at"),
    ),
    Source(
        "alert_preferences",
        _l("Your alert preferences"),
        AlertPreference,
        lambda u: Q(user_id=u.id),
        ("frequency", "codes", "products", "min_budget_dkk", "language", "reminders"),
    ),
    Source(
        "saved_searches",
        _l("Searches kept as alerts"),
        SavedSearch,
        lambda u: Q(user_id=u.id),
        ("query", "codes", "created_at"),
    ),
    Source(
        "alerts",
        _l("Alerts about tasks sent to you"),
        AlertItem,
        lambda u: Q(user_id=u.id),
        ("task_id", "source", "created_at", "delivered_at"),
    ),
    Source(
        "signature_decisions",
        _l("Decisions you made on signatures"),
        SignatureDecision,
        lambda u: Q(user_id=u.id),
        ("signature_id", "decision", "reason", "decided_at"),
    ),
    Source(
        "task_invitations",
        _l("Vendors you invited to bid"),
        Invitation,
        lambda u: Q(invited_by_id=u.id),
        ("task_id", "vendor_id", "created_at"),
    ),
    Source(
        "erasure_requests",
        _l("Your erasure requests"),
        ErasureRequest,
        lambda u: Q(user_id=u.id),
        ("id", "requested_at", "decided_at", "completed_at", "rejection_reason"),
    ),
)
LABELS = {s.key: s.label for s in SOURCES}


def plain(value: Any) -> Any:
    """A JSON-ready value: times in the community's zone, ISO 8601."""
    if isinstance(value, dt.datetime):
        return clock.to_local(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


async def _account(user: User) -> dict[str, Any]:
    await user.fetch_related("organisation")
    vendor = await Vendor.get_or_none(organisation_id=user.organisation_id)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "roles": list(user.roles),
        "active": user.is_active,
        "organisation": user.organisation.name,
        "vendor_id": vendor.id if vendor else None,
        "created_at": plain(user.created_at),
        "last_login_at": plain(user.last_login_at),
        "password_changed_at": plain(user.password_changed_at),
    }


async def collect(user: User) -> dict[str, Any]:
    """Every row the market keeps about `user`, by section (see SOURCES)."""
    data: dict[str, Any] = {
        "generated_at": plain(clock.now()),
        "account": await _account(user),
    }
    for source in SOURCES:
        rows = await source.model.filter(source.where(user)).order_by("id").values(*source.fields)
        data[source.key] = [
            {name.replace("__", "_"): plain(value) for name, value in row.items()} for row in rows
        ]
    return data
