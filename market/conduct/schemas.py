"""What the Code of Conduct's requests and answers hold: publishing a version (the API and the
secretariat's form), signing (the vendor's form), the secretariat's decisions, and the answers.

Rules that need the database or the clock (an effective date not in the past, a label not used
before, the version in force, the hash of its text) stay in services.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError

from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    UNSTORABLE_TEXT,
    WHITESPACE,
    Date,
    Flag,
    LocalTime,
    Page,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Whole,
    in_form,
    problem,
)

MAX_LABEL = 20  # the width of the label column
VERSION_LABEL = re.compile(r"[0-9]+(\.[0-9]+)*")  # ASCII digits: "²".isdigit() is true
NO_LABEL = _l("Give the version a label, e.g. 2 or 2.1.")
BAD_LABEL = _l("A version label is numbers separated by dots, e.g. 2 or 2.1.")
BAD_DAYS = _l("Give a whole number of days from 0 to 365.")
MAX_GRACE_DAYS = 365


@dataclass(frozen=True)
class VersionLabel(Rule):
    """A version's label: numbers separated by dots ("2", "2.1"), at most 20 characters."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise problem(NO_LABEL)
        if not isinstance(value, str):
            raise problem(BAD_LABEL)
        if not storable(value):
            raise problem(UNSTORABLE_TEXT)
        label = value.strip()
        if len(value) > MAX_LABEL or not VERSION_LABEL.fullmatch(label):
            raise problem(BAD_LABEL)
        return label

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_LABEL,
            "pattern": f"^[{WHITESPACE}]*[0-9]+(\\.[0-9]+)*[{WHITESPACE}]*$",
        }


@dataclass(frozen=True)
class Markdown(Text):
    """A version's Markdown text, kept as written (its SHA-256 is signed); a form's line
    breaks (CR LF) are read as the LF an API client sends."""

    strip: bool = False

    def validate(self, value: Any, info: ValidationInfo) -> str:
        text = super().validate(value, info)
        return text.replace("\r\n", "\n") if in_form(info) else text


@dataclass(frozen=True)
class GraceDays(Rule):
    """The days a vendor has to sign a new version, 0 to 365."""

    def validate(self, value: Any, info: ValidationInfo) -> int:
        try:
            return Whole(0, MAX_GRACE_DAYS).validate(value, info)
        except PydanticCustomError:
            raise problem(BAD_DAYS) from None

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "integer", "minimum": 0, "maximum": MAX_GRACE_DAYS}


# --- requests ----------------------------------------------------------------------------


class VersionPublish(RequestModel):
    """POST /api/v1/conduct/versions and the secretariat's form."""

    failure_message = _l("The version was not published.")

    version: Annotated[str, VersionLabel()]
    title: Annotated[str, Text(200, required=True, one_line=True)]
    text: Annotated[str, Markdown(200_000, required=True)]  # Danish: the binding text
    text_en: Annotated[str, Markdown(200_000)] = ""
    effective_from: Annotated[dt.date, Date(_l("Give a date as YYYY-MM-DD."))]
    grace_days: Annotated[int, GraceDays()]


class Signing(RequestModel):
    """The vendor admin's form that signs the version in force, and the body of
    POST /api/v1/vendors/{id}/signatures. Whether the version, its hash and the names are
    right is the service's question, so each gets its own message."""

    failure_message = _l("The Code of Conduct was not signed.")

    version: Annotated[str, Text(100, one_line=True)] = ""
    sha256: Annotated[str, Text(100, one_line=True)] = ""
    signer_name: Annotated[str, Text(200, one_line=True)] = ""
    signer_title: Annotated[str, Text(200, one_line=True)] = ""
    accept: Annotated[bool, Flag()] = False


class DecisionReason(RequestModel):
    """POST /api/v1/signatures/{id}/reject and .../revoke."""

    failure_message = _l("Give a reason.")

    reason: Annotated[str, Text(2000, required=True)]


# --- answers -----------------------------------------------------------------------------

Moment = Annotated[dt.datetime, LocalTime()]


class ConductOut(ResponseModel):
    """The Code of Conduct in force."""

    id: int
    version: str
    title: str
    text: str
    text_en: str
    sha256: str
    effective_from: dt.date
    grace_days: int


class VersionOut(ConductOut):
    """A published version."""

    published_at: Moment


class VendorRef(ResponseModel):
    id: int
    name: str
    cvr: str


class RegisterItem(ResponseModel):
    """One vendor of the signature register, with the signature the row is about."""

    vendor: VendorRef
    vendor_id: int
    status: Literal["pending", "active", "outdated", "missing", "revoked", "rejected"]
    state: Literal[
        "not_signed",
        "awaiting_countersignature",
        "active",
        "outdated",
        "rejected",
        "suspended",
        "revoked",
    ]
    eligible: bool
    id: int | None
    signature_id: int | None
    version: str | None
    signer_name: str | None
    signer_title: str | None
    signed_at: Moment | None
    signature_status: str | None
    current_version: str | None
    grace_ends: dt.date | None
    reasons: list[str]


RegisterPage = Page[RegisterItem]


class DecisionOut(ResponseModel):
    id: int
    signature_id: int
    status: Literal["countersigned", "rejected", "revoked"]
    decision: Literal["countersigned", "rejected", "revoked"]
    reason: str
