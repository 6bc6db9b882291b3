"""Shortlists (stored rankings), the exposure ledger, the matching settings and versions."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ShortlistStatus:
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    ALL = (QUEUED, RUNNING, READY, FAILED)


class Shortlist(Model):
    # One per task: computing again replaces the entries (the latest ranking counts). Each
    # computation keeps the model version and the settings (weights, fairness) it used.
    id = fields.IntField(primary_key=True)
    task: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "market.Task", related_name="shortlist", on_delete=fields.CASCADE
    )
    task_id: int
    status = fields.CharField(max_length=10, default=ShortlistStatus.QUEUED)
    computed_at = fields.DatetimeField(null=True)
    model_version = fields.CharField(max_length=40, default="")
    index_version = fields.IntField(default=0)
    settings: dict[str, Any] = fields.JSONField(default=dict)
    vendors_ranked = fields.IntField(default=0)
    error = fields.TextField(default="")
    runs = fields.IntField(default=0)
    # Out of date (a vendor, the weights or a standing changed since it was computed): ranked
    # again by the batched refresh job, or at once when someone reads it.
    stale = fields.BooleanField(default=False, db_default=False, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shortlist"


class ShortlistEntry(Model):
    id = fields.IntField(primary_key=True)
    shortlist: fields.ForeignKeyRelation[Shortlist] = fields.ForeignKeyField(
        "market.Shortlist", related_name="entries", on_delete=fields.CASCADE
    )
    shortlist_id: int
    vendor: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "market.Vendor", related_name="shortlist_entries", on_delete=fields.CASCADE
    )
    vendor_id: int
    rank = fields.IntField()
    score = fields.FloatField()
    eligible = fields.BooleanField()
    reasons: list[str] = fields.JSONField(default=list)
    notes: list[str] = fields.JSONField(default=list)
    contributions: dict[str, float] = fields.JSONField(default=dict)
    # [[task code, vendor code, closeness], ...]
    matched_codes: list[list[Any]] = fields.JSONField(default=list)
    top_terms: list[str] = fields.JSONField(default=list)

    class Meta:
        table = "shortlist_entry"
        unique_together = (("shortlist", "rank"), ("shortlist", "vendor"))
        ordering = ["rank"]


class ExposureLedger(Model):
    # A vendor's accumulated exposure: 1/log2(1+rank) for each of the first ten places in the
    # current shortlist of every task, plus 1 per invitation and 1/2 per task it was alerted
    # to (alerts bring vendors to a task too). Rebuilt from those rows for the
    # vendors concerned, so recomputing a shortlist never counts twice.
    id = fields.IntField(primary_key=True)
    vendor: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "market.Vendor", related_name="exposure", on_delete=fields.CASCADE
    )
    vendor_id: int
    exposure = fields.FloatField(default=0.0)
    shortlist_places = fields.IntField(default=0)
    invitations = fields.IntField(default=0)
    alerts = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "shortlist_exposure"


class MatchingSettings(Model):
    # The one row of weights and fairness strength the secretariat edits (id 1).
    id = fields.IntField(primary_key=True)
    weights: dict[str, float] = fields.JSONField(default=dict)
    fairness_strength = fields.FloatField(default=0.0)
    fair_share = fields.FloatField(default=1.0)  # SMEs' minimum share of the first places
    source = fields.CharField(max_length=20, default="default")  # default, manual, learned
    model_version = fields.CharField(max_length=40, default="")
    updated_by_id = fields.IntField(null=True)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "matching_settings"


class MatchingModel(Model):
    # A learned candidate model: its weights, how it compared with the current weights on
    # held-out award history, and whether it was adopted.
    id = fields.IntField(primary_key=True)
    model_version = fields.CharField(max_length=40)
    weights: dict[str, float] = fields.JSONField(default=dict)
    comparison: dict[str, Any] = fields.JSONField(default=dict)
    status = fields.CharField(max_length=12, default="queued")  # queued, done, failed, too_few
    adopted = fields.BooleanField(default=False)
    requested_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "matching_model"
        ordering = ["-id"]


class IndexVersion(Model):
    # The change log of the vendor index: every vendor change adds a row (its id is the
    # version). A worker that loaded version N upserts the vendors of the rows after N; a row
    # without vendor (settings, taxonomy) makes it refit from the database.
    id = fields.IntField(primary_key=True)
    vendor_id = fields.IntField(null=True)
    reason = fields.CharField(max_length=40, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "matching_index_version"
        ordering = ["id"]


class IndexSnapshot(Model):
    # The last fitted index of a worker (`Index.to_bytes`, zlib-compressed) with the version
    # it includes, so a fresh worker loads it and upserts the vendors changed since instead of
    # fitting 10,000 profiles again. Only ever a cache: any mismatch means a refit.
    id = fields.IntField(primary_key=True)
    fit_key = fields.CharField(max_length=40)
    taxonomy_key = fields.CharField(max_length=16)
    version = fields.IntField()
    vendors = fields.IntField(default=0)
    data = fields.BinaryField()
    # Per vendor, the stored standing its eligibility in `data` was judged from (`Loaded.judged`).
    judged: list[list[Any]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "matching_index_snapshot"
