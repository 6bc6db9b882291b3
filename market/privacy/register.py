"""The register of processing: every model field that holds personal data, why, how long it is
kept and what erasure does to it. The privacy page is generated from it and a test fails when
a model field that looks personal is missing here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from market.i18n import LazyString
from market.i18n import lazy_gettext as _l

# Field names that look personal: the register test checks every model field that matches.
LOOKS_PERSONAL = re.compile(r"e_?mail|name|phone|address|(^|_)ip(_|$)|user_agent|reporter")


class Erasure:
    ANONYMISE = "anonymise"  # replaced by "Slettet bruger N" or emptied
    DELETE = "delete"  # the row goes
    KEEP = "keep"  # a record the community must keep; it holds no name or e-mail of the person
    HASHED = "hashed"  # only a hash is kept, never the value

    LABELS = {
        ANONYMISE: _l("Anonymised"),
        DELETE: _l("Deleted"),
        KEEP: _l("Kept (procurement record)"),
        HASHED: _l("Kept only as a hash"),
    }


@dataclass(frozen=True)
class Period:
    key: str
    default_days: int
    label: LazyString
    rule: LazyString  # what the daily retention job does when the period has passed
    automatic: bool = True  # False: reported in the dry run, never removed by the job


PERIODS: tuple[Period, ...] = (
    Period(
        "mail_bodies",
        90,
        _l("Sent e-mails"),
        _l("The body and the recipient's address of a sent e-mail are emptied."),
    ),
    Period(
        "sign_in_history",
        180,
        _l("Sign-in history and IP addresses"),
        _l(
            "Failed sign-ins are deleted with the e-mail addresses typed in them; IP addresses "
            "and browser names of sessions and of audit events are emptied."
        ),
    ),
    Period(
        "expired_credentials",
        30,
        _l("Expired sessions, API tokens and password reset links"),
        _l("Sessions, API tokens and reset links that expired or were revoked are deleted."),
    ),
    Period(
        "unused_accounts",
        730,
        _l("Unused accounts"),
        _l(
            "Accounts nobody has signed in to for the period are anonymised, except a vendor's "
            "last administrator."
        ),
    ),
    Period(
        "unconfirmed_registrations",
        30,
        _l("Unconfirmed registrations and invitations"),
        _l("Invitations to join a vendor that were never accepted are deleted after expiry."),
    ),
    Period(
        "procurement_records",
        5 * 365,
        _l("Procurement records"),
        _l(
            "Signatures, bids, evaluations, awards and the audit log are kept for the period "
            "(the Danish Bookkeeping Act: five years); the dry run counts what is past it for "
            "the secretariat to review. They are never removed automatically."
        ),
        automatic=False,
    ),
)
PERIOD_KEYS = tuple(p.key for p in PERIODS)


def period(key: str) -> Period:
    return next(p for p in PERIODS if p.key == key)


@dataclass(frozen=True)
class Entry:
    model: str  # the Tortoise model's class name
    fields: tuple[str, ...]
    data: LazyString  # what it is, in words
    subjects: LazyString  # whose data
    purpose: LazyString
    retention: str  # a Period key, or "account" (as long as the account exists)
    erasure: str  # Erasure.*


USERS = _l("All users")
VENDOR_STAFF = _l("Vendor staff")
SIGNERS = _l("People who sign for a vendor")
STAFF = _l("Municipal staff and the secretariat")
ACCOUNT = "account"

REGISTER: tuple[Entry, ...] = (
    Entry(
        "User",
        ("email", "name", "language", "last_login_at", "password_hash"),
        _l("E-mail address, name, language, last sign-in and password hash"),
        USERS,
        _l("Signing in, and telling the person about their tasks, bids and signatures."),
        ACCOUNT,
        Erasure.ANONYMISE,
    ),
    Entry(
        "Session",
        ("address", "user_agent", "created_at", "last_seen_at"),
        _l("IP address and browser of each sign-in session"),
        USERS,
        _l("Keeping the person signed in, and security: spotting sessions that are not theirs."),
        "sign_in_history",
        Erasure.DELETE,
    ),
    Entry(
        "ApiToken",
        ("name", "prefix", "last_used_at"),
        _l("API tokens: their names and when they were used"),
        USERS,
        _l("Letting the person's own systems use the API."),
        "expired_credentials",
        Erasure.DELETE,
    ),
    Entry(
        "PasswordReset",
        ("created_at", "used_at"),
        _l("Password reset requests"),
        USERS,
        _l("Letting the person choose a new password."),
        "expired_credentials",
        Erasure.DELETE,
    ),
    Entry(
        "LoginFailure",
        ("email", "address"),
        _l("Failed sign-ins: the e-mail address tried and the IP address"),
        USERS,
        _l("Security: throttling password guessing."),
        "sign_in_history",
        Erasure.DELETE,
    ),
    Entry(
        "AuditEvent",
        ("actor_label", "address", "before", "after", "note"),
        _l("The audit log: who did what and when, and from which IP address"),
        USERS,
        _l("Accountability of procurement decisions and of the Code of Conduct."),
        "procurement_records",
        Erasure.ANONYMISE,
    ),
    Entry(
        "OutboxMessage",
        ("to_email", "subject", "body_text", "body_html"),
        _l("E-mails sent to the person"),
        USERS,
        _l("Telling the person about receipts, invitations, reminders and awards."),
        "mail_bodies",
        Erasure.ANONYMISE,
    ),
    Entry(
        "Vendor",
        ("contact_name", "email", "address"),
        _l("A vendor's contact person, contact e-mail address and postal address"),
        VENDOR_STAFF,
        _l("The public register of vendor partners and contact about tasks."),
        ACCOUNT,
        Erasure.ANONYMISE,
    ),
    Entry(
        "VendorInvitation",
        ("email",),
        _l("E-mail address of a colleague invited to join a vendor"),
        VENDOR_STAFF,
        _l("Sending the invitation."),
        "unconfirmed_registrations",
        Erasure.DELETE,
    ),
    Entry(
        "Signature",
        ("signer_name", "signer_title", "address", "user_agent"),
        _l("Who signed the Code of Conduct for a vendor, their title, IP address and browser"),
        SIGNERS,
        _l("The record of consent to the Code of Conduct."),
        "procurement_records",
        Erasure.ANONYMISE,
    ),
    Entry(
        "TaskChange",
        ("actor_label",),
        _l("Who changed a published task"),
        STAFF,
        _l("Fair treatment of bidders: every change to a published task is visible."),
        "procurement_records",
        Erasure.ANONYMISE,
    ),
    Entry(
        "Wish",
        ("jira_reporter",),
        _l("Who reported a wish in Jira"),
        STAFF,
        _l("Tracing a wish back to where it came from."),
        ACCOUNT,
        Erasure.ANONYMISE,
    ),
    Entry(
        "BidRevision",
        ("content",),
        _l("Names and roles of the team members in a bid"),
        VENDOR_STAFF,
        _l("Evaluating the bid; the bid's hash covers its exact content."),
        "procurement_records",
        Erasure.KEEP,
    ),
    Entry(
        "Bid",
        ("team",),
        _l("Names and roles of the team members in a submitted bid"),
        VENDOR_STAFF,
        _l("Evaluating the bid; the bid's hash covers its exact content."),
        "procurement_records",
        Erasure.KEEP,
    ),
    Entry(
        "TeamRedaction",
        ("revision_id", "position", "user_id"),
        _l("Where an erased person is named in a bid's team (no name is kept here)"),
        VENDOR_STAFF,
        _l("Showing the pseudonym instead of the name while the bid's hash still verifies."),
        "procurement_records",
        Erasure.KEEP,
    ),
    Entry(
        "AlertPreference",
        ("frequency", "codes", "products", "min_budget_dkk", "language", "feed_salt"),
        _l("Alert preferences, saved searches and the alerts sent"),
        VENDOR_STAFF,
        _l("Telling vendor staff about tasks that fit their company."),
        ACCOUNT,
        Erasure.DELETE,
    ),
    Entry(
        "SavedSearch",
        ("query", "codes"),
        _l("Searches kept as alerts"),
        VENDOR_STAFF,
        _l("Telling vendor staff about tasks that fit their company."),
        ACCOUNT,
        Erasure.DELETE,
    ),
    Entry(
        "ImportedCommit",
        ("email_hash", "name_hash"),
        _l("Hashes of the e-mail address and name of the authors of commits to OS2 products"),
        _l("Developers of OS2 products"),
        _l("Crediting vendors with their contributions to OS2 products, for matching."),
        "imported",
        Erasure.HASHED,
    ),
    Entry(
        "VendorIdentity",
        ("label", "value_hash"),
        _l("Addresses and names a vendor says its developers commit with (a hash and a hint)"),
        VENDOR_STAFF,
        _l("Crediting vendors with their contributions to OS2 products, for matching."),
        ACCOUNT,
        Erasure.HASHED,
    ),
)
IMPORTED = "imported"  # kept as long as the product's commit history is imported

# Fields whose names look personal but that hold no personal data, with the reason.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("Organisation", "name"): "a municipality's, the secretariat's or a company's name",
    ("Organisation", "short_name"): "a municipality's or a company's short name",
    ("Vendor", "name"): "a company's name, public in the CVR register",
    ("Solution", "name"): "a product's name",
    ("Release", "name"): "a release's name",
    ("BidAttachment", "file_name"): "the name of a document in a bid",
    ("BidAttachment", "stored_name"): "a random file name",
}


def registered_fields() -> set[tuple[str, str]]:
    return {(e.model, f) for e in REGISTER for f in e.fields} | set(NOT_PERSONAL)


def unregistered(models: dict[str, list[str]]) -> list[str]:
    """`Model.field` for every field that looks personal and is not in the register."""
    known = registered_fields()
    return sorted(
        f"{model}.{name}"
        for model, names in models.items()
        for name in names
        if LOOKS_PERSONAL.search(name) and (model, name) not in known
    )
