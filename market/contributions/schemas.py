"""What a vendor's git identities look like in requests and answers: the declaration (the API
and the vendor's form), the secretariat's confirmation, and the answer.

Whether each value is a domain name or an e-mail address of the right form, and not a mail
domain shared by many people, is the service's question (it words each refusal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue

from market.i18n import gettext as _
from market.i18n import lazy_gettext as _l
from market.parsing import storable
from market.schemas import (
    NO_NUL,
    UNSTORABLE_TEXT,
    Ids,
    LocalTime,
    RequestModel,
    ResponseModel,
    Rule,
    in_form,
    problem,
)

MAX_IDENTITIES = 50
NOT_TEXTS = _l("A list of texts.")


@dataclass(frozen=True)
class Identities(Rule):
    """Domains or authors: a list of texts (a form: one a line, or separated by commas),
    stripped, blank ones left out."""

    max_length: int
    # Authors: an address (with "@") of at most max_length, or a name of at most this.
    name_length: int | None = None

    def validate(self, value: Any, info: ValidationInfo) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str) and in_form(info):
            value = value.replace(",", "\n").splitlines()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise problem(NOT_TEXTS)
        if len(value) > MAX_IDENTITIES:
            raise problem(_("At most %(n)d.") % {"n": MAX_IDENTITIES})
        if not all(storable(v) for v in value):
            raise problem(UNSTORABLE_TEXT)
        return [v.strip() for v in value if v.strip()]

    def json_schema(self) -> JsonSchemaValue:
        item: JsonSchemaValue = {"type": "string", "maxLength": self.max_length, "pattern": NO_NUL}
        if self.name_length is not None:
            item = {
                "anyOf": [
                    {**item, "pattern": "^[^\\u0000]*@[^\\u0000]*$"},
                    {"type": "string", "maxLength": self.name_length, "pattern": "^[^\\u0000@]*$"},
                ]
            }
        return {"type": "array", "maxItems": MAX_IDENTITIES, "items": item}


# --- requests ----------------------------------------------------------------------------

FAILED = _l("Check the identities.")


class IdentitiesDeclare(RequestModel):
    """PUT /api/v1/vendors/{id}/identities and the vendor's identities form: the e-mail
    domains and the authors (addresses or names) its people commit with."""

    failure_message = FAILED

    domains: Annotated[list[str], Identities(253)] = []
    authors: Annotated[list[str], Identities(254, name_length=200)] = []


class IdentitiesConfirm(RequestModel):
    """POST /api/v1/vendors/{id}/identities/confirm: the pending identities to confirm
    (absent: all of them)."""

    failure_message = FAILED

    ids: Annotated[list[int], Ids(_l("A list of identity ids."), max_items=100)] | None = None


# --- answers -----------------------------------------------------------------------------


class IdentityOut(ResponseModel):
    id: int
    kind: Literal["domain", "email", "name"]
    label: str  # a domain, or an author's address or name masked ("a…@firma.dk")
    status: Literal["pending", "confirmed"]
    confirmed_at: Annotated[dt.datetime, LocalTime()] | None


class IdentitiesOut(ResponseModel):
    vendor_id: int
    domains: list[IdentityOut]
    authors: list[IdentityOut]
