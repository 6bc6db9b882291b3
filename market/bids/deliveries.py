"""Rated deliveries as the matching engine learns from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from market.bids.models import DeliveryRating


async def delivery_history(
    vendor_ids: Iterable[int], *, before: dt.datetime | None = None
) -> dict[int, list[tuple[int, bool, str, list[str]]]]:
    """Each vendor's rated deliveries: (quality 1-5, on_time, task text, task codes); with
    `before`, only those rated before that moment."""
    ids = list(vendor_ids)
    history: dict[int, list[tuple[int, bool, str, list[str]]]] = {i: [] for i in ids}
    if not ids:
        return history
    query = DeliveryRating.filter(vendor_id__in=ids)
    if before is not None:
        query = query.filter(rated_at__lt=before)
    ratings = await query.order_by("rated_at").select_related("task")
    for rating in ratings:
        task = rating.task
        history[rating.vendor_id].append(
            (
                rating.quality,
                rating.on_time,
                f"{task.title}\n\n{task.description}",
                [*task.required, *task.nice_to_have],
            )
        )
    return history
