"""Published OCDS releases: immutable once written, one row per change of a task."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class OcdsRelease(Model):
    """A release as it was published: never updated, never deleted.

    `sequence` counts the releases of one contracting process (task) from 1; the release's
    `id` is "<ocid>-<sequence>", and `digest` hashes what it says about the task (without its
    id, date and tag), so an unchanged task makes no new release.
    """

    id = fields.IntField(primary_key=True)
    task_id = fields.IntField(db_index=True)
    ocid = fields.CharField(max_length=100, db_index=True)
    sequence = fields.IntField()
    release_id = fields.CharField(max_length=120, unique=True)
    date = fields.DatetimeField()
    tags: list[str] = fields.JSONField(default=list)
    digest = fields.CharField(max_length=64)
    data: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ocds_release"
        ordering = ["id"]
        unique_together = (("task_id", "sequence"),)
