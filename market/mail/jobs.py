"""The mail jobs: send one message of the outbox, and sweep what is still pending."""

from __future__ import annotations

from typing import Any

from market.mail import services
from market.runners import JobFunction, Periodic


async def send_mail(ctx: dict[str, Any], message_id: int) -> str:
    return await services.send_mail(ctx["settings"], message_id)


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Send whatever is still pending (e.g. queued while Redis was down)."""
    ids = await services.pending_ids(ctx["settings"])
    for message_id in ids:
        await services.send_mail(ctx["settings"], message_id)
    return len(ids)


JOBS: dict[str, JobFunction] = {"send_mail": send_mail, "sweep_outbox": sweep_outbox}
PERIODIC: list[Periodic] = [(sweep_outbox, 1, {"second": 30})]
