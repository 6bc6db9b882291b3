"""Mail as the recipient receives it: through a real SMTP server, text and HTML parts."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from market.mail.models import OutboxMessage
from market.mail.services import queue_message, send_mail
from market.settings import Settings
from tests.live import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings: Settings, smtp: tuple[_Inbox, int]) -> Settings:
    return dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{smtp[1]}")


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_a_ready_made_mail_arrives_with_both_parts_and_its_extra_headers(
    smtp: tuple[_Inbox, int], smtp_settings: Settings
) -> None:
    message = await queue_message(
        to="reader@example.org",
        key="test:extra-headers",
        subject="Nye opgaver",
        text="To nye opgaver passer til jer.",
        html="<p>To nye opgaver passer til jer.</p>",
        headers={
            "List-Unsubscribe": "<https://market.example/alerts/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Subject": "ignored: the outbox sets the subject itself",
        },
    )
    assert await send_mail(smtp_settings, message.id) == "sent"

    (received,) = smtp[0].messages
    assert received["Subject"] == "Nye opgaver"
    assert received["List-Unsubscribe"] == "<https://market.example/alerts/unsubscribe/abc>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = _parts(received)
    assert text.strip() == "To nye opgaver passer til jer."
    assert "<p>To nye opgaver passer til jer.</p>" in html
    stored = await OutboxMessage.get(id=message.id)
    assert stored.headers == {
        "List-Unsubscribe": "<https://market.example/alerts/unsubscribe/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
