"""Imported commits (hashed identities only), vendors' declared identities and the per-vendor,
per-product, per-month figures derived from them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from market.solutions.models import Solution
from market.vendors.models import Vendor


class IdentityKind:
    DOMAIN = "domain"
    EMAIL = "email"
    NAME = "name"
    ALL = (DOMAIN, EMAIL, NAME)


class ContributionSource(Model):
    # One per solution: where its history comes from and how the last import went.
    id = fields.IntField(primary_key=True)
    solution: fields.OneToOneRelation[Solution] = fields.OneToOneField(
        "market.Solution", related_name="contribution_source", on_delete=fields.CASCADE
    )
    solution_id: int
    location = fields.CharField(max_length=500, default="")
    last_head = fields.CharField(max_length=64, default="")
    commits = fields.IntField(default=0)
    unmatched_authors = fields.IntField(default=0)
    imported_at = fields.DatetimeField(null=True)
    last_message = fields.TextField(default="")
    last_error = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contribution_source"


class ImportedCommit(Model):
    # A commit as the matching needs it: hashes of the author's address, name and domain,
    # never the values. `key` is the same for a commit and its rebased copy.
    id = fields.IntField(primary_key=True)
    solution: fields.ForeignKeyRelation[Solution] = fields.ForeignKeyField(
        "market.Solution", related_name="imported_commits", on_delete=fields.CASCADE
    )
    solution_id: int
    key = fields.CharField(max_length=40)
    authored_at = fields.DatetimeField()
    email_hash = fields.CharField(max_length=64, db_index=True)
    name_hash = fields.CharField(max_length=64)
    domain_hash = fields.CharField(max_length=64, db_index=True)
    lines_changed = fields.IntField(default=0)
    files_touched = fields.IntField(default=0)
    languages: dict[str, int] = fields.JSONField(default=dict)

    class Meta:
        table = "contribution_commit"
        unique_together = (("solution", "key"),)


class VendorIdentity(Model):
    # A domain (kept in the clear: it names a company) or an author's address or name (kept as
    # a hash with a masked hint for the secretariat) that a vendor says its people commit with.
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="identities", on_delete=fields.CASCADE
    )
    vendor_id: int
    kind = fields.CharField(max_length=10)
    value_hash = fields.CharField(max_length=64)
    label = fields.CharField(max_length=254)
    declared_at = fields.DatetimeField(auto_now_add=True)
    confirmed_at = fields.DatetimeField(null=True)
    confirmed_by_id = fields.IntField(null=True)
    # Set to value_hash once confirmed: one identity belongs to one vendor at most.
    confirmed_key = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "vendor_identity"
        ordering = ["kind", "label"]
        unique_together = (("vendor", "value_hash"),)

    @property
    def status(self) -> str:
        return "confirmed" if self.confirmed_at else "pending"


class VendorContribution(Model):
    # Derived from the commits and the confirmed identities; rebuilt per solution.
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="contributions", on_delete=fields.CASCADE
    )
    vendor_id: int
    solution: fields.ForeignKeyRelation[Solution] = fields.ForeignKeyField(
        "market.Solution", related_name="vendor_contributions", on_delete=fields.CASCADE
    )
    solution_id: int
    month = fields.DateField()
    commits = fields.IntField(default=0)
    lines_changed = fields.IntField(default=0)
    files_touched = fields.IntField(default=0)
    languages: dict[str, int] = fields.JSONField(default=dict)
    first_commit_at = fields.DatetimeField()
    last_commit_at = fields.DatetimeField()

    class Meta:
        table = "vendor_contribution"
        ordering = ["solution_id", "month"]
        unique_together = (("vendor", "solution", "month"),)
