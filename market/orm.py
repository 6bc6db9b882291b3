"""Typed reads where tortoise's stubs are wrong."""

from __future__ import annotations

from typing import Any, cast

from tortoise.queryset import ValuesListQuery


async def column(query: ValuesListQuery[Any]) -> list[Any]:
    """The values of a `values_list(field, flat=True)` query: a list of values, which the
    stubs type as a list of tuples (so `id in set(...)` looked like comparing int to tuple)."""
    return cast("list[Any]", await query)
