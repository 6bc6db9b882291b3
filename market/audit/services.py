"""Write and read the audit log. Call `record` inside the transaction of the change itself."""

from __future__ import annotations

from typing import Any

from market.audit.models import AuditEvent


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
    query = AuditEvent.all()
    if action:
        query = query.filter(action__icontains=action)
    if object_type:
        query = query.filter(object_type=object_type)
    if object_id:
        query = query.filter(object_id=object_id)
    if actor:
        query = query.filter(actor_label__icontains=actor)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * per_page).limit(per_page)
    return list(rows), total


async def object_types() -> list[str]:
    rows = (
        await AuditEvent.all()
        .distinct()
        .order_by("object_type")
        .values_list("object_type", flat=True)
    )
    return [r for r in rows if r]  # type: ignore[misc]
