"""The Code of Conduct: its versions, the vendors' signatures, the secretariat's decisions."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from market.accounts.models import User
from market.vendors.models import Vendor


class RecordImmutable(RuntimeError):
    """Records of consent are never edited or deleted."""


class ImmutableModel(Model):
    class Meta:
        abstract = True

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if self._saved_in_db:
            raise RecordImmutable(f"{type(self).__name__} rows cannot be changed")
        await super().save(*args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise RecordImmutable(f"{type(self).__name__} rows cannot be deleted")


class ConductVersion(ImmutableModel):
    # One published version. The Danish text is binding; sha256 is of its UTF-8 bytes.
    id = fields.IntField(primary_key=True)
    label = fields.CharField(max_length=20, unique=True)
    title = fields.CharField(max_length=200)
    text = fields.TextField()
    text_en = fields.TextField(default="")
    sha256 = fields.CharField(max_length=64)
    effective_from = fields.DateField(db_index=True)
    grace_days = fields.IntField(default=0)
    published_at = fields.DatetimeField()
    published_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="conduct_versions", null=True, on_delete=fields.SET_NULL
    )
    published_by_id: int | None

    class Meta:
        table = "conduct_version"
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return self.label


class Signature(ImmutableModel):
    # A vendor's signature of one version: the record of consent, never changed.
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="signatures", on_delete=fields.RESTRICT
    )
    vendor_id: int
    version: fields.ForeignKeyRelation[ConductVersion] = fields.ForeignKeyField(
        "market.ConductVersion", related_name="signatures", on_delete=fields.RESTRICT
    )
    version_id: int
    sha256 = fields.CharField(max_length=64)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="signatures", on_delete=fields.RESTRICT
    )
    user_id: int
    signer_name = fields.CharField(max_length=200)
    signer_title = fields.CharField(max_length=200)
    signed_at = fields.DatetimeField()
    address = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=300, default="")

    class Meta:
        table = "conduct_signature"
        unique_together = (("vendor", "version"),)
        ordering = ["-signed_at", "-id"]


class Decision:
    COUNTERSIGNED = "countersigned"
    REJECTED = "rejected"
    REVOKED = "revoked"
    # stage 1 settles a pending signature (once); stage 2 revokes a countersigned one (once)
    STAGE = {COUNTERSIGNED: 1, REJECTED: 1, REVOKED: 2}


class SignatureDecision(ImmutableModel):
    # The secretariat's decision on a signature; the unique stage makes each step happen once.
    id = fields.IntField(primary_key=True)
    signature: fields.ForeignKeyRelation[Signature] = fields.ForeignKeyField(
        "market.Signature", related_name="decisions", on_delete=fields.RESTRICT
    )
    signature_id: int
    stage = fields.IntField()
    decision = fields.CharField(max_length=20)
    reason = fields.TextField(default="")
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="signature_decisions", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    decided_at = fields.DatetimeField()

    class Meta:
        table = "conduct_signature_decision"
        unique_together = (("signature", "stage"),)
        ordering = ["id"]


class ConductReminder(Model):
    # One reminder sent to a vendor; `bucket` (days // interval) makes the daily job idempotent.
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="conduct_reminders", on_delete=fields.CASCADE
    )
    vendor_id: int
    bucket = fields.IntField(null=True)
    kind = fields.CharField(max_length=10, default="scheduled")
    state = fields.CharField(max_length=30, default="")
    sent_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "conduct_reminder"
        unique_together = (("vendor", "bucket"),)
        ordering = ["-sent_at"]


class VendorStanding(Model):
    # A vendor's state as `conduct.states.decide` judged it at `computed_at`, stored so lists
    # can filter, count and page in SQL. Rewritten in the transaction of every conduct decision;
    # it holds until `holds_until` (the next version in force or grace end), then is recomputed.
    id = fields.IntField(primary_key=True)
    vendor: fields.OneToOneRelation[Vendor] = fields.OneToOneField(
        "market.Vendor", related_name="standing", on_delete=fields.CASCADE
    )
    vendor_id: int
    # No index on these few values on purpose: lists walk the vendors by name and look each
    # vendor's row up by vendor_id, which beats reading every wide vendor row per state.
    state = fields.CharField(max_length=30)
    register_status = fields.CharField(max_length=20)
    eligible = fields.BooleanField()
    version_label = fields.CharField(max_length=20, default="")  # of the valid signature
    computed_at = fields.DatetimeField()
    holds_until = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "conduct_vendor_standing"
        # standing.current() looks for rows computed after now (the clock set back) on every
        # list: without it, a scan of every row (100,000 vendors: 10-30 ms per list).
        indexes = (("computed_at",),)
