from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("market", "0007_contributions")]

    operations: list[ops.Operation] = [
        ops.CreateModel(
            name="ErasureRequest",
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
                        related_name="erasure_requests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("pending_user_id", fields.IntField(null=True, unique=True)),
                ("requested_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("requested_by_id", fields.IntField(null=True)),
                ("reason", fields.TextField(default="", unique=False)),
                ("successor_id", fields.IntField(null=True)),
                ("close_vendor", fields.BooleanField(default=False)),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("decided_by_id", fields.IntField(null=True)),
                ("rejection_reason", fields.TextField(default="", unique=False)),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "privacy_erasure_request", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RetentionPeriod",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("key", fields.CharField(unique=True, max_length=40)),
                ("days", fields.IntField()),
                ("updated_by_id", fields.IntField(null=True)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "privacy_retention_period", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TeamRedaction",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("revision_id", fields.IntField(db_index=True)),
                ("position", fields.IntField()),
                ("user_id", fields.IntField()),
            ],
            options={
                "table": "privacy_team_redaction",
                "app": "market",
                "unique_together": (("revision_id", "position"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
