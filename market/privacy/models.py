"""Erasure requests and the retention periods the secretariat sets."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from market.accounts.models import User


class ErasureStatus:
    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


class ErasureRequest(Model):
    # A person's request to be erased; the secretariat approves (carries it out) or rejects.
    # `pending_user_id` is the user's id while the request is open and NULL afterwards: the
    # unique index allows one open request per user.
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="erasure_requests", on_delete=fields.RESTRICT
    )
    user_id: int
    pending_user_id = fields.IntField(null=True, unique=True)
    requested_at = fields.DatetimeField()
    requested_by_id = fields.IntField(null=True)
    reason = fields.TextField(default="")
    # A vendor's last administrator names a successor or asks for the vendor to be closed.
    successor_id = fields.IntField(null=True)
    close_vendor = fields.BooleanField(default=False)
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.IntField(null=True)
    rejection_reason = fields.TextField(default="")
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "privacy_erasure_request"
        ordering = ["-id"]

    @property
    def status(self) -> str:
        if self.completed_at is not None:
            return ErasureStatus.COMPLETED
        if self.decided_at is not None:
            return ErasureStatus.REJECTED
        return ErasureStatus.PENDING


class RetentionPeriod(Model):
    # A period the secretariat changed from its default (see privacy.register.PERIODS).
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=40, unique=True)
    days = fields.IntField()
    updated_by_id = fields.IntField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "privacy_retention_period"


class TeamRedaction(Model):
    # An erased user named in a bid's team: the revision's content keeps the name (its hash
    # covers it), pages and the API show the pseudonym. Holds no name itself.
    id = fields.IntField(primary_key=True)
    revision_id = fields.IntField(db_index=True)
    position = fields.IntField()
    user_id = fields.IntField()

    class Meta:
        table = "privacy_team_redaction"
        unique_together = (("revision_id", "position"),)
