"""Queue e-mail through the outbox and send it (SMTP when configured, kept in development)."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from markupsafe import Markup, escape
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from market import clock
from market.db import after_commit, transaction
from market.i18n import get_language, set_language
from market.mail.models import MailStatus, OutboxMessage
from market.parsing import one_line, single_line
from market.settings import Settings
from market.templating import render_string

log = logging.getLogger(__name__)
# Headers the outbox sets itself; extra headers cannot replace them.
_OWN_HEADERS = frozenset({"From", "To", "Subject", "Message-ID", "Content-Type"})


# Links in mail are absolute: the address the app is reached at (BASE_URL), set at start-up.
_base_url = "http://127.0.0.1:8000"
SIGNATURE_SEPARATOR = "\n--\n"
_URL = re.compile(r"https?://[^\s<>\"']+")


def configure(base_url: str) -> None:
    """Set the address mail links point at (the web app and the worker call this)."""
    global _base_url
    _base_url = base_url.rstrip("/")


def absolute(path: str) -> str:
    """`path` on this app as a full address, for a mail."""
    return path if _URL.match(path) else f"{_base_url}/{path.lstrip('/')}"


def _linkify(line: str) -> Markup:
    """One line of the text part as HTML: escaped, its addresses made into links."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(line):
        url = match.group(0)
        parts.append(escape(line[last : match.start()]))
        parts.append(Markup('<a href="{0}" style="color:#004d99">{0}</a>').format(url))
        last = match.end()
    parts.append(escape(line[last:]))
    return Markup("").join(parts)


def html_blocks(text: str) -> tuple[list[dict[str, Any]], list[Markup]]:
    """The text part as blocks for the HTML part: paragraphs, lists, links, and the footer."""
    body, _sep, footer = text.partition(SIGNATURE_SEPARATOR)
    blocks: list[dict[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [line for line in chunk.splitlines() if line.strip()]
        if len(lines) == 1 and _URL.fullmatch(lines[0].strip()):
            blocks.append({"kind": "link", "url": lines[0].strip()})
            continue
        # Runs of "- " lines are lists; the lines around them are paragraphs.
        for is_list, run in itertools.groupby(lines, key=lambda line: line.startswith("- ")):
            shown = [_linkify(line[2:] if is_list else line) for line in run]
            blocks.append({"kind": "list" if is_list else "paragraph", "lines": shown})
    return blocks, [_linkify(line) for line in footer.strip().splitlines() if line.strip()]


def render_mail(template: str, language: str, values: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of a mail template in the recipient's language."""
    previous = get_language()
    set_language(language)
    try:
        values = {"absolute": absolute, **values}
        subject = render_string(f"mail/{template}.subject.txt", **values).strip()
        text = render_string(f"mail/{template}.txt", **values).strip() + "\n"
        blocks, footer = html_blocks(text)
        html = render_string("mail/_layout.html", blocks=blocks, footer=footer, subject=subject)
    finally:
        set_language(previous)
    return subject, text, html


async def queue_mail(
    *, to: str, template: str, key: str, language: str = "da", **values: Any
) -> OutboxMessage:
    """Write one e-mail to the outbox (once per idempotency key) and send it after commit."""
    subject, text, html = render_mail(template, language, values)
    return await queue_message(
        to=to, key=key, subject=subject, text=text, html=html, language=language
    )


async def queue_message(
    *,
    to: str,
    key: str,
    subject: str,
    text: str,
    html: str = "",
    headers: Mapping[str, str] | None = None,
    language: str = "da",
) -> OutboxMessage:
    """Write one ready-made e-mail (text part, optional HTML part, extra headers such as
    List-Unsubscribe) to the outbox, once per idempotency key, and send it after commit."""
    extra = {
        name: one_line(value) for name, value in (headers or {}).items() if name not in _OWN_HEADERS
    }
    if not single_line(to):
        raise ValueError("a mail address with a line break")
    try:
        async with transaction():
            message = await OutboxMessage.create(
                idempotency_key=key[:200],
                to_email=to,
                language=language,
                subject=one_line(subject)[:300],  # no header injection
                body_text=text,
                body_html=html,
                headers=extra,
            )
    except IntegrityError:
        existing = await OutboxMessage.get(idempotency_key=key[:200])
        return existing
    await after_commit("send_mail", message.id)
    return message


async def send_mail(settings: Settings, message_id: int) -> str:
    """Claim one pending message and deliver it. Safe to run twice: only one claim wins."""
    now = clock.now()
    lease_expired = now - dt.timedelta(seconds=settings.job_timeout_seconds)
    claimable = Q(status__in=[MailStatus.PENDING, MailStatus.FAILED]) | Q(
        status=MailStatus.SENDING, claimed_at__lt=lease_expired
    )
    claimed = await OutboxMessage.filter(claimable, id=message_id).update(
        status=MailStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return "skipped"
    message = await OutboxMessage.get(id=message_id)
    if not settings.smtp_url:
        message.status = MailStatus.KEPT
        message.sent_at = clock.now()
        await message.save(update_fields=["status", "sent_at"])
        return "kept"
    try:
        await _deliver(settings, message)
    except Exception as exc:  # noqa: BLE001 - any failure here is handled the same way
        message.status = MailStatus.FAILED
        message.attempts += 1
        message.last_error = str(exc)[:1000]
        await message.save(update_fields=["status", "attempts", "last_error"])
        log.warning("mail %s failed: %s", message_id, exc)
        return "failed"
    message.status = MailStatus.SENT
    message.attempts += 1
    message.sent_at = clock.now()
    await message.save(update_fields=["status", "attempts", "sent_at"])
    return "sent"


async def _deliver(settings: Settings, message: OutboxMessage) -> None:
    url = urlsplit(settings.smtp_url)
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email["Message-ID"] = f"<{message.idempotency_key.replace(' ', '')}@partnermarket>"
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(await expand_secrets(settings, message.body_text))
    if message.body_html:
        email.add_alternative(await expand_secrets(settings, message.body_html), subtype="html")
    await aiosmtplib.send(
        email,
        hostname=url.hostname or "localhost",
        port=url.port or (465 if url.scheme == "smtps" else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=url.scheme == "smtps",
        start_tls=True if url.scheme == "smtp+starttls" else None,
        timeout=30,
    )


async def pending_ids(settings: Settings, limit: int = 200) -> list[int]:
    """Messages waiting to go out, including claims whose lease has run out."""
    lease_expired = clock.now() - dt.timedelta(seconds=settings.job_timeout_seconds)
    waiting = Q(status__in=[MailStatus.PENDING, MailStatus.FAILED]) | Q(
        status=MailStatus.SENDING, claimed_at__lt=lease_expired
    )
    rows = (
        await OutboxMessage.filter(waiting, attempts__lt=8)
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(r) for r in rows]  # type: ignore[call-overload]


# Domains that put single-use secrets into mail (accounts: password reset links) register how
# to fill in their placeholders, so mail needs no arrow up to them.
SecretExpander = Callable[[Settings, str], Awaitable[str]]
_secret_expanders: list[SecretExpander] = []


def register_secret_expander(expander: SecretExpander) -> None:
    """Fill in a domain's secret placeholders whenever a mail body is sent or shown."""
    if expander not in _secret_expanders:
        _secret_expanders.append(expander)


async def expand_secrets(settings: Settings, text: str) -> str:
    """Mail bodies keep placeholders for single-use secrets; fill them in to send or show."""
    for expander in _secret_expanders:
        text = await expander(settings, text)
    return text
