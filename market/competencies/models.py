"""The competency taxonomy and each vendor's competencies and references."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

KINDS = ("cpv", "product", "technology", "domain", "standard")
LEVELS = ("basic", "experienced", "expert")


class Competency(Model):
    # One code of the taxonomy: a CPV code (8 digits), an OS2 product ("os2:os2kitos"), a
    # technology ("tech:python"), a domain ("domain:gis") or a standard ("std:wcag").
    # Retired codes stay on old records but cannot be newly chosen.
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    kind = fields.CharField(max_length=20, db_index=True)
    parent = fields.CharField(max_length=64, default="", db_index=True)
    label_da = fields.CharField(max_length=300)
    label_en = fields.CharField(max_length=300)
    level = fields.IntField(default=1)
    sort = fields.IntField(default=0)
    retired_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "competency"
        ordering = ["kind", "sort", "code"]

    def __str__(self) -> str:
        return self.code


class VendorCompetency(Model):
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.Vendor", related_name="competencies", on_delete=fields.CASCADE
    )
    vendor_id: int
    code = fields.CharField(max_length=64, db_index=True)
    level = fields.CharField(max_length=20, default="experienced")

    class Meta:
        table = "vendor_competency"
        unique_together = (("vendor", "code"),)
        ordering = ["code"]


class VendorReference(Model):
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.Vendor", related_name="references", on_delete=fields.CASCADE
    )
    vendor_id: int
    position = fields.IntField(default=0)
    title = fields.CharField(max_length=300)
    customer = fields.CharField(max_length=300, default="")
    year = fields.IntField(null=True)
    description = fields.TextField(default="")
    codes: list[str] = fields.JSONField(default=list)

    class Meta:
        table = "vendor_reference"
        ordering = ["position", "id"]


class MatchingIndexState(Model):
    # When the matching index last took in a vendor's profile (filled by refresh_vendor_index).
    id = fields.IntField(primary_key=True)
    vendor: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "market.Vendor", related_name="matching_index_state", on_delete=fields.CASCADE
    )
    vendor_id: int
    profile_updated_at = fields.DatetimeField(null=True)
    refreshed_at = fields.DatetimeField()
    runs = fields.IntField(default=0)

    class Meta:
        table = "matching_index_state"
