import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("market", "0003_inputs")]

    operations: list[ops.Operation] = [
        ops.AddField(
            model_name="OutboxMessage",
            name="headers",
            field=fields.JSONField(
                default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
    ]
