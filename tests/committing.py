"""A test database without the surrounding rolled-back transaction, for tests of concurrency.

Each request then commits on its own (a connection of its own on PostgreSQL). Every row the
test makes is deleted afterwards (rows above each table's id high-water mark), so the rest of
the session sees the database as it was. Use it in a module with `db = committing.db`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError


@pytest.fixture(autouse=True)
async def db(orm: None) -> AsyncIterator[None]:
    models = list(Tortoise.apps["market"].values())
    marks = {}
    for model in models:
        ids = await model.all().order_by("-id").limit(1).values_list("id", flat=True)
        marks[model] = ids[0] if ids else 0
    yield
    pending = list(reversed(models))
    for _attempt in range(len(models)):
        left = []
        for model in pending:
            try:
                await model.filter(id__gt=marks[model]).delete()
            except IntegrityError:
                left.append(model)  # still referenced: delete it on a later pass
        pending = left
        if not pending:
            break
    assert not pending, f"could not clean up {pending}"
