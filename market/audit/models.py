"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditImmutable(RuntimeError):
    """Audit events are never edited or deleted."""


class AuditEvent(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    actor_id = fields.IntField(null=True, db_index=True)
    actor_label = fields.CharField(max_length=254, default="")
    action = fields.CharField(max_length=80, db_index=True)
    object_type = fields.CharField(max_length=40, default="", db_index=True)
    object_id = fields.CharField(max_length=40, default="")
    before: dict[str, Any] | None = fields.JSONField(null=True)
    after: dict[str, Any] | None = fields.JSONField(null=True)
    address = fields.CharField(max_length=64, default="")
    note = fields.TextField(default="")

    class Meta:
        table = "audit_event"
        ordering = ["-id"]

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise AuditImmutable("audit events cannot be changed")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AuditImmutable("audit events cannot be deleted")
