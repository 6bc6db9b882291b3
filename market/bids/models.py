"""Bids on tasks: revisions with their hashes, attachments, the evaluation panel,
conflict-of-interest declarations, scores, the award and the delivery rating."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from market.accounts.models import User
from market.tasks.models import Task
from market.vendors.models import Vendor


class BidStatus:
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ALL = (DRAFT, SUBMITTED, WITHDRAWN)


class Bid(Model):
    # One row per vendor and task (the database enforces it); a withdrawal only stamps
    # withdrawn_at and a new bid revives the row. The columns below hold the SUBMITTED
    # version (the one that counts); drafts live only in revisions.
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="bids", on_delete=fields.RESTRICT
    )
    task_id: int
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="bids", on_delete=fields.RESTRICT
    )
    vendor_id: int
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    revisions_count = fields.IntField(default=0)
    latest_revision_id = fields.IntField(null=True)
    submitted_revision_id = fields.IntField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    submitted_sha256 = fields.CharField(max_length=64, default="")
    withdrawn_at = fields.DatetimeField(null=True)
    price_dkk = fields.IntField(null=True)
    hours = fields.IntField(null=True)
    delivery_date = fields.DateField(null=True)
    approach = fields.TextField(default="")
    team: list[dict[str, Any]] = fields.JSONField(default=list)
    assumptions = fields.TextField(default="")
    # Receipts are coalesced: one mail per bid per few minutes, naming the last submitted hash.
    receipt_sent_at = fields.DatetimeField(null=True)
    receipt_due = fields.BooleanField(default=False, db_index=True)

    class Meta:
        table = "bid"
        unique_together = (("task", "vendor"),)
        ordering = ["id"]

    @property
    def status(self) -> str:
        """Derived from the timestamps, here and nowhere else."""
        if self.withdrawn_at is not None:
            return BidStatus.WITHDRAWN
        if self.submitted_at is not None:
            return BidStatus.SUBMITTED
        return BidStatus.DRAFT

    @property
    def has_unsubmitted_changes(self) -> bool:
        return (
            self.withdrawn_at is None
            and self.latest_revision_id is not None
            and self.latest_revision_id != self.submitted_revision_id
        )


class BidRevision(Model):
    # Every saved version, kept for good: the full content and the SHA-256 of its canonical
    # JSON. Never updated.
    id = fields.IntField(primary_key=True)
    bid: fields.ForeignKeyRelation[Bid] = fields.ForeignKeyField(
        "market.Bid", related_name="revisions", on_delete=fields.CASCADE
    )
    bid_id: int
    number = fields.IntField()
    kind = fields.CharField(max_length=10)  # draft, submitted, withdrawn
    content: dict[str, Any] = fields.JSONField(default=dict)
    sha256 = fields.CharField(max_length=64)
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "bid_revision"
        unique_together = (("bid", "number"),)
        ordering = ["number"]


class BidAttachment(Model):
    # A PDF stored outside the web root under a random name; served only through the
    # sealing rules of its bid.
    id = fields.IntField(primary_key=True)
    bid: fields.ForeignKeyRelation[Bid] = fields.ForeignKeyField(
        "market.Bid", related_name="attachments", on_delete=fields.CASCADE
    )
    bid_id: int
    file_name = fields.CharField(max_length=120)
    stored_name = fields.CharField(max_length=64, unique=True)
    size = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    uploaded_by_id = fields.IntField(null=True)
    uploaded_at = fields.DatetimeField(auto_now_add=True)
    removed_at = fields.DatetimeField(null=True)
    # When the file was deleted from disk (retention of removed and withdrawn attachments);
    # the row, its name and its hash stay for the bid's history.
    purged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "bid_attachment"
        ordering = ["id"]


class PanelMember(Model):
    # A municipality user the coordinator adds to a task's evaluation panel.
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="panel", on_delete=fields.CASCADE
    )
    task_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="panels", on_delete=fields.CASCADE
    )
    user_id: int
    added_by_id = fields.IntField(null=True)
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task_panel_member"
        unique_together = (("task", "user"),)


class ConflictDeclaration(Model):
    # One per evaluator and task, never changed: no conflict, or the vendors it concerns.
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="declarations", on_delete=fields.CASCADE
    )
    task_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="declarations", on_delete=fields.CASCADE
    )
    user_id: int
    no_conflict = fields.BooleanField()
    conflict_vendor_ids: list[int] = fields.JSONField(default=list)
    declared_at = fields.DatetimeField()

    class Meta:
        table = "bid_conflict_declaration"
        unique_together = (("task", "user"),)


class Score(Model):
    id = fields.IntField(primary_key=True)
    bid: fields.ForeignKeyRelation[Bid] = fields.ForeignKeyField(
        "market.Bid", related_name="scores", on_delete=fields.CASCADE
    )
    bid_id: int
    evaluator: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="bid_scores", on_delete=fields.CASCADE
    )
    evaluator_id: int
    criterion = fields.CharField(max_length=100)
    value = fields.FloatField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "bid_score"
        unique_together = (("bid", "evaluator", "criterion"),)


class Award(Model):
    id = fields.IntField(primary_key=True)
    task: fields.OneToOneRelation[Task] = fields.OneToOneField(
        "market.Task", related_name="award", on_delete=fields.RESTRICT
    )
    task_id: int
    bid: fields.ForeignKeyRelation[Bid] = fields.ForeignKeyField(
        "market.Bid", related_name="awards", on_delete=fields.RESTRICT
    )
    bid_id: int
    justification = fields.TextField()
    awarded_by_id = fields.IntField(null=True)
    awarded_at = fields.DatetimeField()

    class Meta:
        table = "bid_award"


class DeliveryRating(Model):
    id = fields.IntField(primary_key=True)
    task: fields.OneToOneRelation[Task] = fields.OneToOneField(
        "market.Task", related_name="delivery_rating", on_delete=fields.RESTRICT
    )
    task_id: int
    bid: fields.ForeignKeyRelation[Bid] = fields.ForeignKeyField(
        "market.Bid", related_name="delivery_ratings", on_delete=fields.RESTRICT
    )
    bid_id: int
    vendor_id = fields.IntField(db_index=True)
    accepted = fields.BooleanField()
    quality = fields.IntField()
    on_time = fields.BooleanField()
    comment = fields.TextField(default="")
    rated_by_id = fields.IntField(null=True)
    rated_at = fields.DatetimeField()

    class Meta:
        table = "bid_delivery_rating"
