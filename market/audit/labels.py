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
    "matching.learning_requested": _l("Learning of matching weights requested"),
    "login.succeeded": _l("Signed in"),
    "login.throttled": _l("Sign-in attempts paused"),
    "user.password_reset_requested": _l("Password reset requested"),
    "token.issued": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "vendor.profile": _l("Competency profile saved"),
    "solution.created": _l("Solution created"),
    "solution.coordinator_added": _l("Coordinator added to the solution"),
    "wish.created": _l("Wish created"),
    "wish.planned": _l("Wish planned for a release"),
    "wish.status_changed": _l("Wish status changed"),
    "release.created": _l("Release created"),
    "task.panel_member_added": _l("Evaluator added to the panel"),
    "bid_attachment.purged": _l("Bid attachment deleted after retention"),
    "competency.add": _l("Competency code added"),
    "competency.rename": _l("Competency code renamed"),
    "competency.retire": _l("Competency code retired"),
    "competency.restore": _l("Competency code in use again"),
    "alerts.preferences_changed": _l("Alert preferences changed"),
    "alerts.search_saved": _l("Search saved"),
    "alerts.search_deleted": _l("Saved search deleted"),
    "alerts.feeds_revoked": _l("Private feed addresses renewed"),
    "alerts.settings_changed": _l("Alert settings changed"),
    "contributions.imported": _l("Contributions imported"),
    "contributions.identities_declared": _l("Contributor identities declared"),
    "contributions.identities_confirmed": _l("Contributor identities confirmed"),
    "privacy.data_exported": _l("Personal data downloaded"),
    "privacy.erasure_requested": _l("Erasure requested"),
    "privacy.erasure_completed": _l("Erasure carried out"),
    "privacy.erasure_rejected": _l("Erasure request rejected"),
    "privacy.user_erased": _l("User erased"),
    "privacy.retention_changed": _l("Retention period changed"),
    "privacy.retention_ran": _l("Retention run"),
}
register_labels(ACTION_LABELS)

# What the audit log's object types are called (shown, never stored).
OBJECT_TYPE_LABELS = {
    "bid": _l("Bid"),
    "conduct_version": _l("Code of Conduct version"),
    "saved_search": _l("Saved search"),
    "signature": _l("Signature"),
    "solution": _l("Solution"),
    "task": _l("Task"),
    "user": _l("User"),
    "vendor": _l("Vendor"),
    "wish": _l("Wish"),
}


def object_type_label(object_type: str) -> str:
    label = OBJECT_TYPE_LABELS.get(object_type)
    return str(label) if label is not None else object_type
