from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from market import listcache
from market.vendors import search

# The fairness report counts the first places of every shortlist (rank <= 10 of about 200
# entries each): read from this narrow index instead of the wide entry rows.
SHOWN_PLACES = " ".join(
    (
        "CREATE INDEX IF NOT EXISTS shortlist_entry_shown",
        "ON shortlist_entry (rank, eligible, vendor_id)",
    )
)


async def forward(apps: Any, schema_editor: Any) -> None:
    # Full-text search over vendors (PostgreSQL tsvector + GIN, SQLite FTS5) and the list
    # versions, both kept current by triggers.
    await search.install(schema_editor.client)
    await listcache.install(schema_editor.client)
    await schema_editor.client.execute_script(SHOWN_PLACES)


class Migration(migrations.Migration):
    dependencies = [("market", "0011_shortlists")]

    operations: list[ops.Operation] = [ops.RunPython(forward)]
