"""Write and read the audit log. Call `record` inside the transaction of the change itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from market.audit.models import AuditEvent
from market.i18n import gettext as _

SealedIds = Callable[[], Awaitable[set[str]]]
# object_type -> the ids of that type's objects that are sealed right now (e.g. bids before
# their task's deadline): their events are listed redacted. Domains register themselves.
_SEALED: dict[str, SealedIds] = {}


def register_sealed(object_type: str, sealed_ids: SealedIds) -> None:
    """Name which objects of a type are sealed now; their events hide actor, vendor and hash."""
    _SEALED[object_type] = sealed_ids


async def record(
    action: str,
    *,
    actor: Any | None = None,
    object_type: str = "",
    object_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str = "",
    note: str = "",
) -> AuditEvent:
    """Append one audit event (who, what, when, before/after)."""
    return await AuditEvent.create(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        before=before,
        after=after,
        address=address[:64],
        note=note,
    )


async def search(
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first; events of sealed objects come redacted, and a search
    by action, object or actor leaves them out (a match would tell who bid)."""
    query = AuditEvent.all()
    if action:
        query = query.filter(action__icontains=action)
    if object_type:
        query = query.filter(object_type=object_type)
    if object_id:
        query = query.filter(object_id=object_id)
    if actor:
        query = query.filter(actor_label__icontains=actor)
    sealed = {kind: await sealed_ids() for kind, sealed_ids in _SEALED.items()}
    if action or object_id or actor:
        for kind, ids in sealed.items():
            if ids:
                query = query.exclude(object_type=kind, object_id__in=sorted(ids))
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    for event in rows:
        if event.object_id in sealed.get(event.object_type, ()):
            _redact(event)
    return list(rows), total


def _redact(event: AuditEvent) -> None:
    # In memory only: the stored event stays whole and shows in full once unsealed.
    task_id = (event.after or {}).get("task_id", "")
    event.actor_id = None
    event.actor_label = ""
    event.address = ""
    event.action = f"{event.object_type}.changed"
    event.object_id = ""
    event.before = None
    event.after = {"task_id": task_id} if task_id else None
    event.note = _("A bid was changed on task %(task)s (sealed until the deadline).") % {
        "task": task_id
    }


async def object_types() -> list[str]:
    rows = (
        await AuditEvent.all()
        .distinct()
        .order_by("object_type")
        .values_list("object_type", flat=True)
    )
    return [r for r in rows if r]  # type: ignore[misc]
