"""Two simultaneous submissions by one vendor leave exactly one live bid (PostgreSQL: real
concurrent transactions on separate connections, outside the rolled-back test transaction)."""

from __future__ import annotations

import asyncio
import os

import pytest

from market.bids.models import Bid
from tests import committing, factories, factories_bids

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: SQLite has one connection and no concurrent transactions",
)


db = committing.db  # no surrounding transaction: real concurrent requests


async def test_two_simultaneous_submissions_leave_exactly_one_live_bid(client) -> None:
    scene = await factories_bids.scene()
    headers = await factories.bearer(client, scene.admin)
    for round_ in range(3):
        responses = await asyncio.gather(
            *[
                client.post(
                    f"/api/v1/tasks/{scene.task.id}/bids",
                    json=factories_bids.bid_body(price_dkk=80000 + i),
                    headers=headers,
                )
                for i in range(2)
            ]
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409], [r.text for r in responses]
        live = await Bid.filter(
            task_id=scene.task.id, vendor_id=scene.vendor.id, withdrawn_at__isnull=True
        )
        assert len(live) == 1
        if round_ < 2:  # withdraw and race again on the revived row
            withdrawn = await client.delete(f"/api/v1/bids/{live[0].id}", headers=headers)
            assert withdrawn.status_code == 200
    assert await Bid.filter(task_id=scene.task.id).count() == 1
