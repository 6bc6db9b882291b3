"""Alert preferences, saved searches, the alerts told to users and the digests sent."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Frequency:
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"
    ALL = (INSTANT, DAILY, WEEKLY, OFF)
    DIGESTS = (DAILY, WEEKLY)


class AlertPreference(Model):
    # One per user; a user without a row has the defaults (a daily digest of tasks that fit).
    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "market.User", related_name="alert_preference", on_delete=fields.CASCADE
    )
    user_id: int
    frequency = fields.CharField(max_length=8, default=Frequency.DAILY)
    codes: list[str] = fields.JSONField(default=list)
    # Solution (product) names, e.g. "OS2kitos"; empty: every product.
    products: list[str] = fields.JSONField(default=list)
    min_budget_dkk = fields.IntField(null=True)
    language = fields.CharField(max_length=2, default="da")
    reminders = fields.BooleanField(default=True)
    # The private feeds' secret is derived from SECRET_KEY and this salt: a new salt revokes it.
    feed_salt = fields.CharField(max_length=32, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "alert_preference"


class SavedSearch(Model):
    # A search on /opportunities kept as an alert: words and codes a task must match.
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.User", related_name="saved_searches", on_delete=fields.CASCADE
    )
    user_id: int
    query = fields.CharField(max_length=200, default="")
    codes: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "alert_saved_search"
        ordering = ["id"]


class AlertItem(Model):
    # One task told to one user, once per version of the task (`revision` fingerprints the
    # fields that matter to a bidder): at once (`delivered_at` set with the mail) or waiting
    # for the user's next digest.
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.User", related_name="alert_items", on_delete=fields.CASCADE
    )
    user_id: int
    task: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.Task", related_name="alert_items", on_delete=fields.CASCADE
    )
    task_id: int
    vendor_id = fields.IntField(db_index=True)
    revision = fields.CharField(max_length=16)
    changed = fields.BooleanField(default=False)
    source = fields.CharField(max_length=10, default="fit")  # fit, search
    reasons: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)
    digest_id = fields.IntField(null=True)

    class Meta:
        table = "alert_item"
        unique_together = (("user", "task", "revision"),)
        ordering = ["id"]


class AlertDigest(Model):
    # At most one digest per user and period ("2026-11-29", "2026-W48", "coord:2026-11-29"):
    # the row and its mail are written in one transaction, so a rerun never sends twice.
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.User", related_name="alert_digests", on_delete=fields.CASCADE
    )
    user_id: int
    period = fields.CharField(max_length=40)
    items = fields.IntField(default=0)
    message_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "alert_digest"
        unique_together = (("user", "period"),)


class AlertSettings(Model):
    # The one row (id 1) the secretariat edits: which shortlist places count as "fits".
    id = fields.IntField(primary_key=True)
    top_n = fields.IntField(default=10)
    min_score = fields.FloatField(null=True)  # above this score also fits; None: rank only
    updated_by_id = fields.IntField(null=True)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "alert_settings"
