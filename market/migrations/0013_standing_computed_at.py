from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("market", "0012_search")]

    initial = False

    operations: list[ops.Operation] = [
        ops.AddIndex(
            model_name="VendorStanding",
            index=Index(fields=["computed_at"]),
        ),
    ]
