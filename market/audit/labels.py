"""Readable names of the audit log's actions (the stored action stays a code)."""

from __future__ import annotations

from market.i18n import lazy_gettext as _l
from market.i18n import register_labels

ACTION_LABELS = {
    "conduct.signed": _l("Code of Conduct signed"),
    "conduct.countersigned": _l("Signature countersigned"),
    "conduct.rejected": _l("Signature rejected"),
    "conduct.revoked": _l("Signature revoked"),
    "conduct.published": _l("Code of Conduct version published"),
    "conduct.reminded": _l("Reminder about the Code of Conduct sent"),
    "vendor.registered": _l("Vendor registered"),
    "vendor.suspended": _l("Vendor suspended"),
    "vendor.reinstated": _l("Vendor reinstated"),
    "vendor.invited": _l("Colleague invited"),
    "vendor.invitation_accepted": _l("Invitation accepted"),
    "bid.submitted": _l("Bid submitted"),
    "bid.drafted": _l("Bid draft saved"),
    "bid.revised": _l("Bid revised"),
    "bid.withdrawn": _l("Bid withdrawn"),
    "bid.renewed": _l("Bid submitted again"),
    "bid.scored": _l("Bid scored"),
    "task.created": _l("Task created"),
    "task.updated": _l("Task changed"),
    "task.published": _l("Task published"),
    "task.cancelled": _l("Task cancelled"),
    "task.awarded": _l("Task awarded"),
    "task.delivered": _l("Delivery registered"),
    "task.vendor_invited": _l("Vendor invited to the task"),
    "task.conflict_declared": _l("Conflict of interest declared"),
    "task.question_asked": _l("Question asked"),
    "task.answer_published": _l("Answer published"),
    "user.created": _l("User created"),
    "user.password_changed": _l("Password changed"),
    "login.failed": _l("Failed sign-in"),
    "matching.settings_changed": _l("Matching weights changed"),
}
register_labels(ACTION_LABELS)
