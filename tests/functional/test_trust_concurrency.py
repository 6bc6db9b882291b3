"""Parallel wrong passwords cannot beat the limit (real concurrent requests, both databases)."""

from __future__ import annotations

import asyncio

from market.accounts.models import LoginFailure
from tests import committing, factories

db = committing.db  # no surrounding transaction: each request commits on its own
WRONG = "Wrong-Password-Guess-2026"


async def test_twelve_parallel_wrong_passwords_get_at_most_five_checks(client):
    account = await factories.user("municipality")

    async def attempt(n: int) -> int:
        response = await client.post(
            "/api/v1/auth/token", json={"email": account.email, "password": f"{WRONG}-{n}"}
        )
        return response.status_code

    codes = await asyncio.gather(*(attempt(n) for n in range(12)))
    assert sorted(codes) == [401] * 5 + [429] * 7, codes
    assert await LoginFailure.filter(email=account.email).count() == 5
