import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("market", "0005_opendata")]

    operations: list[ops.Operation] = [
        ops.CreateModel(
            name="AlertDigest",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "market.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alert_digests",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("period", fields.CharField(max_length=40)),
                ("items", fields.IntField(default=0)),
                ("message_id", fields.IntField(null=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "alert_digest",
                "app": "market",
                "unique_together": (("user", "period"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AlertItem",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "market.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alert_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "task",
                    fields.ForeignKeyField(
                        "market.Task",
                        source_field="task_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alert_items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("vendor_id", fields.IntField(db_index=True)),
                ("revision", fields.CharField(max_length=16)),
                ("changed", fields.BooleanField(default=False)),
                ("source", fields.CharField(default="fit", max_length=10)),
                (
                    "reasons",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("digest_id", fields.IntField(null=True)),
            ],
            options={
                "table": "alert_item",
                "app": "market",
                "unique_together": (("user", "task", "revision"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AlertPreference",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.OneToOneField(
                        "market.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="alert_preference",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("frequency", fields.CharField(default="daily", max_length=8)),
                (
                    "codes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "products",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("min_budget_dkk", fields.IntField(null=True)),
                ("language", fields.CharField(default="da", max_length=2)),
                ("reminders", fields.BooleanField(default=True)),
                ("feed_salt", fields.CharField(default="", max_length=32)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "alert_preference", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AlertSettings",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("top_n", fields.IntField(default=10)),
                ("min_score", fields.FloatField(null=True)),
                ("updated_by_id", fields.IntField(null=True)),
                ("updated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "alert_settings", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SavedSearch",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "market.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="saved_searches",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("query", fields.CharField(default="", max_length=200)),
                (
                    "codes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "alert_saved_search", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="ExposureLedger",
            name="alerts",
            field=fields.IntField(default=0),
        ),
    ]
