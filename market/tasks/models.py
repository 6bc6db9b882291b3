"""Scoped tasks: funding, linked wishes, change log, clarification Q&A and invitations."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from market.accounts.models import Organisation, User
from market.solutions.models import Solution, Wish
from market.vendors.models import Vendor


class TaskStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"  # derived from bid_deadline at read time; may also be persisted
    AWARDED = "awarded"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    ALL = (DRAFT, PUBLISHED, CLOSED, AWARDED, DELIVERED, CANCELLED)


class Task(Model):
    id = fields.IntField(primary_key=True)
    solution: fields.ForeignKeyRelation[Solution] = fields.ForeignKeyField(
        "market.Solution", related_name="tasks", on_delete=fields.RESTRICT
    )
    solution_id: int
    title = fields.CharField(max_length=300)
    description = fields.TextField()
    required: list[str] = fields.JSONField(default=list)
    nice_to_have: list[str] = fields.JSONField(default=list)
    estimate_hours = fields.IntField()
    budget_dkk = fields.IntField()
    bid_deadline = fields.DatetimeField(db_index=True)
    question_deadline = fields.DatetimeField()
    delivery_date = fields.DateField()
    # [{"name": "price", "weight": 40}, ...]; weights add up to 100.
    criteria: list[dict[str, Any]] = fields.JSONField(default=list)
    municipality_specific = fields.BooleanField(default=False)
    status = fields.CharField(max_length=12, default=TaskStatus.DRAFT, db_index=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "market.User", related_name="created_tasks", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    published_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "task"
        ordering = ["-id"]


class TaskFunding(Model):
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="funding", on_delete=fields.CASCADE
    )
    task_id: int
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "market.Organisation", related_name="task_funding", on_delete=fields.RESTRICT
    )
    organisation_id: int
    amount_dkk = fields.IntField()

    class Meta:
        table = "task_funding"
        unique_together = (("task", "organisation"),)


class TaskWish(Model):
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="wish_links", on_delete=fields.CASCADE
    )
    task_id: int
    wish: fields.ForeignKeyRelation[Wish] = fields.ForeignKeyField(
        "market.Wish", related_name="task_links", on_delete=fields.CASCADE
    )
    wish_id: int

    class Meta:
        table = "task_wish"
        unique_together = (("task", "wish"),)


class TaskChange(Model):
    # The visible change log of a published task: one row per changed field.
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="changes", on_delete=fields.CASCADE
    )
    task_id: int
    field = fields.CharField(max_length=40)
    before = fields.TextField(default="")
    after = fields.TextField(default="")
    actor_id = fields.IntField(null=True)
    actor_label = fields.CharField(max_length=254, default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task_change"
        ordering = ["-id"]


class Question(Model):
    # Asked privately by a vendor; only the answer is published, without the asker.
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="questions", on_delete=fields.CASCADE
    )
    task_id: int
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="task_questions", on_delete=fields.CASCADE
    )
    vendor_id: int
    asked_by_id = fields.IntField(null=True)
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task_question"
        ordering = ["id"]


class Answer(Model):
    id = fields.IntField(primary_key=True)
    question: fields.OneToOneRelation[Question] = fields.OneToOneField(
        "market.Question", related_name="answer", on_delete=fields.CASCADE
    )
    question_id: int
    text = fields.TextField()
    answered_by_id = fields.IntField(null=True)
    published_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task_answer"


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="invitations", on_delete=fields.CASCADE
    )
    task_id: int
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="invitations", on_delete=fields.CASCADE
    )
    vendor_id: int
    invited_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task_invitation"
        unique_together = (("task", "vendor"),)


class TaskFollower(Model):
    # A vendor that follows a task: told of every change and of a cancellation, like bidders.
    id = fields.IntField(primary_key=True)
    task: fields.ForeignKeyRelation[Task] = fields.ForeignKeyField(
        "market.Task", related_name="followers", on_delete=fields.CASCADE
    )
    task_id: int
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "market.Vendor", related_name="followed_tasks", on_delete=fields.CASCADE
    )
    vendor_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "task_follower"
        unique_together = (("task", "vendor"),)
