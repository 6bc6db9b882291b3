"""The mail outbox: every outgoing e-mail is a row first."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from market.i18n import lazy_gettext as _l
from market.i18n import register_labels


class MailStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    KEPT = "kept"  # development: kept in the outbox, shown on the dev page
    FAILED = "failed"


# Shown as ("mail." ~ status)|label: "pending" means something else on a signature.
register_labels(
    {
        "mail.pending": _l("Waiting to be sent"),
        "mail.sending": _l("Being sent"),
        "mail.sent": _l("Sent"),
        "mail.kept": _l("Kept here (not sent)"),
        "mail.failed": _l("Failed: will be tried again"),
    }
)


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=200, unique=True)
    to_email = fields.CharField(max_length=254, db_index=True)
    language = fields.CharField(max_length=2, default="da")
    subject = fields.CharField(max_length=300)
    body_text = fields.TextField()
    body_html = fields.TextField(default="")
    # Extra headers sent as they are (e.g. List-Unsubscribe); From/To/Subject are not among them.
    headers: dict[str, str] = fields.JSONField(default=dict)
    status = fields.CharField(max_length=10, default=MailStatus.PENDING, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    # A claim is a lease: a worker killed while sending leaves it, and it expires.
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        ordering = ["-id"]
