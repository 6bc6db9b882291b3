"""Vendor partners: the companies that bid. A vendor is also an Organisation (its users)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from market.accounts.models import Organisation, User

SIZE_CLASSES = ("micro", "small", "medium", "large")
SME_CLASSES = SIZE_CLASSES[:3]  # small and medium-sized enterprises: under 250 employees


def size_class_for(employees: int) -> str:
    """EU size class from the number of employees."""
    if employees < 10:
        return "micro"
    if employees < 50:
        return "small"
    if employees < 250:
        return "medium"
    return "large"


class Vendor(Model):
    id = fields.IntField(primary_key=True)
    organisation: fields.OneToOneRelation[Organisation] = fields.OneToOneField(
        "market.Organisation", related_name="vendor", on_delete=fields.RESTRICT
    )
    organisation_id: int
    name = fields.CharField(max_length=200)
    cvr = fields.CharField(max_length=8, unique=True)
    address = fields.CharField(max_length=300, default="")
    website = fields.CharField(max_length=300, default="")
    employees = fields.IntField(default=1)
    contact_name = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=254, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    # Suspension is decided by the secretariat; the conduct module derives the state.
    suspended_at = fields.DatetimeField(null=True)
    suspension_reason = fields.TextField(default="")
    # Competency profile
    profile_text_da = fields.TextField(default="")
    profile_text_en = fields.TextField(default="")
    hourly_rate_dkk = fields.IntField(null=True)
    capacity_hours_per_month = fields.IntField(null=True)
    capacity_from = fields.DateField(null=True)
    team_size = fields.IntField(null=True)
    working_languages: list[str] = fields.JSONField(default=list)
    profile_updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "vendor"
        ordering = ["name"]
        # Lists page by name and leave out the suspended from this narrow index alone.
        indexes = (("name", "id", "suspended_at"), ("suspended_at",))

    def __str__(self) -> str:
        return self.name

    @property
    def size_class(self) -> str:
        return size_class_for(self.employees)

    @property
    def is_sme(self) -> bool:
        return self.size_class in SME_CLASSES


class VendorInvitation(Model):
    # An invitation for a colleague to join a vendor. Only the SHA-256 of the token is kept.
    id = fields.IntField(primary_key=True)
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="colleague_invitations", on_delete=fields.CASCADE
    )
    vendor_id: int
    email = fields.CharField(max_length=254)
    role = fields.CharField(max_length=20, default="vendor_member")
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="vendor_invitations", null=True, on_delete=fields.SET_NULL
    )
    invited_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "vendor_invitation"
        ordering = ["-created_at"]
