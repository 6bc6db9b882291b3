"""What the account requests and answers hold: sign-in (the login form and the token API),
passwords, tokens, the role and language switches, and who the caller is.

Rules that need the database or another field (the password's strength against the e-mail
address and name, the current password, the two passwords alike) stay in services.py and
views.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue

from market.accounts.services import normalise_email, valid_email
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    NO_NUL,
    NOT_TEXT,
    REQUIRED,
    UNSTORABLE_TEXT,
    WHITESPACE,
    LocalTime,
    RequestModel,
    ResponseModel,
    Rule,
    Text,
    problem,
)

INVALID_EMAIL = _l("Enter a valid e-mail address.")
MAX_PASSWORD = 1024
# name@domain.tld without spaces, around it only spaces: the same in the code and the schema.
_PART = f"[^@\\u0000{WHITESPACE}]+"
EMAIL_PATTERN = f"^[{WHITESPACE}]*{_PART}@{_PART}\\.{_PART}[{WHITESPACE}]*$"
_EMAIL = re.compile(EMAIL_PATTERN)


@dataclass(frozen=True)
class Email(Rule):
    """An e-mail address, normalised (trimmed, lower case), of the form name@domain.tld.
    `blank`: the message when none is given (absent or only spaces)."""

    blank: Any = REQUIRED

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise problem(self.blank)
        text = Text(254, required=True, strip=False).validate(value, info)
        email = normalise_email(text)
        if not _EMAIL.fullmatch(text) or not valid_email(email):
            raise problem(INVALID_EMAIL)
        return email

    def json_schema(self) -> JsonSchemaValue:
        return {
            "type": "string",
            "minLength": 3,
            "maxLength": 254,
            "pattern": EMAIL_PATTERN,
        }


@dataclass(frozen=True)
class Password(Rule):
    """A password as typed (never stripped): at least one character, at most 1,024, storable.
    Its strength is checked where the e-mail address and name are known
    (market.security.passwords.password_problem)."""

    def validate(self, value: Any, info: ValidationInfo) -> str:
        if value is None or value == "":
            raise problem(REQUIRED)
        if not isinstance(value, str):
            raise problem(NOT_TEXT)
        if not storable(value):
            raise problem(UNSTORABLE_TEXT)
        if len(value) > MAX_PASSWORD:
            raise problem(_l("The password must be at most 1,024 characters long."))
        return value

    def json_schema(self) -> JsonSchemaValue:
        return {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD, "pattern": NO_NUL}


# --- requests ----------------------------------------------------------------------------


class Credentials(RequestModel):
    """POST /api/v1/auth/token and the login form."""

    failure_message = _l("Send an e-mail address and a password.")

    email: Annotated[str, Text(254, required=True)]
    password: Annotated[str, Password()]


class ForgotPassword(RequestModel):
    """The forgotten-password form."""

    failure_message = INVALID_EMAIL

    email: Annotated[str, Email(blank=INVALID_EMAIL)]


class NewPassword(RequestModel):
    """The password-reset form; the two passwords must be alike (the view says so)."""

    password: Annotated[str, Password()]
    password_repeat: Annotated[str, Text(MAX_PASSWORD, strip=False)] = ""


class PasswordChange(NewPassword):
    """The account page's password form; the current password is checked by the view."""

    current_password: Annotated[str, Text(MAX_PASSWORD, strip=False)] = ""


class TokenName(RequestModel):
    """The account page's new-token form."""

    name: Annotated[str, Text(100, one_line=True)] = ""


class RoleSwitch(RequestModel):
    """The role switcher: a role the user holds, or "" for all of them."""

    role: Annotated[str, Text(100, one_line=True)] = ""
    next: Annotated[str, Text(2000, one_line=True)] = ""


class LanguageChoice(RequestModel):
    """The language switcher (a language other than da or en is ignored)."""

    language: Annotated[str, Text(10, one_line=True)] = "da"
    next: Annotated[str, Text(2000, one_line=True)] = ""


# --- answers -----------------------------------------------------------------------------


class TokenOut(ResponseModel):
    token: str
    expires_at: Annotated[dt.datetime, LocalTime()]
    token_type: Literal["bearer"]


class IdentityVendor(ResponseModel):
    id: int
    name: str


class OrganisationOut(ResponseModel):
    id: int
    name: str
    kind: str
    code: str | None


class IdentityOut(ResponseModel):
    """GET /api/v1/me."""

    id: int
    email: str
    name: str
    roles: list[str]
    language: str
    vendor: IdentityVendor | None
    organisation: OrganisationOut
