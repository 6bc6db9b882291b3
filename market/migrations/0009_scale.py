from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("market", "0008_privacy")]

    operations: list[ops.Operation] = [
        ops.CreateModel(
            name="VendorStanding",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "vendor",
                    fields.OneToOneField(
                        "market.Vendor",
                        source_field="vendor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="standing",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("state", fields.CharField(max_length=30)),
                ("register_status", fields.CharField(max_length=20)),
                ("eligible", fields.BooleanField()),
                ("version_label", fields.CharField(default="", max_length=20)),
                ("computed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "holds_until",
                    fields.DatetimeField(
                        null=True, db_index=True, auto_now=False, auto_now_add=False
                    ),
                ),
            ],
            options={"table": "conduct_vendor_standing", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="Vendor",
            index=Index(fields=["name", "id", "suspended_at"]),
        ),
        ops.AddIndex(
            model_name="Vendor",
            index=Index(fields=["suspended_at"]),
        ),
        ops.AddField(
            model_name="Bid",
            name="receipt_due",
            field=fields.BooleanField(default=False, db_index=True),
        ),
        ops.AddField(
            model_name="Bid",
            name="receipt_sent_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
