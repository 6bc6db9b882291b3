"""Mail as the recipient receives it: through a real SMTP server, text and HTML parts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from market.mail import services as mail_services
from market.mail.models import OutboxMessage
from market.mail.services import queue_message, send_mail
from market.settings import Settings
from market.vendors.models import Vendor
from tests import factories, factories_bids
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


@pytest.fixture
def base_url() -> Iterator[str]:
    """Mail links follow BASE_URL, wherever the app runs."""
    mail_services.configure("https://partnere.example.dk")
    yield "https://partnere.example.dk"
    mail_services.configure(Settings().base_url)


async def _delivered(settings: Settings, key_prefix: str) -> list[OutboxMessage]:
    messages = await OutboxMessage.filter(idempotency_key__startswith=key_prefix).order_by("id")
    for message in messages:
        await OutboxMessage.filter(id=message.id).update(status="pending")
        assert await send_mail(settings, message.id) == "sent", message.last_error
    return messages


async def test_a_bid_receipt_reads_cleanly_in_the_recipients_language(
    client, run_jobs, smtp: tuple[_Inbox, int], smtp_settings: Settings, base_url: str
) -> None:
    scene = await factories_bids.scene(title="Møn Web & Data <b>eksport</b>")
    scene.admin.language = "en"
    await scene.admin.save(update_fields=["language"])
    bid = await factories_bids.place_bid(client, scene.admin, scene.task)
    await run_jobs()
    await _delivered(smtp_settings, "bid-receipt:")

    (received,) = smtp[0].messages
    text, html = _parts(received)
    assert received["Subject"] == "Receipt for your bid: Møn Web & Data <b>eksport</b>"
    assert '"Møn Web & Data <b>eksport</b>"' in text  # the text part is not HTML-escaped
    assert "&amp;" not in text and "&lt;" not in text
    assert f"{base_url}/bids/{bid['id']}/receipts/1" in text
    assert "You get this e-mail because you submitted this bid" in text
    # The HTML part escapes once, links absolutely and uses the design system's colours.
    assert "Møn Web &amp; Data &lt;b&gt;eksport&lt;/b&gt;" in html and "&amp;amp;" not in html
    assert f'href="{base_url}/bids/{bid["id"]}/receipts/1"' in html
    assert "#004d99" in html and 'lang="en"' in html


async def test_an_outcome_mail_has_one_line_per_criterion_with_danish_labels(
    client, run_jobs, smtp: tuple[_Inbox, int], smtp_settings: Settings, base_url: str
) -> None:
    scene = await factories_bids.scene()
    await Vendor.filter(id=scene.vendor.id).update(name="Møn Web & Data")
    mine = await factories_bids.place_bid(client, scene.admin, scene.task)
    theirs = await factories_bids.place_bid(client, scene.other_admin, scene.task, price_dkk=80000)
    headers = await factories.bearer(client, scene.coordinator)
    factories_bids.pass_deadline(scene.task)
    await client.post(
        f"/api/v1/tasks/{scene.task.id}/declaration", json={"no_conflict": True}, headers=headers
    )
    for bid, quality in ((mine, 6.5), (theirs, 9)):
        scored = await client.put(
            f"/api/v1/tasks/{scene.task.id}/scores",
            json={"bid_id": bid["id"], "scores": {"quality of approach": quality}},
            headers=headers,
        )
        assert scored.status_code == 200, scored.text
    awarded = await client.post(
        f"/api/v1/tasks/{scene.task.id}/award",
        json={"bid_id": theirs["id"], "justification": "<b>Tak</b> for buddet"},
        headers=headers,
    )
    assert awarded.status_code == 201, awarded.text
    await run_jobs()
    await _delivered(smtp_settings, f"award:{scene.task.id}:{mine['id']}")

    (received,) = smtp[0].messages
    text, html = _parts(received)
    assert "Hej Møn Web & Data" in text and "<b>Tak</b> for buddet" in text
    lines = text.splitlines()
    assert any(line.startswith("- pris (40 %): jeres 9,41, vinderens 10,0") for line in lines), text
    assert "- kvalitet af tilgangen (40 %): jeres 6,5, vinderens 9,0" in lines
    assert any(line.startswith("- leveringstid (20 %)") for line in lines)
    assert f"{base_url}/bids/{mine['id']}" in lines
    assert "Du får denne e-mail, fordi Møn Web &amp; Data" not in text
    assert "Du får denne e-mail, fordi Møn Web & Data afgav bud" in text
    assert html.count("<li ") >= 4 and "&lt;b&gt;Tak&lt;/b&gt; for buddet" in html


async def test_the_change_mail_names_the_fields_in_words(client, run_jobs, base_url: str) -> None:
    scene = await factories_bids.scene()
    await factories_bids.place_bid(client, scene.admin, scene.task)
    scene.admin.language = "en"
    await scene.admin.save(update_fields=["language"])
    headers = await factories.bearer(client, scene.coordinator)
    later = factories_bids.deadline_in(dt.timedelta(hours=5))
    changed = await client.put(
        f"/api/v1/tasks/{scene.task.id}", json={"bid_deadline": later}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    await run_jobs()
    mail = await OutboxMessage.get(
        idempotency_key__startswith=f"task-changed:{scene.task.id}:",
        idempotency_key__endswith=f":{scene.admin.id}",
    )
    assert "- Bid deadline" in mail.body_text.splitlines()
    assert "bid_deadline" not in mail.body_text
    assert f"{base_url}/tasks/{scene.task.id}" in mail.body_text
    assert "<li" in mail.body_html
