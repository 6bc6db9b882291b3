from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from market import listcache


async def forward(apps: Any, schema_editor: Any) -> None:
    # The "taxonomy" list version (market.listcache.GROUPS): its row and the triggers on the
    # taxonomy table that keep it current (idempotent, like 0012's).
    await listcache.install(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("market", "0013_standing_computed_at")]

    operations: list[ops.Operation] = [ops.RunPython(forward)]
