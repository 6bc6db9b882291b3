"""Solutions (shared OS2 products), their wishes, support, comments and releases."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from market.accounts.models import Organisation, User


class WishStatus:
    NEW = "new"
    ACCEPTED = "accepted"
    PLANNED = "planned"
    DONE = "done"
    REJECTED = "rejected"
    ALL = (NEW, ACCEPTED, PLANNED, DONE, REJECTED)


PRIORITIES = ("low", "medium", "high")


class Solution(Model):
    # A shared product of the community, e.g. OS2kitos; seeded from data/os2_products.csv.
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    description = fields.TextField(default="")
    repository_url = fields.CharField(max_length=300, default="")
    coordinators: fields.ManyToManyRelation[User] = fields.ManyToManyField(
        "market.User", related_name="coordinated_solutions", through="solution_coordinator"
    )
    coordination_group: fields.ManyToManyRelation[Organisation] = fields.ManyToManyField(
        "market.Organisation",
        related_name="coordination_solutions",
        through="solution_coordination_group",
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "solution"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Release(Model):
    id = fields.IntField(primary_key=True)
    solution: fields.ForeignKeyRelation[Solution] = fields.ForeignKeyField(
        "market.Solution", related_name="releases", on_delete=fields.CASCADE
    )
    solution_id: int
    name = fields.CharField(max_length=100)
    target_date = fields.DateField()
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "release"
        ordering = ["target_date", "id"]
        unique_together = (("solution", "name"),)


class Wish(Model):
    id = fields.IntField(primary_key=True)
    solution: fields.ForeignKeyRelation[Solution] = fields.ForeignKeyField(
        "market.Solution", related_name="wishes", on_delete=fields.CASCADE
    )
    solution_id: int
    title = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    priority = fields.CharField(max_length=10, default="medium")
    status = fields.CharField(max_length=10, default=WishStatus.NEW, db_index=True)
    rejection_reason = fields.TextField(default="")
    # The submitting municipality (null for wishes imported from Jira).
    organisation: fields.ForeignKeyNullableRelation[Organisation] = fields.ForeignKeyField(
        "market.Organisation", related_name="wishes", null=True, on_delete=fields.SET_NULL
    )
    organisation_id: int | None
    author_id = fields.IntField(null=True)
    release: fields.ForeignKeyNullableRelation[Release] = fields.ForeignKeyField(
        "market.Release", related_name="wishes", null=True, on_delete=fields.SET_NULL
    )
    release_id: int | None
    # Jira import: the issue key makes re-imports update instead of duplicate.
    jira_key = fields.CharField(max_length=40, null=True)
    jira_status = fields.CharField(max_length=60, default="")
    jira_votes = fields.IntField(default=0)
    jira_reporter = fields.CharField(max_length=200, default="")
    jira_created_at = fields.DatetimeField(null=True)
    labels: list[str] = fields.JSONField(default=list)
    # What else the Jira issue said: issue type, parent, resolution, components, custom fields.
    jira_fields: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wish"
        ordering = ["-id"]
        unique_together = (("solution", "jira_key"),)


class WishSupport(Model):
    id = fields.IntField(primary_key=True)
    wish: fields.ForeignKeyRelation[Wish] = fields.ForeignKeyField(
        "market.Wish", related_name="supports", on_delete=fields.CASCADE
    )
    wish_id: int
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "market.Organisation", related_name="wish_supports", on_delete=fields.CASCADE
    )
    organisation_id: int
    user_id = fields.IntField(null=True)
    pledge_dkk = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "wish_support"
        unique_together = (("wish", "organisation"),)


class WishComment(Model):
    id = fields.IntField(primary_key=True)
    wish: fields.ForeignKeyRelation[Wish] = fields.ForeignKeyField(
        "market.Wish", related_name="comments", on_delete=fields.CASCADE
    )
    wish_id: int
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="wish_comments", on_delete=fields.CASCADE
    )
    author_id: int
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "wish_comment"
        ordering = ["id"]
