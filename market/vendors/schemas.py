"""What a vendor's requests and answers hold: registration (the API and the form), suspension,
colleagues' invitations, and the answers (signing the Code of Conduct through the API reads
market.conduct.schemas.Signing, the sign form's model).

Rules that need the database or another field (a CVR number or e-mail address used already,
the password's strength against the e-mail address and name, the version in force) stay in
services.py and market/conduct.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError

from market.accounts.schemas import Email, Password
from market.accounts.services import normalise_email
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    NOT_BLANK,
    NOT_VALID,
    REQUIRED,
    UNSTORABLE_TEXT,
    WHITESPACE,
    LocalTime,
    Page,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    Whole,
    problem,
)
from market.security.passwords import password_problem

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
BAD_CVR = _l("This is not a valid CVR number (8 digits that pass the modulus-11 check).")
BAD_EMPLOYEES = _l("Give the number of employees as a whole number, 1 or more.")
MAX_EMPLOYEES = 1_000_000
INVITE_ROLES = ("vendor_member", "vendor_admin")


def normalise_cvr(raw: str) -> str:
    return "".join(raw.split()).removeprefix("DK").removeprefix("dk")


def valid_cvr(cvr: str) -> bool:
    """Eight ASCII digits, the first not 0, whose weighted sum (2,7,6,5,4,3,2,1) is divisible
    by 11."""
    if len(cvr) != 8 or not cvr.isascii() or not cvr.isdigit() or cvr[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0


@dataclass(frozen=True)
class Cvr(Rule):
    """A Danish CVR number: text ("DK 12 34 56 78" is read as 12345678) or a JSON number.
    Returned as its 8 digits."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise problem(REQUIRED)
        if not isinstance(value, str):
            raise problem(BAD_CVR)
        if not storable(value):
            raise problem(UNSTORABLE_TEXT)
        cvr = normalise_cvr(value)
        if len(value) > 20 or not valid_cvr(cvr):
            raise problem(BAD_CVR)
        return cvr

    def json_schema(self) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": 20, "pattern": NOT_BLANK},
                {"type": "integer", "minimum": 10_000_000, "maximum": 99_999_999},
            ],
            "description": "8 digits that pass the modulus-11 check",
        }


@dataclass(frozen=True)
class Employees(Rule):
    """The number of employees, 1 to 1,000,000 (a form: ASCII digits)."""

    def validate(self, value: Any, info: ValidationInfo) -> int:
        if value is None:
            raise problem(REQUIRED)
        try:
            return Whole(1, MAX_EMPLOYEES).validate(value, info)
        except PydanticCustomError:
            raise problem(BAD_EMPLOYEES) from None

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "integer", "minimum": 1, "maximum": MAX_EMPLOYEES}


WEBSITE = f"^[{WHITESPACE}]*(https?://[^\\u0000]*)?$"


@dataclass(frozen=True)
class Website(Rule):
    """A web address starting with http:// or https://, or nothing."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        text: str = Text(300).validate(value, info)
        if text and not text.startswith(("http://", "https://")):
            raise problem(_l("Give the full address, starting with https://"))
        return text

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "maxLength": 300, "pattern": WEBSITE}


@dataclass(frozen=True)
class Language(Rule):
    """The language of the new account's mails: da or en (absent: da)."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value is None:
            return "da"
        if value not in ("da", "en"):
            raise problem(NOT_VALID)
        return str(value)

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "enum": ["da", "en"]}


@dataclass(frozen=True)
class Role(Rule):
    """The role a colleague is invited to (a form's select)."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value not in INVITE_ROLES:
            raise problem(_l("Choose a role."))
        return str(value)

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "enum": list(INVITE_ROLES)}


# --- requests ----------------------------------------------------------------------------

Name = Annotated[str, Text(200, required=True, one_line=True)]  # it reaches mail subjects


class Registration(RequestModel):
    """POST /api/v1/vendors and the registration form: the vendor and its first vendor_admin."""

    failure_message = _l("The registration has errors: correct the fields named.")

    name: Name
    cvr: Annotated[str, Cvr()]
    email: Annotated[str, Email()]
    password: Annotated[str, Password()]
    contact_name: Name
    employees: Annotated[int, Employees()]
    website: Annotated[str, Website()] = ""
    address: Annotated[str, Text(300)] = ""
    language: Annotated[str, Language()] = "da"

    @classmethod
    def more_problems(cls, data: Mapping[str, Any], form: bool) -> dict[str, str]:
        """The password's strength beside the other fields' problems (when they let it be
        judged: the model checks it, if alone, in the service)."""
        password, email, name = (data.get(k) for k in ("password", "email", "contact_name"))
        if not isinstance(password, str) or not password or not storable(password):
            return {}
        if len(password) > 1024:
            return {}
        found = password_problem(
            password,
            normalise_email(email) if isinstance(email, str) else "",
            name if isinstance(name, str) else "",
        )
        return {"password": found} if found else {}


class SuspensionReason(RequestModel):
    """POST /api/v1/vendors/{id}/suspend and .../reinstate."""

    failure_message = _l("Give a reason.")

    reason: Annotated[str, Text(2000, required=True)]


class VendorInvite(RequestModel):
    """The "My company" form that invites a colleague."""

    failure_message = _l("The invitation was not sent.")

    email: Annotated[str, Email(blank=_l("Enter a valid e-mail address."))]
    role: Annotated[str, Role()] = "vendor_member"


class InvitationAccept(RequestModel):
    """The form that turns an invitation into an account; the two passwords must be alike."""

    failure_message = _l("Your account was not created.")

    name: Annotated[str, Text(200, one_line=True)] = ""
    password: Annotated[str, Password()]
    password_repeat: Annotated[str, Text(1024, strip=False)] = ""


# --- answers -----------------------------------------------------------------------------

Moment = Annotated[dt.datetime, LocalTime()]
SizeClass = Literal["micro", "small", "medium", "large"]


class ContributionOut(ResponseModel):
    """What the vendor's people built in one product (market.contributions.figures)."""

    solution: str
    solution_id: int
    commits: int
    lines_changed: int
    files_touched: int
    languages: list[str]
    first_commit_at: Moment | None
    last_commit_at: Moment | None
    by_month: dict[str, int]


class VendorOut(ResponseModel):
    """A vendor's profile: the public part, and for its own users and staff the rest."""

    id: int
    name: str
    cvr: str
    size_class: SizeClass
    website: str
    address: str
    conduct_version: str | None
    signed_at: Moment | None
    eligible: bool
    contributions: list[ContributionOut]
    # Only for the vendor's own users and staff:
    email: str | None = None
    contact_name: str | None = None
    employees: int | None = None
    state: str | None = None
    reasons: list[str] | None = None
    current_version: str | None = None
    grace_ends: dt.date | None = None
    suspended_at: Moment | None = None
    suspension_reason: str | None = None


class UserOut(ResponseModel):
    id: int
    email: str
    name: str
    roles: list[str]


class VendorRegisteredOut(VendorOut):
    user: UserOut


class RegisterEntry(ResponseModel):
    """One vendor of the public register."""

    id: int
    name: str
    cvr: str
    size_class: SizeClass
    website: str
    conduct_version: str | None
    signed_at: Moment | None
    state: str


RegisterPage = Page[RegisterEntry]


class SignatureOut(ResponseModel):
    id: int
    vendor_id: int
    version: str
    sha256: str
    signer_name: str
    signer_title: str
    signed_at: Moment
    status: Literal["pending"]
