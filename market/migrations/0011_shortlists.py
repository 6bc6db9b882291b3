from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("market", "0009_scale")]

    operations: list[ops.Operation] = [
        ops.AddField(
            model_name="Shortlist",
            name="stale",
            field=fields.BooleanField(default=False, db_default=False, db_index=True),
        ),
        ops.CreateModel(
            name="IndexSnapshot",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("fit_key", fields.CharField(max_length=40)),
                ("taxonomy_key", fields.CharField(max_length=16)),
                ("version", fields.IntField()),
                ("vendors", fields.IntField(default=0)),
                ("data", fields.BinaryField()),
                ("judged", fields.JSONField(default=list)),
                (
                    "created_at",
                    fields.DatetimeField(auto_now=False, auto_now_add=True),
                ),
            ],
            options={"table": "matching_index_snapshot", "app": "market", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
