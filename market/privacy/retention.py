"""Retention: the daily job that deletes or anonymises personal data past its period.

Each rule finds what is past its period and not yet handled, so a second run the same day finds
nothing (idempotent). `plan` is the dry run: the same queries, counted, nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from market import clock
from market.accounts.models import ApiToken, LoginFailure, PasswordReset, Session, User
from market.audit.models import AuditEvent
from market.audit.services import record
from market.db import transaction
from market.i18n import LazyString
from market.mail.models import MailStatus, OutboxMessage
from market.privacy import services
from market.privacy.models import RetentionPeriod
from market.privacy.register import PERIOD_KEYS, PERIODS, period
from market.schemas import RequestModel
from market.tasks.models import Task
from market.vendors.models import VendorInvitation

SIGN_IN_EVENTS = ("login.failed", "login.throttled")


@dataclass(frozen=True)
class Outcome:
    key: str
    label: LazyString
    days: int
    cutoff: dt.datetime
    count: int  # rows (or accounts) that go, or went
    kept: int = 0  # past the period but kept (a vendor's last administrator, records)


async def periods() -> dict[str, int]:
    """Days per period: the secretariat's choice, else the documented default."""
    chosen = dict(await RetentionPeriod.all().values_list("key", "days"))
    return {p.key: int(chosen.get(p.key, p.default_days)) for p in PERIODS}


async def set_periods(data: RequestModel, *, actor: User, address: str = "") -> dict[str, int]:
    """Change the periods (a RetentionPeriods: whole days from 1 to 36,500; a period left
    out keeps its value)."""
    before = await periods()
    after = dict(before)
    for key, days in data.model_dump(exclude_none=True).items():
        if key in after:
            after[key] = int(days)
    async with transaction():
        for key in PERIOD_KEYS:
            if after[key] != before[key]:
                updated = await RetentionPeriod.filter(key=key).update(
                    days=after[key], updated_by_id=actor.id, updated_at=clock.now()
                )
                if not updated:
                    await RetentionPeriod.create(
                        key=key, days=after[key], updated_by_id=actor.id, updated_at=clock.now()
                    )
        if after != before:
            await record(
                "privacy.retention_changed",
                actor=actor,
                object_type="retention",
                before=before,
                after=after,
                address=address,
            )
    return after


# --- the rules: each returns (count, kept) and changes nothing unless `apply` -------------

Rule = Callable[[dt.datetime, dt.datetime, bool], Awaitable[tuple[int, int]]]


async def _mail_bodies(cutoff: dt.datetime, now: dt.datetime, apply: bool) -> tuple[int, int]:
    query = OutboxMessage.filter(
        Q(body_text__not="") | Q(body_html__not="") | Q(to_email__not=""),
        status__in=[MailStatus.SENT, MailStatus.KEPT],
        created_at__lt=cutoff,
    )
    count = await query.count()
    if apply and count:
        await query.update(body_text="", body_html="", to_email="")
    return count, 0


async def _sign_in_history(cutoff: dt.datetime, now: dt.datetime, apply: bool) -> tuple[int, int]:
    failures = LoginFailure.filter(created_at__lt=cutoff)
    sessions = Session.filter(Q(address__not="") | Q(user_agent__not=""), created_at__lt=cutoff)
    events = AuditEvent.filter(at__lt=cutoff, address__not="")
    # Failed sign-ins keep the address typed in their note; the event itself is kept.
    typed = AuditEvent.filter(at__lt=cutoff, action__in=SIGN_IN_EVENTS, note__not="")
    count = sum([await q.count() for q in (failures, sessions, events, typed)])
    if apply and count:
        await failures.delete()
        await sessions.update(address="", user_agent="")
        await events.update(address="")  # the address only: the event itself is kept
        await typed.update(note="")
    return count, 0


async def _expired_credentials(
    cutoff: dt.datetime, now: dt.datetime, apply: bool
) -> tuple[int, int]:
    ended = Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    queries: list[QuerySet[Any]] = [
        Session.filter(ended),
        ApiToken.filter(ended),
        PasswordReset.filter(Q(expires_at__lt=cutoff) | Q(used_at__lt=cutoff)),
    ]
    count = sum([await q.count() for q in queries])
    if apply and count:
        for query in queries:
            await query.delete()
    return count, 0


async def _unused_accounts(cutoff: dt.datetime, now: dt.datetime, apply: bool) -> tuple[int, int]:
    candidates = await User.filter(
        Q(last_login_at__lt=cutoff) | Q(last_login_at__isnull=True, created_at__lt=cutoff),
        is_active=True,
    ).order_by("id")
    count = kept = 0
    for user in candidates:
        if services.is_erased(user):
            continue
        if await services.is_last_admin(user):
            kept += 1
            continue
        count += 1
        if apply:
            async with transaction():
                await services.erase_user(user, actor=None)
    return count, kept


async def _unconfirmed(cutoff: dt.datetime, now: dt.datetime, apply: bool) -> tuple[int, int]:
    query = VendorInvitation.filter(accepted_at__isnull=True, expires_at__lt=cutoff)
    count = await query.count()
    if apply and count:
        await query.delete()
    return count, 0


async def _procurement_records(
    cutoff: dt.datetime, now: dt.datetime, apply: bool
) -> tuple[int, int]:
    # Never removed automatically: counted for the secretariat to review.
    return 0, await Task.filter(created_at__lt=cutoff).count()


RULES: dict[str, Rule] = {
    "mail_bodies": _mail_bodies,
    "sign_in_history": _sign_in_history,
    "expired_credentials": _expired_credentials,
    "unused_accounts": _unused_accounts,
    "unconfirmed_registrations": _unconfirmed,
    "procurement_records": _procurement_records,
}


async def _go(apply: bool) -> list[Outcome]:
    now = clock.now()
    days = await periods()
    outcomes = []
    for key in PERIOD_KEYS:
        cutoff = now - dt.timedelta(days=days[key])
        count, kept = await RULES[key](cutoff, now, apply)
        outcomes.append(Outcome(key, period(key).label, days[key], cutoff, count, kept))
    return outcomes


async def plan() -> list[Outcome]:
    """The dry run: what the retention job would delete or anonymise now."""
    return await _go(apply=False)


async def run(*, actor: User | None = None, address: str = "") -> list[Outcome]:
    """Delete or anonymise what is past its period; an audit event says how much."""
    async with transaction():
        outcomes = await _go(apply=True)
        done = {o.key: o.count for o in outcomes if o.count}
        if done:
            await record(
                "privacy.retention_ran",
                actor=actor,
                object_type="retention",
                after=done,
                address=address,
            )
    return outcomes
