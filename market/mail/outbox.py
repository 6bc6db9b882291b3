"""The development outbox as people may see it: their own mail, and all mail for the secretariat.

Anonymous visitors see nothing (404). Only the recipient sees a mail's single-use secrets (reset
links, invitation links, unsubscribe tokens); anyone else sees them hidden.
"""

from __future__ import annotations

import re
from typing import Any

from market.errors import NotFound
from market.i18n import gettext as _
from market.mail.models import OutboxMessage
from market.mail.services import expand_secrets
from market.settings import Settings

# A long URL-safe path segment is a secret (or may be one): hidden from all but the recipient.
SECRET_IN_PATH = re.compile(r"(?<=/)[A-Za-z0-9_\-]{20,}")
RESET_PLACEHOLDER = re.compile(r"\[\[reset:\d+\]\]")
HIDDEN = "[…]"
LIMIT = 100


def _may_read_all(user: Any) -> bool:
    return user is not None and user.has_role("secretariat")


def _require_development(settings: Settings, user: Any) -> None:
    if settings.is_production or user is None:
        raise NotFound(_("Page not found."))


async def visible_messages(settings: Settings, user: Any) -> list[OutboxMessage]:
    """The newest mail the user may see in the development outbox."""
    _require_development(settings, user)
    query = (
        OutboxMessage.all() if _may_read_all(user) else OutboxMessage.filter(to_email=user.email)
    )
    return list(await query.order_by("-id").limit(LIMIT))


async def visible_message(settings: Settings, user: Any, message_id: int) -> tuple[Any, str]:
    """One mail and its text as this user may read it (404 when it is not theirs to see)."""
    _require_development(settings, user)
    message = await OutboxMessage.get_or_none(id=message_id)
    if message is None or not (message.to_email == user.email or _may_read_all(user)):
        raise NotFound(_("Page not found."))
    if message.to_email == user.email:
        return message, await expand_secrets(settings, message.body_text)
    hidden = RESET_PLACEHOLDER.sub(HIDDEN, SECRET_IN_PATH.sub(HIDDEN, message.body_text))
    return message, hidden
